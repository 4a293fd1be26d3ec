"""Input parsing: arguments, list files, stdin, URL normalization and duplicate keys."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.errors import InputError
from summarizer.ingest import collect_inputs, normalize_url
from summarizer.ingest.inputs import InputKind, classify, parse_list, unique_inputs


def test_args_stdin_and_list_file_in_order(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# weekly reading\n\nhttps://a.example/1\n   \nhttps://a.example/2  # the main one\n"
        "notes.md\n",
        encoding="utf-8",
    )
    stdin = io.StringIO("https://b.example/x\n# skip me\nhttps://b.example/y#section\n")
    got = collect_inputs(["https://first.example/", "-", "local.html"], str(listing), stdin)
    assert got == [
        "https://first.example/",
        "https://b.example/x",
        "https://b.example/y#section",  # a glued '#' is a fragment, not a comment
        "local.html",
        "https://a.example/1",
        "https://a.example/2",
        "notes.md",
    ]


def test_nothing_given_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sources given"):
        collect_inputs([])
    only_comments = tmp_path / "list.txt"
    only_comments.write_text("# nothing here\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no sources given"):
        collect_inputs(["  "], str(only_comments), io.StringIO(""))


def test_unreadable_list_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        collect_inputs([], str(tmp_path / "x.txt"))
    assert missing.value.one_line() == f"list file {tmp_path / 'x.txt'} not found"
    with pytest.raises(InputError, match="is a directory"):
        collect_inputs([], str(tmp_path))
    binary = tmp_path / "list.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        collect_inputs([], str(binary))


def test_list_file_bom_and_crlf(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_bytes("\ufeffhttps://a.example/1\r\n\r\nhttps://a.example/2\r\n".encode())
    assert collect_inputs([], str(listing)) == ["https://a.example/1", "https://a.example/2"]


def test_normalize_url_for_duplicates() -> None:
    assert normalize_url("HTTPS://News.Example.COM:443/a?id=3&utm_source=x#top") == (
        "https://news.example.com/a?id=3"
    )
    assert normalize_url("http://example.com") == "http://example.com/"
    assert normalize_url("http://example.com:8080/a") == "http://example.com:8080/a"
    assert normalize_url("http://example.com/a") != normalize_url("http://example.com/b")


def test_classify_urls_and_files(tmp_path: Path) -> None:
    assert classify("https://example.com/a").kind is InputKind.URL
    assert classify("ftp://example.com/a").kind is InputKind.URL  # reported later as unsupported
    assert classify("javascript:alert(1)").kind is InputKind.URL
    assert classify("story.html").kind is InputKind.FILE
    odd = tmp_path / "notes:today.txt"
    odd.write_text("x", encoding="utf-8")
    assert classify(str(odd)).kind is InputKind.FILE  # an existing file wins over a "scheme"


def test_blank_inputs_are_ignored() -> None:
    assert [item.raw for item in unique_inputs(["", "  ", " a.html "])] == ["a.html"]


def test_unique_inputs_keeps_first_of_each() -> None:
    items = unique_inputs(
        [
            "https://a.example/1",
            "https://A.example/1#x",
            "b.html",
            "./b.html",
            "https://a.example/2",
        ]
    )
    assert [item.raw for item in items] == ["https://a.example/1", "b.html", "https://a.example/2"]


# ------------------------------------------------------------- property test

_url = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-_/.?=&%#", max_size=20),
)
_comment = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20).map(
    lambda text: "#" + text.replace("\n", " ")
)
_blank = st.sampled_from(["", " ", "\t", "   \t "])
_line = st.one_of(
    _url.map(lambda url: ("url", url)),
    _comment.map(lambda text: ("noise", text)),
    _blank.map(lambda text: ("noise", text)),
)


@given(
    st.lists(_line, max_size=30),
    st.sampled_from(["\n", "\r\n"]),
    st.lists(st.sampled_from(["", "  ", "\t"]), min_size=2, max_size=2),
    st.booleans(),
)
def test_parse_list_returns_exactly_the_urls(
    lines: list[tuple[str, str]], newline: str, padding: list[str], trailing_comment: bool
) -> None:
    rendered = []
    for kind, text in lines:
        if kind == "url":
            text = f"{padding[0]}{text}{padding[1]}"
            if trailing_comment:
                text += "  # a note"
        rendered.append(text)
    expected = [text for kind, text in lines if kind == "url"]
    assert parse_list(newline.join(rendered)) == expected
