"""Property tests: any Summary renders in every format; markdown parses back exactly."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pysbd.lang.english import English
from rich.console import Console

from summarizer.audit.parse import parse_brief
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
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "article", "div",
    "h1", "h2", "p", "span", "a", "b", "em", "ol", "ul", "li",
    "details", "summary", "blockquote",
}  # fmt: skip
ALLOWED_ATTRS = {
    "lang", "charset", "http-equiv", "content", "name", "class", "id", "href",
    "rel", "tabindex", "role", "title", "value", "aria-describedby",
}  # fmt: skip


class _TagChecker(HTMLParser):
    """Fails on any tag, attribute or link target the renderer does not itself write."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRS, (tag, name)
            if name == "href":
                assert value is not None
                assert value.startswith(("#ref-", "http://", "https://")), value


def assert_safe_html(page: str) -> None:
    checker = _TagChecker()
    checker.feed(page)
    checker.close()


PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- arbitrary summaries (any text at all) ------------------------------------

any_text = st.text(max_size=40)
nasty_text = st.one_of(
    any_text,
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "\x1b[31mred\x1b[0m",
            "\x1b]0;title\x07",
            "[bold]x[/bold]",
            "[3]",
            "# heading",
            "*em* _u_ `code`",
            "&amp; &#x3C;",
            "javascript:alert(1)",
            "⚠ *uncited*",
            "",
        ]
    ),
)


@st.composite
def any_summary(draw: st.DrawFn) -> Summary:
    n_sources = draw(st.integers(0, 4))
    sources = [
        Source(
            id=i,
            url=draw(st.one_of(st.just(f"https://s{i}.example/a"), nasty_text)),
            final_url=draw(st.none() | st.just(f"https://s{i}.example/final")),
            title=draw(st.none() | nasty_text),
            outlet=draw(st.none() | nasty_text),
            published=draw(st.none() | st.just("2024-01-02") | nasty_text),
            error=draw(st.none() | nasty_text),
        )
        for i in range(n_sources)
    ]
    sentences = []
    for _ in range(draw(st.integers(0, 6))):
        status = draw(st.sampled_from(list(Status)))
        citations = draw(st.lists(st.integers(0, 6), max_size=3))
        verdict = Verdict(
            status=status,
            score=draw(st.none() | st.floats(0, 1)),
            reason=draw(nasty_text),
            evidence=[
                Span(source_id=draw(st.integers(0, 6)), start=0, end=1, text=draw(nasty_text))
                for _ in range(draw(st.integers(0, 2)))
            ],
            checks=[Check(kind="numbers", passed=draw(st.booleans()), missing=[draw(nasty_text)])],
        )
        sentences.append(
            SummarySentence(
                text=draw(nasty_text),
                citations=citations,
                paragraph=draw(st.integers(0, 3)),
                verdict=verdict,
            )
        )
    return Summary(
        title=draw(nasty_text),
        sentences=sentences,
        sources=sources,
        stats=RunStats(llm_calls=draw(st.integers(0, 50)), timings={"draft": 1.25}),
        model=draw(st.none() | nasty_text),
    )


@PROPERTY_SETTINGS
@given(any_summary())
def test_any_summary_renders_in_every_format(summary: Summary) -> None:
    markdown = to_markdown(summary)
    assert markdown.endswith("\n")
    assert "\x1b" not in markdown
    parse_brief(markdown)  # never raises

    assert Summary.model_validate_json(to_json(summary)) == summary
    assert json.loads(render(summary, "json"))["title"] == summary.title

    for page in (to_html(summary), to_html(summary, standalone=False)):
        assert "\x1b" not in page
        assert_safe_html(page)

    buffer = io.StringIO()
    to_terminal(summary, Console(file=buffer, force_terminal=False, width=80, color_system=None))
    assert "\x1b" not in buffer.getvalue()
    coloured = render(summary, "terminal")
    assert "\x1b]" not in coloured and "\x07" not in coloured

    # Nothing that is not verified reaches the markdown reader unmarked.
    marks = sum(markdown.count(f"⚠ *{word}*") for word in ("unsupported", "unverified", "uncited"))
    flagged = [
        s
        for s in summary.shown_sentences
        if s.verdict.status not in (Status.SUPPORTED, Status.REPAIRED)
    ]
    assert marks >= len(flagged)


# --- round trip: markdown → parse_brief --------------------------------------

_WORD_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789[]*#<>&\"'“”‘’,;:()-_\\`~|%$/+=@^{}"
_ALPHA = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
# A sentence that ends in an abbreviation the splitter knows ("mrs.") does not end there.
_ABBREVIATIONS = frozenset(English.Abbreviation.ABBREVIATIONS)
_MIDDLE_WORD = st.one_of(
    st.text(alphabet=_WORD_CHARS, min_size=1, max_size=8),
    st.sampled_from(["[3]", "[1, 2]", "[4][5]", "\\[6\\]", "⚠", "*uncited*", "#", "<b>", "&amp;"]),
)


@st.composite
def sentence_text(draw: st.DrawFn) -> str:
    """One unambiguous sentence: Capitalised word, any middle words, word + '.'."""
    first = draw(_ALPHA).capitalize()
    middle = draw(st.lists(_MIDDLE_WORD, max_size=6))
    last = draw(_ALPHA)
    return " ".join([first, *middle, last]) + "."


@st.composite
def well_formed_summary(draw: st.DrawFn) -> Summary:
    n_sources = draw(st.integers(1, 4))
    sources = [
        Source(
            id=i,
            url=f"https://s{i}.example/a_[{i}]",
            title=draw(st.none() | st.text(alphabet=_WORD_CHARS + " ", max_size=20)),
            outlet=draw(st.none() | st.text(alphabet=_WORD_CHARS + " ", max_size=20)),
            published=draw(st.none() | st.just("2024-01-02")),
            error=draw(st.none() | st.just("HTTP 500")),
        )
        for i in range(n_sources)
    ]
    sentences = []
    for _ in range(draw(st.integers(0, 7))):
        status = draw(st.sampled_from(list(Status)))
        # As the verifier produces them: a checked sentence cites at least one
        # source, an uncited one none; an unverified one may have either.
        min_cited = {Status.UNCITED: 0, Status.UNVERIFIED: 0}.get(status, 1)
        max_cited = 0 if status is Status.UNCITED else 3
        citations = draw(
            st.lists(
                st.integers(0, n_sources + 1), min_size=min_cited, max_size=max_cited, unique=True
            )
        )
        sentences.append(
            SummarySentence(
                text=draw(sentence_text()),
                citations=citations,
                paragraph=draw(st.integers(0, 3)),
                verdict=Verdict(status=status),
            )
        )
    return Summary(
        title=draw(st.text(alphabet=_WORD_CHARS + " ", max_size=30)),
        sentences=sentences,
        sources=sources,
    )


@PROPERTY_SETTINGS
@given(well_formed_summary())
def test_markdown_parses_back_to_the_shown_sentences(summary: Summary) -> None:
    markdown = to_markdown(summary)
    parsed = parse_brief(markdown)
    expected = [
        (one_line(s.text), unique(s.citations), index)
        for index, paragraph in enumerate(summary.paragraphs())
        for s in paragraph
    ]
    assert [(s.text, s.citations, s.paragraph) for s in parsed.sentences] == expected
    assert parsed.title == (one_line(summary.title) or None)
    assert sorted(parsed.references) == sorted(s.id for s in summary.sources if s.error is None)
    for ref_id, ref in parsed.references.items():
        source = summary.source(ref_id)
        assert source is not None
        assert ref.url == source.url
        assert ref.published == source.published


# --- plain text with markers in the usual forms -------------------------------

# Realistic words: pysbd treats a lone quote as opening a quotation, which is
# ambiguous for any splitter, so quotes only appear inside words.
_PLAIN_WORD = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    st.sampled_from(["don't", "it's", "$5", "5%", "3,000", "well-known", "said,", "so;", "as:"]),
)


@st.composite
def plain_sentence(draw: st.DrawFn) -> tuple[str, list[int]]:
    last = draw(_ALPHA.filter(lambda word: word not in _ABBREVIATIONS))  # "Aaa mrs." goes on
    words = [draw(_ALPHA).capitalize(), *draw(st.lists(_PLAIN_WORD, max_size=5)), last]
    ids = draw(st.lists(st.integers(0, 20), max_size=3, unique=True))
    form = draw(st.sampled_from(["separate", "comma", "comma-nospace"]))
    if not ids:
        markers = ""
    elif form == "separate":
        markers = "".join(f"[{i}]" for i in ids)
    else:
        markers = "[" + (", " if form == "comma" else ",").join(map(str, ids)) + "]"
    body = " ".join(words)
    if markers and draw(st.booleans()):
        return f"{body} {markers}.", ids  # marker before the full stop
    return (f"{body}. {markers}" if markers else f"{body}."), ids


@PROPERTY_SETTINGS
@given(st.lists(plain_sentence(), min_size=1, max_size=6))
def test_plain_text_markers_are_recovered(sentences: list[tuple[str, list[int]]]) -> None:
    text = " ".join(written for written, _ in sentences)
    parsed = parse_brief(text)
    assert [s.citations for s in parsed.sentences] == [ids for _, ids in sentences]
    assert all(s.text.endswith(".") and "[" not in s.text for s in parsed.sentences)
