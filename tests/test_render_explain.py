"""Terminal wrapping (markers and badges stay with their sentence) and the --explain view."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.text import Text
from test_render import make_summary

from summarizer.audit.parse import parse_brief
from summarizer.models import (
    Check,
    RepairAction,
    RepairAttempt,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.render import render, to_markdown, to_terminal
from summarizer.render.terminal import sentence_text

WORDS = [
    "the",
    "storm",
    "barrier",
    "closed",
    "after",
    "officials",
    "said",
    "water",
    "rose",
    "quickly",
    "overnight",
]
STATUSES = [Status.SUPPORTED, Status.REPAIRED, Status.UNSUPPORTED, Status.UNCITED]
# A line that starts with a citation marker or a verdict badge has lost its sentence.
ORPHAN = re.compile(r"^\s*(\[\d+\]|✓|↻|⚠|\? unverified|✗)")


def long_summary(shift: int) -> Summary:
    """Sentences of 3..17 words; ``shift`` leading words move every line break."""
    sentences = []
    for index in range(15):
        length = 3 + index + (shift if index == 0 else 0)
        text = " ".join(WORDS[(index + k) % len(WORDS)] for k in range(length)).capitalize() + "."
        status = STATUSES[index % len(STATUSES)]
        citations = (
            [] if status is Status.UNCITED else [index % 3, (index + 1) % 3][: 1 + index % 2]
        )
        sentences.append(
            SummarySentence(text=text, citations=citations, verdict=Verdict(status=status))
        )
    sources = [Source(id=i, url=f"https://s{i}.example/", text="x") for i in range(3)]
    return Summary(title="Wrap", sentences=sentences, sources=sources, created="x")


def recording(width: int) -> Console:
    """A console that keeps what it printed (``export_text``) and shows nothing."""
    return Console(width=width, record=True, color_system=None, file=io.StringIO())


def brief_lines(summary: Summary, width: int) -> list[str]:
    console = recording(width)
    to_terminal(summary, console)
    text = console.export_text()
    return text.split("\n\n")[0].splitlines()[1:]  # the paragraph, without the title rule


@pytest.mark.parametrize("width", [80, 100])
def test_markers_and_badges_never_start_a_line(width: int) -> None:
    for shift in range(20):
        summary = long_summary(shift)
        lines = brief_lines(summary, width)
        assert all(len(line) <= width for line in lines)
        orphans = [line for line in lines if ORPHAN.match(line)]
        assert orphans == [], f"shift {shift}: {orphans}"
        joined = " ".join(lines)
        for sentence in summary.sentences:  # nothing lost or reordered by the wrapping
            assert sentence_text(sentence).plain in joined


def test_rich_alone_would_orphan_them() -> None:
    """The check above can fail: rich's own wrapping splits some of these paragraphs."""
    orphaned = 0
    for shift in range(20):
        summary = long_summary(shift)
        console = recording(80)
        console.print(Text(" ").join(sentence_text(s) for s in summary.sentences))
        orphaned += sum(1 for line in console.export_text().splitlines() if ORPHAN.match(line))
    assert orphaned > 0


def test_a_word_wider_than_the_line_is_folded_not_lost() -> None:
    word = "x" * 120
    summary = Summary(
        title="t",
        sentences=[
            SummarySentence(text=f"A {word} b.", citations=[0], verdict=Verdict(status="supported"))
        ],
        created="x",
    )
    lines = brief_lines(summary, 80)
    assert "".join(lines).replace(" ", "") == f"A{word}b.[0]✓"


def explained_summary() -> Summary:
    summary = make_summary()
    unsupported = summary.sentences[2]
    unsupported.verdict.evidence = [
        Span(source_id=0, start=0, end=31, text="The council voted 7-2 on Friday")
    ]
    repaired = summary.sentences[1]
    repaired.attempts = [
        RepairAttempt(
            action=RepairAction.RECITE,
            text=repaired.text,
            citations=[2],
            verdict=Verdict(status=Status.SUPPORTED),
        )
    ]
    repaired.verdict.reason = "supported: judge p=0.91 (score 0.81 ≥ 0.80)"
    summary.sentences[3].verdict.reason = "removed: not supported: judge p=0.02"
    summary.sentences[4].verdict.reason = "the sentence cites no source"
    unsupported.verdict.checks.append(Check(kind="dates", passed=True))
    return summary


EXPECTED_FLAGGED = """\
## Flagged sentences

- **repaired** “Spending on parks rises by 4%.” [2]
  - was: “Spending on parks doubles.” [0]
  - repair: re-cited
  - reason: supported: judge p=0.91 (score 0.81 ≥ 0.80)
- **unsupported** “Officials expect a surplus.” [0]
  - reason: No source mentions a surplus.
  - failed checks: numbers (surplus)
  - evidence [0]: “The council voted 7-2 on Friday”
- **removed** “Taxes will fall next year.” [0]
  - reason: removed: not supported: judge p=0.02
- **uncited** “Residents were divided.”
  - reason: the sentence cites no source

## Sources
"""


def test_markdown_explain_section() -> None:
    summary = explained_summary()
    out = to_markdown(summary, explain=True)
    assert EXPECTED_FLAGGED in out
    assert out.replace(EXPECTED_FLAGGED, "## Sources\n") == to_markdown(summary)
    assert render(summary, "markdown", explain=True) == out


def test_markdown_explain_reads_back_as_the_same_brief() -> None:
    """``check`` on an explained brief audits the brief, not the explanations."""
    summary = explained_summary()
    assert parse_brief(to_markdown(summary, explain=True)) == parse_brief(to_markdown(summary))


def test_markdown_explain_escapes_model_text() -> None:
    summary = Summary(
        title="t",
        sentences=[
            SummarySentence(
                text="Claim [3] with *stars*.",
                citations=[0],
                verdict=Verdict(
                    status=Status.UNSUPPORTED,
                    reason="missing name <b>X</b>",
                    evidence=[Span(source_id=0, start=0, end=9, text="# [9] `x`")],
                ),
            )
        ],
        sources=[Source(id=0, url="https://a.example/", text="# [9] `x`")],
        created="x",
    )
    out = to_markdown(summary, explain=True)
    assert "- **unsupported** “Claim \\[3\\] with \\*stars\\*.” [0]" in out
    assert "  - reason: missing name \\<b\\>X\\</b\\>" in out
    assert "  - evidence [0]: “\\# \\[9\\] \\`x\\`”" in out
    assert [s.citations for s in parse_brief(out).sentences] == [[0]]


def test_terminal_explain_lists_reasons_and_evidence() -> None:
    console = recording(100)
    to_terminal(explained_summary(), console, explain=True)
    out = console.export_text()
    section = out.split("Flagged sentences\n", 1)[1].split("\nSources", 1)[0]
    assert "• ↻ “Spending on parks rises by 4%.” [2]" in section
    assert re.search(r"was +“Spending on parks doubles\.” \[0\]", section)
    assert re.search(r"repair +re-cited", section)
    assert "• ⚠ unsupported “Officials expect a surplus.” [0]" in section
    assert re.search(r"failed checks +numbers \(surplus\)", section)
    assert re.search(r"evidence \[0\] +“The council voted 7-2 on Friday”", section)
    assert "• ✗ removed “Taxes will fall next year.” [0]" in section
    assert "• ✗ uncited “Residents were divided.”" in section
    plain = recording(100)
    to_terminal(explained_summary(), plain)
    assert "Flagged sentences" not in plain.export_text()
