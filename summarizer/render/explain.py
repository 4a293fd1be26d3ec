"""Why a sentence was flagged: the ``--explain`` view shared by markdown and the terminal.

A flagged sentence is one the reader should look at twice: unsupported, uncited,
repaired (it was not what the draft said) or removed (it is not in the brief at
all). For each, the verdict already holds the why (``Verdict.reason``, the failed
``Check``s, the evidence ``Span``s); this module only picks and shortens it, so
every format explains a sentence with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.models import RepairAction, Status, Summary, SummarySentence
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

FLAGGED = (Status.UNSUPPORTED, Status.UNCITED, Status.REPAIRED, Status.REMOVED)
QUOTE_LIMIT = 240

_ACTION_WORDS = {
    RepairAction.TRIM: "citations trimmed",
    RepairAction.RECITE: "re-cited",
    RepairAction.REWRITE: "rewritten",
    RepairAction.REMOVE: "removed",
    RepairAction.MARK: "marked",
    RepairAction.BACKFILL: "back-filled from its evidence",
}


@dataclass(frozen=True)
class Quote:
    """An evidence span, shortened for display."""

    source_id: int
    text: str


@dataclass(frozen=True)
class Flag:
    """One flagged sentence and everything that explains its status (all one-line text)."""

    status: Status
    text: str
    citations: list[int]
    reason: str
    failed_checks: list[str]
    evidence: list[Quote]
    original: str | None
    original_citations: list[int]
    repair: list[str]


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0] or line[: limit - 1]
    return cut + "…"


def explain_sentence(sentence: SummarySentence) -> Flag:
    """The explanation of one sentence, flagged or not."""
    verdict = sentence.verdict
    failed = [
        f"{check.kind} ({', '.join(shorten(m, 60) for m in check.missing)})"
        if check.missing
        else check.kind
        for check in verdict.checks
        if not check.passed
    ]
    original = one_line(sentence.original_text) or None
    if original == one_line(sentence.text):
        original = None
    repair = list(
        dict.fromkeys(_ACTION_WORDS.get(a.action, a.action.value) for a in sentence.attempts)
    )
    return Flag(
        status=verdict.status,
        text=one_line(sentence.text),
        citations=unique(sentence.citations),
        reason=shorten(verdict.reason, 400),
        failed_checks=failed,
        evidence=[Quote(span.source_id, shorten(span.text)) for span in verdict.evidence],
        original=original,
        original_citations=unique(sentence.original_citations or []),
        repair=repair,
    )


def flagged(summary: Summary) -> list[Flag]:
    """Every flagged sentence of ``summary``, removed ones included, in brief order."""
    return [explain_sentence(s) for s in summary.sentences if s.verdict.status in FLAGGED]
