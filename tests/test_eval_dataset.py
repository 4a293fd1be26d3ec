"""Eval datasets: both line layouts, one-line errors naming the line, real Multi-News, ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.pages import PageServer, Resp, Route, page

from summarizer.errors import InputError
from summarizer.eval.dataset import case_sources, dataset_sha, load_dataset
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "evals" / "sample.jsonl"
SHARED = ROOT.parent / "shared" / "data"
MULTI_NEWS = SHARED / "multi_news" / "validation.jsonl"


def write_lines(path: Path, *lines: Any) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


GOOD = {"id": "a", "documents": ["One sentence here. Another one."], "summary": "Gold."}


def test_sample_dataset_loads_both_layouts() -> None:
    cases = load_dataset(SAMPLE)
    assert [c.id for c in cases] == ["ferry-strike", "river-crab", "water-rates", "ebike-recall"]
    assert all(c.summary and c.sources for c in cases)
    ferry = cases[0]
    assert ferry.line == 1 and len(ferry.sources) == 3
    assert (
        ferry.sources[0].outlet == "Halden Courier" and ferry.sources[0].published == "2024-03-11"
    )
    assert cases[1].sources[0].title is None  # "documents" layout: texts only
    assert load_dataset(SAMPLE, limit=2) == cases[:2]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id": "x", "documents": ["t"], "summary": "s"', "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ({"documents": ["t"], "summary": "s"}, "'id' is missing"),
        ({"id": True, "documents": ["t"], "summary": "s"}, "'id' is missing"),
        ({"id": "x", "summary": "s"}, "needs exactly one of 'documents'"),
        (
            {"id": "x", "documents": ["t"], "sources": [{"text": "t"}], "summary": "s"},
            "exactly one",
        ),
        ({"id": "x", "documents": [], "summary": "s"}, "'documents' must be a non-empty list"),
        (
            {"id": "x", "documents": ["ok", 3], "summary": "s"},
            "'documents' item 2 must be a non-empty",
        ),
        (
            {"id": "x", "sources": ["http://a"], "summary": "s"},
            "'sources' item 1 must be an object",
        ),
        ({"id": "x", "sources": [{"title": "t"}], "summary": "s"}, "needs one of 'url', 'path'"),
        (
            {"id": "x", "sources": [{"text": "t", "lang": "en"}], "summary": "s"},
            "unknown key 'lang'",
        ),
        ({"id": "x", "sources": [{"url": 5}], "summary": "s"}, "'url' must be a string"),
        ({"id": "x", "sources": [{"url": "http://a", "path": "b"}], "summary": "s"}, "both 'url'"),
        ({"id": "x", "documents": ["t"]}, "'summary' (the gold summary) is missing"),
        ({"id": "x", "documents": ["t"], "summary": "  "}, "'summary' (the gold summary)"),
    ],
)
def test_malformed_line_names_file_line_and_problem(
    tmp_path: Path, line: Any, expected: str
) -> None:
    path = write_lines(tmp_path / "data.jsonl", GOOD, "", line)
    with pytest.raises(InputError) as info:
        load_dataset(path)
    message = info.value.one_line()
    assert message.startswith(f"{path} line 3: ")  # blank line 2 is skipped but still counted
    assert expected in message
    assert "\n" not in str(info.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", GOOD, {**GOOD, "summary": "Other."})
    with pytest.raises(InputError, match=r"line 2: duplicate id 'a' \(first on line 1\)"):
        load_dataset(path)


def test_unreadable_or_empty_datasets(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_dataset(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="no cases"):
        load_dataset(write_lines(tmp_path / "blank.jsonl", "", "  "))
    with pytest.raises(InputError, match="not UTF-8"):
        (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00")
        load_dataset(tmp_path / "bin.jsonl")
    with pytest.raises(InputError, match="--limit must be at least 1"):
        load_dataset(SAMPLE, limit=0)


def test_integer_ids_become_strings(tmp_path: Path) -> None:
    cases = load_dataset(write_lines(tmp_path / "d.jsonl", {**GOOD, "id": 7}))
    assert cases[0].id == "7"


@pytest.mark.shared_data
def test_multi_news_validation_loads_as_is(tmp_path: Path) -> None:
    if not MULTI_NEWS.exists():
        pytest.skip(f"shared data not found at {MULTI_NEWS} (Multi-News sample absent)")
    cases = load_dataset(MULTI_NEWS)
    assert len(cases) == 250
    assert len({c.id for c in cases}) == 250
    assert all(c.sources and all(s.text for s in c.sources) for c in cases)
    assert len(dataset_sha(MULTI_NEWS)) == 64


@pytest.mark.shared_data
async def test_multi_news_case_becomes_segmented_sources(tmp_path: Path) -> None:
    if not MULTI_NEWS.exists():
        pytest.skip(f"shared data not found at {MULTI_NEWS} (Multi-News sample absent)")
    case = load_dataset(MULTI_NEWS, limit=1)[0]
    sources = await case_sources(case, Settings(home=tmp_path), base_dir=MULTI_NEWS.parent)
    assert [s.id for s in sources] == list(range(len(case.sources)))
    for source in sources:
        assert source.ok and source.passages
        assert all(source.text[p.start : p.end] == p.text for p in source.passages)


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        server.add("/harbor", page("harbor-bridge.html"))
        server.add("/gone", Route([Resp(status=404, body=b"no")]))
        yield server


async def test_mixed_sources_keep_dataset_order_and_ids(pages: PageServer, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "note.txt").write_text(
        "Council notes\n\nThe council met on Tuesday. It approved the library budget.",
        encoding="utf-8",
    )
    dataset = write_lines(
        tmp_path / "d.jsonl",
        {
            "id": "mixed",
            "sources": [
                {"url": pages.url("/gone")},
                {"text": "Inline text. Two sentences.", "title": "Inline", "outlet": "Desk"},
                {"path": "docs/note.txt", "title": "Overridden title"},
                {"url": pages.url("/harbor")},
            ],
            "summary": "Gold.",
        },
    )
    case = load_dataset(dataset)[0]
    settings = Settings(
        home=tmp_path / "home", cache=False, allow_private=True, fetch_retries=1, total_timeout=5.0
    )
    sources = await case_sources(case, settings, base_dir=dataset.parent)

    assert [s.id for s in sources] == [0, 1, 2, 3]
    gone, inline, note, harbor = sources
    assert not gone.ok and gone.error and "404" in gone.error
    assert inline.title == "Inline" and inline.outlet == "Desk" and len(inline.passages) == 2
    assert note.ok and note.title == "Overridden title"
    assert "approved the library budget" in note.text
    assert harbor.ok and harbor.url == pages.url("/harbor")
    for source in (inline, note, harbor):
        assert all(p.source_id == source.id for p in source.passages)
        assert all(source.text[p.start : p.end] == p.text for p in source.passages)
