"""The brief as markdown: the default output and the format ``check`` reads back.

Every shown sentence carries its ``[n]`` markers; any sentence that is not
verified gets a visible ``⚠ *status*`` mark, so nothing unverified reaches the
reader unmarked. ``summarizer.render.parse.parse_brief`` inverts this format.
"""

from __future__ import annotations

from summarizer.models import Source, Summary, SummarySentence
from summarizer.render.text import source_url, status_word, verification_line
from summarizer.text.cited import unique
from summarizer.text.clean import escape_markdown, one_line

SOURCES_HEADING = "## Sources"
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


def to_markdown(summary: Summary) -> str:
    """Render the brief, its verification counts and its source list as markdown."""
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
    return "\n\n".join(blocks) + "\n"
