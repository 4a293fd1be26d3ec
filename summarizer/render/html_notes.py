"""What stands behind the brief, as HTML notes: evidence, removed sentences, original wording.

Notes are blocks outside the sentences (one closed ``<details>`` per paragraph,
two more after the brief), never tooltips inside them: a reader without the
stylesheet (mail, a feed reader, a text browser) sees the brief's sentences
unbroken, each note under its paragraph as a closed disclosure, and, where
``<details>`` is not supported, the notes as plain lists after the paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from summarizer.models import Status, SummarySentence, Verdict
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

_REMOVED_PREFIX = "removed: "
# Said when the verifier gave no reason of its own.
_DEFAULT_REASON = {
    Status.UNCITED: "The sentence cites no source.",
    Status.UNVERIFIED: "Not checked: verification was off.",
}


def esc(text: str | None) -> str:
    """Sanitised, escaped text: the only way page or model text enters the HTML."""
    return escape(one_line(text), quote=True)


def markers(citations: Sequence[int]) -> str:
    """``[0][2]`` as plain text, for sentences that are quoted rather than shown."""
    return "".join(f"[{source_id}]" for source_id in unique(citations))


def quoted(text: str, citations: Sequence[int]) -> str:
    """“Sentence.” [0][2], escaped."""
    cited = markers(citations)
    return f"“{esc(text)}”" + (f"&nbsp;{cited}" if cited else "")


def verdict_lines(verdict: Verdict, status: Status | None = None) -> list[str]:
    """The verdict, its reason, failed checks and quoted evidence, one block each."""
    head = f"Verdict: {(status or verdict.status).value}"
    score = "" if verdict.score is None else f"{verdict.score:.2f}"
    if score:
        head += f" (score {score})"
    lines = [f'<div class="verdict">{esc(head)}</div>']
    reason = one_line(verdict.reason).removeprefix(_REMOVED_PREFIX)
    reason = reason or _DEFAULT_REASON.get(verdict.status, "")
    if reason:
        lines.append(f'<div class="reason">{esc(reason)}</div>')
    for check in verdict.checks:
        if not check.passed:
            missing = ", ".join(one_line(m) for m in check.missing)
            text = f"Check failed: {check.kind}" + (f" (missing: {missing})" if missing else "")
            lines.append(f'<div class="check">{esc(text)}</div>')
    for span in verdict.evidence:
        lines.append(
            f'<blockquote class="quote"><b>[{span.source_id}]</b> {esc(span.text)}</blockquote>'
        )
    return lines


def _trail(sentence: SummarySentence) -> str:
    steps = [attempt.action.value for attempt in sentence.attempts]
    return f'<div class="repair">Repair: {esc(" → ".join(steps))}</div>' if steps else ""


def original_wording(sentence: SummarySentence) -> str | None:
    """“Draft text” [ids] when repair changed the words or the citations, else None."""
    text = one_line(sentence.original_text)
    citations = sentence.original_citations
    if not text and citations is None:
        return None
    text = text or one_line(sentence.text)
    citations = list(sentence.citations) if citations is None else citations
    if text == one_line(sentence.text) and unique(citations) == unique(sentence.citations):
        return None
    return quoted(text, citations)


def evidence_note(sentence: SummarySentence, note_id: str, item_id: str) -> str:
    """One sentence's note: the sentence quoted, then (``note_id``) what supports it."""
    body = verdict_lines(sentence.verdict)
    if not sentence.verdict.evidence:
        body.append('<div class="quote">No evidence recorded.</div>')
    original = original_wording(sentence)
    if original:
        body.append(f'<div class="original">Original wording: {original}</div>')
    return (
        f'<li class="note" id="{item_id}">'
        f'<div class="note-label">{quoted(sentence.text, sentence.citations)}</div>'
        f'<div class="note-body" id="{note_id}">{"".join(body)}</div></li>'
    )


def paragraph_notes(sentences: Sequence[SummarySentence], ids: Sequence[tuple[str, str]]) -> str:
    """The closed "Evidence" disclosure under a paragraph: one note per sentence."""
    noun = "this sentence" if len(sentences) == 1 else f"these {len(sentences)} sentences"
    notes = "".join(
        evidence_note(sentence, note_id, item_id)
        for sentence, (note_id, item_id) in zip(sentences, ids, strict=True)
    )
    return (
        f'<details class="evidence"><summary>Evidence for {noun}</summary>'
        f'<ul class="notes">{notes}</ul></details>'
    )


def _disclosure(kind: str, title: str, items: list[str]) -> str:
    lis = "".join(f"<li>{item}</li>" for item in items)
    return (
        f'<details class="{kind}"><summary>{title} ({len(items)})</summary>'
        f'<ul class="trail">{lis}</ul></details>'
    )


def removed_sentences(sentences: Sequence[SummarySentence]) -> str:
    """What repair dropped from the brief, and why (closed; kept for the curious)."""
    items = []
    for sentence in sentences:
        if sentence.verdict.status is not Status.REMOVED:
            continue
        why = verdict_lines(sentence.verdict, Status.UNSUPPORTED)
        said = quoted(sentence.text, sentence.citations)
        items.append(f"<div>{said}</div>{''.join(why)}{_trail(sentence)}")
    return _disclosure("removed", "Removed sentences", items) if items else ""


def repaired_sentences(sentences: Sequence[SummarySentence]) -> str:
    """Each repaired sentence as shown, as drafted, and the repair steps between."""
    items = []
    for sentence in sentences:
        original = original_wording(sentence) if sentence.shown else None
        if not original:
            continue
        items.append(
            f"<div>Now: {quoted(sentence.text, sentence.citations)}</div>"
            f"<div>Originally: {original}</div>{_trail(sentence)}"
        )
    return _disclosure("original", "Original wording of repaired sentences", items) if items else ""
