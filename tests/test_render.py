"""Rendering of a fixed Summary in every format, and escaping of untrusted text."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest
from rich.console import Console

from summarizer.audit.parse import parse_brief
from summarizer.errors import InputError
from summarizer.models import (
    Check,
    RunStats,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.render import render, to_html, to_json, to_markdown, to_terminal


def make_summary() -> Summary:
    """3 sources (one failed), 2 paragraphs; supported, repaired, unsupported, removed, uncited."""
    sources = [
        Source(
            id=0,
            url="https://news.example.com/budget",
            final_url="https://news.example.com/2024/budget",
            title="Council approves budget",
            outlet="Example News",
            published="2024-03-01",
            text="The council voted 7-2 on Friday to approve a $2.1M budget.",
        ),
        Source(id=1, url="https://broken.example.org/story", error="HTTP 404 Not Found"),
        Source(
            id=2,
            url="notes/budget.txt",
            title="Budget [draft] *notes*",
            text="Parks spending rises by 4%.",
        ),
    ]
    sentences = [
        SummarySentence(
            text="The council approved a $2.1M budget on Friday.",
            citations=[0, 2],
            paragraph=0,
            verdict=Verdict(
                status=Status.SUPPORTED,
                score=0.93,
                evidence=[
                    Span(source_id=0, start=0, end=36, text="The council voted 7-2 on Friday")
                ],
                reason="Entailed by source 0.",
            ),
        ),
        SummarySentence(
            text="Spending on parks rises by 4%.",
            citations=[2],
            paragraph=0,
            verdict=Verdict(status=Status.REPAIRED, score=0.81),
            original_text="Spending on parks doubles.",
            original_citations=[0],
        ),
        SummarySentence(
            text="Officials expect a surplus.",
            citations=[0],
            paragraph=1,
            verdict=Verdict(
                status=Status.UNSUPPORTED,
                score=0.2,
                reason="No source mentions a surplus.",
                checks=[Check(kind="numbers", passed=False, missing=["surplus"])],
            ),
        ),
        SummarySentence(
            text="Taxes will fall next year.",
            citations=[0],
            paragraph=1,
            verdict=Verdict(status=Status.REMOVED, score=0.05),
        ),
        SummarySentence(
            text="Residents were divided.",
            citations=[],
            paragraph=1,
            verdict=Verdict(status=Status.UNCITED),
        ),
    ]
    return Summary(
        title="City budget passes",
        sentences=sentences,
        sources=sources,
        stats=RunStats(
            llm_calls=3,
            cache_hits=1,
            prompt_tokens=1200,
            completion_tokens=150,
            timings={"draft": 2.5},
        ),
        model="qwen2.5-coder-1.5b",
        created="2024-03-02T00:00:00+00:00",
    )


EXPECTED_MARKDOWN = """\
# City budget passes

The council approved a $2.1M budget on Friday. [0][2] Spending on parks rises by 4%. [2]

Officials expect a surplus. [0] ⚠ *unsupported* Residents were divided. ⚠ *uncited*

*2 of 4 sentences verified against their sources (1 after repair); \
1 marked unsupported, 1 marked uncited; 1 removed as unsupported. Cites 2 of 2 sources.*

## Sources

0. “Council approves budget” Example News, 2024-03-01, https://news.example.com/2024/budget

<!-- -->

2. “Budget \\[draft\\] \\*notes\\*” notes/budget.txt

Not used:

- source 1: https://broken.example.org/story — HTTP 404 Not Found
"""


# --- markdown ---------------------------------------------------------------


def test_every_format_says_which_sources_are_cited() -> None:
    summary = make_summary()
    unused = summary.sources[0].model_copy(update={"id": 3, "title": "Unused report"})
    summary.sources.append(unused)
    line = "Cites 2 of 3 sources; source 3 is not cited."
    assert line in to_markdown(summary)
    html = to_html(summary)
    assert line in html and 'value="3">“Unused report”' in html
    assert '<em class="uncited">(not cited)</em></li>' in html
    from summarizer.render import to_terminal_text

    text = to_terminal_text(summary, width=200, color=False)
    assert line in text and "Unused report (not cited)" in text


def test_markdown_matches_expected_brief() -> None:
    assert to_markdown(make_summary()) == EXPECTED_MARKDOWN


def test_markdown_consecutive_sources_form_one_list_and_omit_missing_fields() -> None:
    summary = make_summary()
    summary.sources[1] = Source(id=1, url="https://b.example/x", outlet="B Times")
    out = to_markdown(summary)
    assert "<!-- -->" not in out
    assert "\n1. B Times, https://b.example/x\n" in out
    assert ", ," not in out and ",," not in out


def test_markdown_without_sentences_has_no_counts_line() -> None:
    out = to_markdown(Summary(title="Empty", created="x"))
    assert out == "# Empty\n"


def test_markdown_all_removed_says_so() -> None:
    summary = Summary(
        title="T",
        sentences=[SummarySentence(text="Gone.", verdict=Verdict(status=Status.REMOVED))],
    )
    out = to_markdown(summary)
    assert "Gone." not in out
    assert "*All 1 sentence was removed as unsupported.*" in out


def test_markdown_unverified_sentence_is_marked() -> None:
    summary = Summary(title="T", sentences=[SummarySentence(text="Not checked.", citations=[1])])
    assert "Not checked. [1] ⚠ *unverified*" in to_markdown(summary)


def test_markdown_escapes_structure_in_model_text() -> None:
    summary = Summary(
        title="Title with ] and [1]",
        sentences=[
            SummarySentence(
                text="# Section [3] of <b>law</b> & *rules* apply.",
                citations=[0],
                verdict=Verdict(status=Status.SUPPORTED),
            ),
            SummarySentence(
                text="Second\nline\twith  gaps.",
                citations=[0],
                verdict=Verdict(status=Status.SUPPORTED),
            ),
        ],
        sources=[Source(id=0, url="https://a.example/x", title="A")],
    )
    out = to_markdown(summary)
    assert out.startswith("# Title with \\] and \\[1\\]\n")
    assert "\\# Section \\[3\\] of \\<b\\>law\\</b\\> & \\*rules\\* apply. [0]" in out
    assert "Second line with gaps. [0]" in out
    parsed = parse_brief(out)
    assert parsed.title == "Title with ] and [1]"
    assert [(s.text, s.citations) for s in parsed.sentences] == [
        ("# Section [3] of <b>law</b> & *rules* apply.", [0]),
        ("Second line with gaps.", [0]),
    ]


def test_markdown_list_like_sentence_start_is_escaped() -> None:
    summary = Summary(
        title="T",
        sentences=[
            SummarySentence(text="2024. Was a year.", verdict=Verdict(status=Status.SUPPORTED)),
            SummarySentence(
                text="- dashes lead.", paragraph=1, verdict=Verdict(status=Status.SUPPORTED)
            ),
        ],
    )
    out = to_markdown(summary)
    assert "\n2024\\. Was a year.\n" in out
    assert "\n\\- dashes lead.\n" in out


def test_markdown_strips_terminal_escapes() -> None:
    summary = Summary(title="Red \x1b[31malert\x1b[0m", created="x")
    assert to_markdown(summary) == "# Red alert\n"


# --- JSON -------------------------------------------------------------------


def test_json_round_trips_with_computed_fields() -> None:
    summary = make_summary()
    out = to_json(summary)
    assert Summary.model_validate_json(out) == summary
    data = json.loads(out)
    first = data["sentences"][0]
    assert first["status"] == "supported"
    assert first["score"] == pytest.approx(0.93)
    assert first["evidence"][0]["text"] == "The council voted 7-2 on Friday"
    # Removed sentences stay in the JSON trail.
    assert [s["status"] for s in data["sentences"]].count("removed") == 1
    assert "\n" not in to_json(summary, indent=None)


# --- HTML -------------------------------------------------------------------

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "article", "div",
    "h1", "h2", "p", "span", "a", "b", "em", "ol", "ul", "li",
    "details", "summary", "blockquote",
}  # fmt: skip
ALLOWED_ATTRS = {
    "lang", "charset", "http-equiv", "content", "name", "class", "id", "href",
    "rel", "tabindex", "role", "title", "value", "aria-describedby",
}  # fmt: skip


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def html_tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _TagCollector()
    parser.feed(page)
    parser.close()
    return parser.tags


def assert_safe_html(page: str) -> None:
    """Only our own tags and attributes, and only http(s)/fragment link targets."""
    for tag, attrs in html_tags(page):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRS, (tag, name)
            if name == "href":
                assert value is not None
                assert value.startswith(("#ref-", "http://", "https://")), value


def test_html_page_structure_links_and_failures() -> None:
    page = to_html(make_summary())
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>City budget passes</title>" in page
    assert "<script" not in page and "<link" not in page
    assert_safe_html(page)
    tags = html_tags(page)
    ids = {dict(attrs).get("id") for _, attrs in tags} - {None}
    # Failed source 1 keeps its number in the reference list, with its reason.
    assert {i for i in ids if i.startswith("ref-")} == {"ref-0", "ref-1", "ref-2"}
    hrefs = [dict(attrs)["href"] for tag, attrs in tags if tag == "a"]
    assert hrefs.count("#ref-0") == 2 and hrefs.count("#ref-2") == 2
    assert "https://news.example.com/2024/budget" in hrefs
    # The local path is shown but not linked; the failed URL and reason are listed.
    assert "notes/budget.txt" not in hrefs
    assert "HTTP 404 Not Found" in page
    classes = [dict(attrs).get("class") for tag, attrs in tags if tag == "span"]
    assert "sentence status-unsupported" in classes
    assert "badge badge-unsupported" in classes and "badge badge-uncited" in classes
    # The removed sentence is only in its closed disclosure, never in a paragraph.
    assert page.count("Taxes will fall") == 1
    assert page.index("Taxes will fall") > page.index('<details class="removed">')
    # The evidence and verdict, in each paragraph's "Evidence" notes.
    assert "The council voted 7-2 on Friday" in page
    assert "No source mentions a surplus." in page
    assert "missing: surplus" in page
    assert "score 0.20" in page


def test_html_escapes_everything_from_pages_and_model() -> None:
    summary = Summary(
        title="<script>alert('t')</script>",
        sentences=[
            SummarySentence(
                text='Look <img src=x onerror="alert(1)"> here.',
                citations=[0, 1, 7],
                verdict=Verdict(
                    status=Status.UNSUPPORTED,
                    reason="</span><script>alert(2)</script>",
                    evidence=[Span(source_id=0, start=0, end=5, text="<iframe src=//evil>")],
                ),
            )
        ],
        sources=[
            Source(
                id=0,
                url="javascript:alert(3)",
                title="<script>alert(1)</script>",
                outlet='Out"let',
            ),
            Source(id=1, url='https://x.example/"onmouseover="alert(4)', title="ok"),
            Source(id=2, url="data:text/html,<b>x</b>", error="<b>bad</b>"),
        ],
    )
    for page in (to_html(summary), to_html(summary, standalone=False)):
        assert "<script" not in page
        assert "<img" not in page and "<iframe" not in page and "<b>x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
        assert 'href="javascript' not in page and 'href="data' not in page
        assert_safe_html(page)
        tags = html_tags(page)
        hrefs = [dict(attrs).get("href") for tag, attrs in tags if tag == "a"]
        assert 'https://x.example/"onmouseover="alert(4)' in hrefs  # quoted, one attribute
        # A citation of a source that is not in the list is not a dead link.
        assert "#ref-7" not in hrefs


def test_html_fragment_for_notebooks() -> None:
    summary = make_summary()
    fragment = summary._repr_html_()
    assert fragment == to_html(summary, standalone=False)
    assert fragment.startswith('<div class="sb-brief"><style>')
    assert "<html" not in fragment and "<!DOCTYPE" not in fragment
    assert "<h1>City budget passes</h1>" in fragment


def test_repr_markdown_is_the_markdown() -> None:
    summary = make_summary()
    assert summary._repr_markdown_() == EXPECTED_MARKDOWN
    assert summary.to_markdown() == EXPECTED_MARKDOWN
    assert summary.to_html() == to_html(summary)
    assert summary.to_json(indent=None) == to_json(summary, indent=None)


# --- terminal ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ({"support_threshold": 0.7132}, True),
        ({"support_threshold": 0.7132, "verify": False}, False),
        ({"support_threshold": "0.7"}, False),  # a hand-edited JSON result
        ({"support_threshold": 7}, False),
        ({}, False),
    ],
)
def test_every_format_says_the_threshold_the_sentences_were_verified_at(
    options: dict[str, object], shown: bool
) -> None:
    from summarizer.render import to_terminal_text

    summary = make_summary().model_copy(update={"options": options})
    clause = "verified against their sources at support threshold 0.7132 (1 after repair)"
    outputs = [to_markdown(summary), to_html(summary)]
    outputs.append(to_terminal_text(summary, width=300, color=False))
    for out in outputs:
        assert (clause in out) is shown
        assert "verified against their sources" in out


def plain_console(width: int = 200) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=width, color_system=None), buffer


def test_terminal_shows_brief_badges_tables_and_stats() -> None:
    console, buffer = plain_console()
    to_terminal(make_summary(), console)
    out = buffer.getvalue()
    assert "City budget passes" in out
    assert "The council approved a $2.1M budget on Friday. [0][2] ✓" in out
    assert "Spending on parks rises by 4%. [2] ↻" in out
    assert "Officials expect a surplus. [0] ⚠ unsupported" in out
    assert "Residents were divided. ✗ uncited" in out
    assert "Taxes will fall" not in out
    assert "Council approves budget" in out and "Example News" in out and "2024-03-01" in out
    assert "Budget [draft] *notes*" in out
    assert "https://broken.example.org/story" in out and "HTTP 404 Not Found" in out
    assert "3 LLM calls (1 cached)" in out and "1350 tokens" in out and "2.5 s" in out
    assert "\x1b" not in out


def test_terminal_escapes_markup_and_strips_escape_sequences() -> None:
    evil = "Evil \x1b[31mred\x1b[0m [bold]x[/bold] :smile: \x1b]0;owned\x07\x9b2J\x07end"
    summary = Summary(
        title=evil,
        sentences=[
            SummarySentence(
                text=f"Sentence {evil}.", citations=[0], verdict=Verdict(status=Status.SUPPORTED)
            )
        ],
        sources=[
            Source(id=0, url="https://a.example/\x1b[2J", title=evil, outlet="[red]O[/red]"),
            Source(id=1, url="https://b.example/", error=f"failed {evil}"),
        ],
        model="[link=http://evil]m[/link]",
    )
    console, buffer = plain_console(width=300)
    to_terminal(summary, console)
    out = buffer.getvalue()
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "Evil red [bold]x[/bold] :smile: 2Jend" in out
    assert "[red]O[/red]" in out and "[link=http://evil]m[/link]" in out
    # With colours on, the only escape sequences are rich's own SGR styling.
    coloured = render(summary, "terminal")
    assert "\x1b[" in coloured
    assert "\x1b]" not in coloured and "\x1b[2J" not in coloured and "\x07" not in coloured
    assert "[bold]x[/bold]" in coloured


# --- render() ---------------------------------------------------------------


def test_render_dispatches_every_format() -> None:
    summary = make_summary()
    assert render(summary, "markdown") == EXPECTED_MARKDOWN
    assert Summary.model_validate_json(render(summary, "json")) == summary
    assert render(summary, "html") == to_html(summary)
    terminal = render(summary, "terminal")
    assert "City budget passes" in terminal and "\x1b[" in terminal


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown output format 'pdf'"):
        render(make_summary(), "pdf")  # type: ignore[arg-type]
