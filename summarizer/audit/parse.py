"""Read a brief with ``[n]`` citation markers back into sentences and citations.

``check`` audits briefs written by us or by anything else, so this accepts our
markdown (title, paragraphs, status marks, ``## Sources``) as well as plain
text with markers in the usual forms (``[1]``, ``[1][2]``, ``[1, 2]``), and
never raises: a brief is user input, and a parse that finds nothing is an
answer the caller can report.

Sentences are split by the shared splitter (``summarizer.text.sentences``)
after the markers are taken out, remembering which sentence each marker sat in
or right after. A marker run that follows
sentence-final punctuation, or is followed by a capitalised word, also ends a
sentence, so a sentence the model left without a full stop is not merged with
the next one.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import pairwise

from pydantic import BaseModel, Field

from summarizer.text.cited import unique
from summarizer.text.clean import (
    MARKDOWN_PUNCTUATION,
    escape_sequence_end,
    is_control,
    one_line,
    unescape_markdown,
)
from summarizer.text.sentences import split_spans

logger = logging.getLogger(__name__)


class ParsedSentence(BaseModel):
    """A sentence of the brief; ``start:end`` is where it is written in the input."""

    text: str
    citations: list[int] = Field(default_factory=list)
    paragraph: int = 0
    start: int = 0
    end: int = 0


class ParsedReference(BaseModel):
    """An entry of the brief's own reference list (which may be made up)."""

    id: int
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None


class ParsedBrief(BaseModel):
    title: str | None = None
    sentences: list[ParsedSentence] = Field(default_factory=list)
    references: dict[int, ParsedReference] = Field(default_factory=dict)


_NUM = r"\d{1,9}"  # bounded: int() of a 5000-digit string raises
_MARKER = rf"\[[ \t]*{_NUM}(?:[ \t]*[,;][ \t]*{_NUM})*[ \t]*\]"
_MARKER_RUN_RE = re.compile(rf"{_MARKER}(?:[ \t]*[,;]?[ \t]*{_MARKER})*")
_NUM_RE = re.compile(_NUM)
_STATUS_MARK_RE = re.compile(r"⚠[ \t]*\*(?:unsupported|unverified|uncited|removed)\*")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
# "flagged sentences" is our own --explain section: read, like references, as no brief text.
_REF_WORDS = r"(?:sources|references|bibliography|works cited|citations|notes|flagged sentences)"
_REF_HEADING_TEXT_RE = re.compile(rf"^\W*{_REF_WORDS}\W*$", re.IGNORECASE)
_REF_LINE_HEADING_RE = re.compile(
    rf"^[ \t]*(?:\*\*|__)?{_REF_WORDS}[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*$", re.IGNORECASE
)
_REF_ENTRY_RE = re.compile(rf"^[ \t]*(?:[-*+][ \t]+)?(?:\[({_NUM})\]|({_NUM})[.)])[ \t:.]*(.*)$")
_BARE_REF_ENTRY_RE = re.compile(rf"^[ \t]*(?:[-*+][ \t]+)?\[({_NUM})\][ \t:.]*\S")
_COMMENT_RE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
_STATS_LINE_RE = re.compile(
    r"^[ \t]*\*(?:\d+ of \d+ sentences? verified|All \d+ sentences? (?:was|were) removed)"
    r"[^*\n]*\*[ \t]*$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?(?:[T ][0-9:.+\-Z]*)?$")
_URL_IN_TEXT_RE = re.compile(r"(?:https?|ftp)://[^\s<>\"\]\)]+")
_NEXT_CHAR_RE = re.compile(r"\s*[\"'“‘(]*(.)", re.DOTALL)
_TERMINAL = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’)]»")


# ---------------------------------------------------------------------------
# Blocks: split the input into title, paragraphs and reference entries.


@dataclass
class _Block:
    start: int
    end: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Layout:
    title: str | None = None
    paragraphs: list[_Block] = field(default_factory=list)
    references: dict[int, ParsedReference] = field(default_factory=dict)
    has_reference_heading: bool = False


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line.rstrip("\r")))
        offset += len(line) + 1
    return out


def _layout(text: str) -> _Layout:
    layout = _Layout()
    block: _Block | None = None
    in_refs = False

    def flush() -> None:
        nonlocal block
        if block is not None:
            if not (len(block.lines) == 1 and _STATS_LINE_RE.match(block.lines[0])):
                layout.paragraphs.append(block)
            block = None

    for offset, line in _lines(text):
        if not line.strip() or _COMMENT_RE.match(line):
            flush()
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            flush()
            words = one_line(unescape_markdown(heading.group(2) or ""))
            is_title = len(heading.group(1)) == 1 and layout.title is None
            if is_title and not layout.paragraphs and not layout.references:
                layout.title = words or None  # the first H1 is the title, whatever it says
                in_refs = False
            elif _REF_HEADING_TEXT_RE.match(words):
                in_refs = layout.has_reference_heading = True
            else:
                in_refs = False
            continue
        if _REF_LINE_HEADING_RE.match(line):
            flush()
            in_refs = layout.has_reference_heading = True
            continue
        if in_refs:
            entry = _REF_ENTRY_RE.match(line)
            if entry:
                _add_reference(layout.references, entry)
            continue
        if block is None:
            block = _Block(start=offset, end=offset)
        block.lines.append(line)
        block.end = offset + len(line)
    flush()
    if not layout.has_reference_heading:
        _trailing_references(layout)
    return layout


def _trailing_references(layout: _Layout) -> None:
    """A final block whose every line starts with ``[n]`` is a reference list."""
    while len(layout.paragraphs) > 1:
        last = layout.paragraphs[-1]
        if not all(_BARE_REF_ENTRY_RE.match(line) for line in last.lines):
            return
        for line in last.lines:
            entry = _REF_ENTRY_RE.match(line)
            if entry:
                _add_reference(layout.references, entry)
        layout.paragraphs.pop()


def _add_reference(references: dict[int, ParsedReference], entry: re.Match[str]) -> None:
    source_id = int(entry.group(1) or entry.group(2))
    if source_id not in references:
        references[source_id] = _parse_reference(source_id, entry.group(3))


def _clean_field(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = one_line(unescape_markdown(raw)).strip(" ,;")
    return text or None


def _looks_like_url(part: str) -> bool:
    part = part.strip()
    if not part or any(c.isspace() for c in part):
        return False
    return "://" in part or part.startswith(("www.", "/", "./", "~")) or "/" in part


def _parse_reference(source_id: int, rest: str) -> ParsedReference:
    """``“title” outlet, published, url`` (any part may be missing)."""
    rest = rest.strip()
    title: str | None = None
    for opening, closing in (("“", "”"), ('"', '"')):
        if rest.startswith(opening):
            close = rest.rfind(closing, 1)
            if close > 0:
                title = rest[1:close]
                rest = rest[close + 1 :].lstrip(" ,.:")
            break
    parts = [p for p in re.split(r",\s+", rest) if p.strip()]
    url: str | None = None
    if parts and _looks_like_url(parts[-1].strip("<>")):
        url = parts.pop().strip().strip("<>")
    published: str | None = None
    for index, part in enumerate(parts):
        if _DATE_RE.match(part.strip()):
            published = parts.pop(index)
            break
    outlet = ", ".join(parts) if parts else None
    if url is None and outlet:
        found = _URL_IN_TEXT_RE.search(outlet)
        if found:
            url = found.group(0)
            outlet = (outlet[: found.start()] + outlet[found.end() :]).strip(" -–—,.:|")
    return ParsedReference(
        id=source_id,
        title=_clean_field(title),
        outlet=_clean_field(outlet),
        published=_clean_field(published),
        url=_clean_field(url),
    )


# ---------------------------------------------------------------------------
# Sentences: take markers out, split, give markers back.


@dataclass
class _Clean:
    """Paragraph text with markers removed and escapes undone, mapped to the input."""

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # input offset of each char
    ends: list[int] = field(default_factory=list)  # input offset just after it
    markers: list[tuple[int, list[int]]] = field(default_factory=list)
    boundaries: set[int] = field(default_factory=set)

    def emit(self, char: str, start: int, end: int) -> None:
        if char == " " and (not self.chars or self.chars[-1] == " "):
            return
        self.chars.append(char)
        self.starts.append(start)
        self.ends.append(end)

    def trim(self) -> None:
        while self.chars and self.chars[-1] == " ":
            self.chars.pop()
            self.starts.pop()
            self.ends.pop()

    def ends_sentence(self) -> bool:
        for char in reversed(self.chars[-8:]):
            if char in _CLOSERS:
                continue
            return char in _TERMINAL
        return False


def _scan(raw: str, base: int) -> _Clean:
    clean = _Clean()
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n and raw[i + 1] in MARKDOWN_PUNCTUATION:
            clean.emit(raw[i + 1], base + i, base + i + 2)
            i += 2
            continue
        if char == "[":
            run = _MARKER_RUN_RE.match(raw, i)
            if run:
                clean.trim()
                ids = [int(x) for x in _NUM_RE.findall(run.group(0))]
                clean.markers.append((len(clean.chars), ids))
                following = _NEXT_CHAR_RE.match(raw, run.end())
                follows_capital = bool(following and following.group(1).isupper())
                if clean.ends_sentence() or follows_capital:
                    clean.boundaries.add(len(clean.chars))
                i = run.end()
                continue
        if char == "\x1b":
            i = max(escape_sequence_end(raw, i), i + 1)
            continue
        if char == "⚠":
            mark = _STATUS_MARK_RE.match(raw, i)
            if mark:
                clean.trim()
                clean.boundaries.add(len(clean.chars))
                i = mark.end()
                continue
        if char.isspace():
            clean.emit(" ", base + i, base + i + 1)
        elif not is_control(char):
            clean.emit(char, base + i, base + i + 1)
        i += 1
    clean.trim()
    return clean


def _sentences(clean: _Clean, paragraph: int) -> list[ParsedSentence]:
    text = "".join(clean.chars)
    cuts = sorted({0, len(text), *(b for b in clean.boundaries if 0 < b < len(text))})
    spans: list[tuple[int, int]] = []
    for start, end in pairwise(cuts):
        spans.extend((start + s, start + e) for s, e in split_spans(text[start:end]))
    if not spans:
        return []
    cited: list[list[int]] = [[] for _ in spans]
    starts = [start for start, _ in spans]
    for position, ids in clean.markers:
        # The last sentence that began before the marker owns it.
        cited[max(bisect_left(starts, position) - 1, 0)].extend(ids)
    return [
        ParsedSentence(
            text=text[start:end],
            citations=unique(ids),
            paragraph=paragraph,
            start=clean.starts[start],
            end=clean.ends[end - 1],
        )
        for (start, end), ids in zip(spans, cited, strict=True)
    ]


def parse_brief(text: str) -> ParsedBrief:
    """Title, sentences with their citations, and the reference list of a brief."""
    if not isinstance(text, str) or not text.strip():
        return ParsedBrief()
    layout = _layout(text)
    sentences: list[ParsedSentence] = []
    paragraph = 0
    for block in layout.paragraphs:
        found = _sentences(_scan(text[block.start : block.end], block.start), paragraph)
        if found:
            sentences.extend(found)
            paragraph += 1
    return ParsedBrief(title=layout.title, sentences=sentences, references=layout.references)
