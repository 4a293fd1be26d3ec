"""The brief as markdown: the default output and the format ``check`` reads back.

Every shown sentence carries its ``[n]`` markers; any sentence that is not
verified gets a visible ``⚠ *status*`` mark, so nothing unverified reaches the
reader unmarked. Sources that could not be used are listed under the references
with their reason ("Not used"), and ``explain`` adds a "Flagged sentences"
section (status, reason, failed checks, evidence). ``summarizer.audit.parse``
inverts this format: it reads both added sections as non-brief text.
"""

from __future__ import annotations

from summarizer.models import Source, Summary, SummarySentence
from summarizer.render.explain import Flag, flagged
from summarizer.render.text import source_url, status_word, verification_line
from summarizer.text.cited import unique
from summarizer.text.clean import escape_markdown, one_line

SOURCES_HEADING = "## Sources"
FLAGGED_HEADING = "## Flagged sentences"
NOT_USED = "Not used:"
# Markdown renumbers an ordered list from its first item, so a gap in the IDs
# (a failed source) must start a new list or readers would see wrong numbers.
LIST_BREAK = "<!-- -->"


def status_mark(word: str) -> str:
    """The visible mark put after a sentence that is not verified."""
    return f"⚠ *{word}*"


def sentence_markdown(sentence: SummarySentence, *, first: bool = False) -> str:
    """One sentence with its citation markers and, if not verified, its mark."""
    text = escape_markdown(one_line(sentence.text), line_start=first)
    parts = [text] if text else []
    markers = "".join(f"[{source_id}]" for source_id in unique(sentence.citations))
    if markers:
        parts.append(markers)
    word = status_word(sentence.verdict.status)
    if word:
        parts.append(status_mark(word))
    return " ".join(parts)


def reference_markdown(source: Source) -> str:
    """``N. “title” outlet, published, url`` with missing fields left out."""
    title = one_line(source.title)
    fields = [
        escape_markdown(one_line(source.outlet)),
        escape_markdown(one_line(source.published)),
        _escape_url(one_line(source_url(source))),
    ]
    pieces: list[str] = []
    if title:
        pieces.append(f"“{escape_markdown(title)}”")
    tail = ", ".join(field for field in fields if field)
    if tail:
        pieces.append(tail)
    return " ".join([f"{source.id}.", *pieces])


def _escape_url(url: str) -> str:
    # Leave ``_`` and ``&`` alone so autolinked URLs keep working; escape only
    # what could open a link, code span, emphasis or raw HTML.
    return "".join("\\" + c if c in "\\[]<>`*" else c for c in url)


def _markers(ids: list[int]) -> str:
    return "".join(f"[{source_id}]" for source_id in ids)


def _quoted(text: str, ids: list[int]) -> str:
    quote = f"“{escape_markdown(text)}”"
    return f"{quote} {_markers(ids)}" if ids else quote


def flag_markdown(flag: Flag) -> str:
    """One flagged sentence as a list item with its reasons as sub-items.

    Every line starts with a word, never ``[n]`` or ``n.``, so the brief parser
    cannot take it for a reference entry.
    """
    lines = [f"- **{flag.status.value}** {_quoted(flag.text, flag.citations)}"]
    if flag.original is not None:
        lines.append(f"  - was: {_quoted(flag.original, flag.original_citations)}")
    if flag.repair:
        lines.append(f"  - repair: {escape_markdown(', '.join(flag.repair))}")
    if flag.reason:
        lines.append(f"  - reason: {escape_markdown(flag.reason)}")
    if flag.failed_checks:
        lines.append(f"  - failed checks: {escape_markdown('; '.join(flag.failed_checks))}")
    for quote in flag.evidence:
        lines.append(f"  - evidence {_markers([quote.source_id])}: “{escape_markdown(quote.text)}”")
    return "\n".join(lines)


def not_used_markdown(source: Source) -> str:
    """``- source N: url — reason`` for a source that could not be used."""
    url = _escape_url(one_line(source_url(source)))
    reason = escape_markdown(one_line(source.error))
    return f"- source {source.id}: {url} — {reason}"


def to_markdown(summary: Summary, *, explain: bool = False) -> str:
    """Render the brief, its verification counts and its source list as markdown.

    ``explain`` adds the "Flagged sentences" section after the counts.
    """
    blocks: list[str] = []
    title = escape_markdown(one_line(summary.title))
    if title:
        blocks.append(f"# {title}")
    for paragraph in summary.paragraphs():
        rendered = [
            sentence_markdown(sentence, first=index == 0)
            for index, sentence in enumerate(paragraph)
        ]
        line = " ".join(part for part in rendered if part)
        if line:
            blocks.append(line)
    counts = verification_line(summary)
    if counts:
        blocks.append(f"*{counts}*")
    flags = flagged(summary) if explain else []
    if flags:
        blocks.append(FLAGGED_HEADING)
        blocks.append("\n".join(flag_markdown(flag) for flag in flags))
    usable = sorted((s for s in summary.sources if s.error is None), key=lambda s: s.id)
    if usable:
        blocks.append(SOURCES_HEADING)
        lines: list[str] = []
        previous: int | None = None
        for source in usable:
            if previous is not None and source.id != previous + 1:
                blocks.append("\n".join(lines))
                blocks.append(LIST_BREAK)
                lines = []
            lines.append(reference_markdown(source))
            previous = source.id
        blocks.append("\n".join(lines))
    failed = sorted((s for s in summary.sources if s.error is not None), key=lambda s: s.id)
    if failed:
        if not usable:
            blocks.append(SOURCES_HEADING)
        blocks.append(NOT_USED)
        blocks.append("\n".join(not_used_markdown(source) for source in failed))
    return "\n\n".join(blocks) + "\n"
