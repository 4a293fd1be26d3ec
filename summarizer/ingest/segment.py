"""Split extracted text into sentence passages with exact character offsets.

Citations and evidence spans point into ``source.text`` by offset, so the one
guarantee that matters is ``text[p.start:p.end] == p.text``. pysbd finds the
sentence boundaries; we only use it to locate *where sentences start*, and cut
the original string ourselves, so any quirk in pysbd's own offsets or
whitespace handling can at worst merge two sentences, never shift a span.
"""

from __future__ import annotations

import itertools
import logging
import re

import pysbd

from summarizer.models import Passage

logger = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 1000  # longer "sentences" (tables, run-ons) are cut at whitespace
# pysbd's time grows faster than linearly with the length of what it is given
# (a 134 KB paragraph took 35 s), so long paragraphs are fed to it in windows
# cut after a likely sentence end, and very long texts skip it altogether.
WINDOW_CHARS = 2000
PYSBD_MAX_CHARS = 300_000

_BLANK_LINE_RE = re.compile(r"\n[ \t\r\f\v]*\n")
_HARD_END_RE = re.compile(r"""[.!?:;…"'”’)\]]\s*$""")
_BLOCK_START_RE = re.compile(r"^\s*([-*+•>#|]|\d{1,3}[.)]\s)")
_CHUNK_RE = re.compile(r"[^\n]+")
_LIKELY_END_RE = re.compile(r"""[.!?…]["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")


def _soft_wraps(text: str) -> str:
    """``text`` with soft line wraps replaced by spaces (same length, so offsets hold).

    Extracted web text has one paragraph per line, so every newline ends a
    sentence. Hand-wrapped plain text separates paragraphs by blank lines; there
    a single newline inside a paragraph is just a wrap, unless the line before
    ends like a sentence or the next line starts a list item or heading.
    """
    if not _BLANK_LINE_RE.search(text):
        return text
    chars = list(text)
    position = 0
    lines = text.split("\n")
    for number, line in enumerate(lines[:-1]):
        position += len(line)
        following = lines[number + 1]
        if (
            line.strip()
            and following.strip()
            and not _HARD_END_RE.search(line)
            and not _BLOCK_START_RE.match(following)
        ):
            chars[position] = " "
        position += 1
    return "".join(chars)


def _segmenter() -> pysbd.Segmenter:
    # A fresh instance per call: pysbd keeps per-text state on the instance,
    # so sharing one across threads would mix texts up.
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _windows(chunk: str) -> list[int]:
    """Start offsets of pieces of ``chunk`` no longer than about ``WINDOW_CHARS``."""
    starts = [0]
    while len(chunk) - starts[-1] > WINDOW_CHARS:
        begin = starts[-1]
        ends = [m.end() for m in _LIKELY_END_RE.finditer(chunk, begin + 1, begin + WINDOW_CHARS)]
        cut = ends[-1] if ends else chunk.rfind(" ", begin + 1, begin + WINDOW_CHARS) + 1
        starts.append(cut if cut > begin else begin + WINDOW_CHARS)
    return starts


def _regex_starts(chunk: str) -> list[int]:
    return [0, *(m.end() for m in _LIKELY_END_RE.finditer(chunk))]


def _sentence_starts(chunk: str, *, fast: bool = False) -> list[int]:
    """Offsets in ``chunk`` where a sentence begins (the first is always 0)."""
    if fast:
        return _regex_starts(chunk)
    bounds = [*_windows(chunk), len(chunk)]
    starts: list[int] = []
    for left, right in itertools.pairwise(bounds):
        starts.extend(left + offset for offset in _pysbd_starts(chunk[left:right]))
    return starts


def _pysbd_starts(chunk: str) -> list[int]:
    """Offsets in ``chunk`` where pysbd says a sentence begins (the first is always 0)."""
    starts = [0]
    cursor = 0
    try:
        sentences: list[str] = _segmenter().segment(chunk)
    except Exception:  # pysbd has crashed on odd input before; a whole chunk is still a passage
        logger.warning("sentence splitter failed on a %d-char paragraph", len(chunk), exc_info=True)
        return starts
    for sentence in sentences:
        needle = sentence.strip()
        if not needle:
            continue
        found = chunk.find(needle, cursor)
        if found < 0:
            # pysbd altered whitespace or characters: try matching its words loosely.
            pattern = r"\s+".join(re.escape(word) for word in needle.split())
            match = re.compile(pattern).search(chunk, cursor)
            if match is None:
                logger.debug("could not locate sentence %r; merging it", needle[:40])
                continue
            found, end = match.start(), match.end()
        else:
            end = found + len(needle)
        if found > starts[-1]:
            starts.append(found)
        cursor = end
    return starts


def _cap(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Cut an over-long span at whitespace so no passage exceeds ``MAX_PASSAGE_CHARS``."""
    spans: list[tuple[int, int]] = []
    while end - start > MAX_PASSAGE_CHARS:
        cut = text.rfind(" ", start + MAX_PASSAGE_CHARS // 2, start + MAX_PASSAGE_CHARS)
        if cut <= start:
            cut = start + MAX_PASSAGE_CHARS
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > start:
            spans.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        spans.append((start, end))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``: stripped, non-empty, ordered, disjoint."""
    work = _soft_wraps(text)
    fast = len(text) > PYSBD_MAX_CHARS
    if fast:
        logger.info("text of %d chars: splitting sentences by punctuation only", len(text))
    spans: list[tuple[int, int]] = []
    for chunk_match in _CHUNK_RE.finditer(work):
        chunk = chunk_match.group()
        if not chunk.strip():
            continue
        base = chunk_match.start()
        starts = _sentence_starts(chunk, fast=fast)
        bounds = [*starts, len(chunk)]
        for left, right in itertools.pairwise(bounds):
            piece = text[base + left : base + right]
            stripped = piece.strip()
            if not stripped:
                continue
            start = base + left + (len(piece) - len(piece.lstrip()))
            spans.extend(_cap(start, start + len(stripped), text))
    return spans


def segment(text: str, source_id: int) -> list[Passage]:
    """Passages for ``text``; ``text[p.start:p.end] == p.text`` holds for every one."""
    return passages_from_spans(text, source_id, sentence_spans(text))


def passages_from_spans(text: str, source_id: int, spans: list[tuple[int, int]]) -> list[Passage]:
    return [
        Passage(source_id=source_id, index=index, start=start, end=end, text=text[start:end])
        for index, (start, end) in enumerate(spans)
    ]
