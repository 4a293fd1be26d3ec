"""The brief as a self-contained HTML page (or a fragment for Jupyter).

No scripts and no external assets, so the page works offline and under a strict
Content-Security-Policy. Each sentence is focusable (click or Tab) and
``aria-describedby``-linked to its evidence note, which sits in a closed
"Evidence" disclosure under its paragraph, never inside the sentence: without
the stylesheet the page still reads as a brief. Markers are joined to their
sentence with a non-breaking space, so none ever starts a line. All page and
model text goes through ``html.escape``; URLs become links only for http(s).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape

from summarizer.models import Source, Status, Summary, SummarySentence
from summarizer.render.html_css import BRIEF_CSS, PAGE_CSS, peek_css
from summarizer.render.html_notes import (
    esc,
    paragraph_notes,
    removed_sentences,
    repaired_sentences,
)
from summarizer.render.text import (
    safe_href,
    source_url,
    stats_line,
    uncited_sources,
    verification_line,
)
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

_BADGES = {
    Status.REPAIRED: "↻&nbsp;repaired",
    Status.UNSUPPORTED: "⚠&nbsp;unsupported",
    Status.UNVERIFIED: "?&nbsp;unverified",
    Status.UNCITED: "✗&nbsp;uncited",
}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HINT = (
    "Select a sentence (click it, or reach it with Tab) to see its evidence; "
    "“Evidence” under each paragraph lists it all."
)
# Kept for the notebook views, which share the brief's look.
_CSS = BRIEF_CSS
_h = esc


@dataclass(frozen=True)
class Ids:
    """Element IDs of one brief; a fragment's carry a suffix so two briefs in a notebook differ."""

    suffix: str = ""

    def ref(self, source_id: int) -> str:
        return f"ref-{source_id}{self.suffix}"

    def sentence(self, index: int) -> str:
        return f"s-{index}{self.suffix}"

    def note(self, index: int) -> str:
        return f"ev-{index}{self.suffix}"

    def item(self, index: int) -> str:
        return f"note-{index}{self.suffix}"

    @classmethod
    def for_fragment(cls, summary: Summary) -> Ids:
        """A suffix from what the brief says, so rendering stays deterministic."""
        digest = hashlib.sha256()
        for part in (summary.title, summary.created, *(s.text for s in summary.sentences)):
            digest.update(part.encode("utf-8", "replace") + b"\0")
        return cls(suffix=f"-{digest.hexdigest()[:8]}")


def _link(url: str) -> str:
    href = safe_href(url)
    if href is None:
        return f'<span class="url">{esc(url)}</span>'
    return f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer nofollow">{esc(url)}</a>'


class SentenceView:
    """A sentence plus the sources its markers may link to (ID → title)."""

    def __init__(
        self,
        sentence: SummarySentence,
        linkable: set[int] | dict[int, str],
        ids: Ids | None = None,
        index: int | None = None,
    ) -> None:
        self.sentence = sentence
        self.titles = linkable if isinstance(linkable, dict) else dict.fromkeys(linkable, "")
        self.ids = ids or Ids()
        self.index = index

    def marker(self, source_id: int) -> str:
        if source_id not in self.titles:
            return (
                f'<span class="cite missing" title="source {source_id} is not available">'
                f"[{source_id}]</span>"
            )
        title = f"Source {source_id}" + (
            f": {self.titles[source_id]}" if self.titles[source_id] else ""
        )
        return (
            f'<a class="cite" href="#{self.ids.ref(source_id)}" title="{esc(title)}">'
            f"[{source_id}]</a>"
        )

    def html(self) -> str:
        status = self.sentence.verdict.status
        pieces = [self.marker(source_id) for source_id in unique(self.sentence.citations)]
        badge = _BADGES.get(status)
        if badge:
            pieces.append(f'<span class="badge badge-{status.value}">{badge}</span>')
        body = "&nbsp;".join([esc(self.sentence.text), *pieces])
        attrs = f'class="sentence status-{status.value}" tabindex="0"'
        if self.index is not None:
            attrs += (
                f' id="{self.ids.sentence(self.index)}"'
                f' aria-describedby="{self.ids.note(self.index)}"'
            )
        return f"<span {attrs}>{body}</span>"


def _reference(source: Source, cited: bool = True, ids: Ids | None = None) -> str:
    """A usable source's entry in the reference list."""
    pieces: list[str] = []
    title = one_line(source.title)
    if title:
        pieces.append(f"“{esc(title)}”")
    tail = [esc(field) for field in (source.outlet, source.published) if one_line(field)]
    url = one_line(source_url(source))
    if url:
        tail.append(_link(url))
    if tail:
        pieces.append(", ".join(tail))
    if not cited:
        pieces.append('<em class="uncited">(not cited)</em>')
    ref = (ids or Ids()).ref(source.id)
    return f'<li id="{ref}" value="{source.id}">{" ".join(pieces)}</li>'


def _failed_reference(source: Source, ids: Ids) -> str:
    """A source that could not be used keeps its number in the list, with the reason."""
    url = _link(one_line(source_url(source)))
    reason = f'<em class="error">(could not be used: {esc(source.error)})</em>'
    return f'<li id="{ids.ref(source.id)}" value="{source.id}" class="failed">{url} {reason}</li>'


def _sources(summary: Summary, ids: Ids) -> str:
    missing = set(uncited_sources(summary))
    items = [
        _reference(s, cited=s.id not in missing, ids=ids)
        if s.error is None
        else _failed_reference(s, ids)
        for s in sorted(summary.sources, key=lambda s: s.id)
    ]
    if not items:
        return ""
    return f'<h2>Sources</h2>\n<ol class="sources">{"".join(items)}</ol>'


def _body(summary: Summary, ids: Ids) -> tuple[str, str]:
    """The brief's markup and the peek rules for its sentences."""
    titles = {s.id: one_line(s.title) for s in summary.sources}
    out: list[str] = []
    pairs: list[tuple[str, str]] = []
    if one_line(summary.title):
        out.append(f"<h1>{esc(summary.title)}</h1>")
    paragraphs = summary.paragraphs()
    if paragraphs:
        out.append(f'<p class="hint">{esc(HINT)}</p>')
    index = 0
    for paragraph in paragraphs:
        spans: list[str] = []
        note_ids: list[tuple[str, str]] = []
        for sentence in paragraph:
            spans.append(SentenceView(sentence, titles, ids, index).html())
            note_ids.append((ids.note(index), ids.item(index)))
            pairs.append((ids.sentence(index), ids.item(index)))
            index += 1
        out.append(
            f'<div class="block"><p class="paragraph">{" ".join(spans)}</p>\n'
            f"{paragraph_notes(paragraph, note_ids)}</div>"
        )
    counts = verification_line(summary)
    if counts:
        out.append(f'<p class="verification">{esc(counts)}</p>')
    out.extend(
        part
        for part in (
            repaired_sentences(summary.sentences),
            removed_sentences(summary.sentences),
            _sources(summary, ids),
        )
        if part
    )
    out.append(f'<p class="stats">{esc(stats_line(summary))}</p>')
    return "\n".join(out), peek_css(pairs)


def to_html(summary: Summary, standalone: bool = True) -> str:
    """A full HTML page, or (``standalone=False``) a styled fragment for notebooks."""
    if not standalone:
        body, peek = _body(summary, Ids.for_fragment(summary))
        return f'<div class="sb-brief"><style>{BRIEF_CSS}{peek}</style>\n{body}\n</div>'
    body, peek = _body(summary, Ids())
    title = esc(summary.title) or "Brief"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{title}</title>\n<style>{PAGE_CSS}{BRIEF_CSS}{peek}</style>\n</head>\n"
        f'<body>\n<article class="sb-brief">\n{body}\n</article>\n</body>\n</html>\n'
    )
