"""The one sentence splitter: where sentences start, per pysbd, in bounded windows.

Ingest (passages), drafting and rewriting (one sentence per item) and the brief
parser of ``check`` all split sentences here, so they agree on what a sentence is.

pysbd keeps per-text state on its ``Segmenter`` instance, so one instance is
never shared between threads: each thread gets its own, cached per language.
Its time grows faster than linearly with the length of what it is given (a
134 KB paragraph took 35 s), so long text is fed to it in windows cut after a
likely sentence end, and very long text is split by punctuation alone.
pysbd is used only to locate *where sentences start*; callers cut their own
strings at those offsets, so a quirk in pysbd's output can at worst merge two
sentences, never shift a span.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading

import pysbd

logger = logging.getLogger(__name__)

WINDOW_CHARS = 2000
MAX_PASSAGE_CHARS = 1000  # longer "sentences" (tables, run-ons) are cut at whitespace
PYSBD_MAX_CHARS = 300_000  # longer texts are split by punctuation alone

_BLANK_LINE_RE = re.compile(r"\n[ \t\r\f\v]*\n")
_HARD_END_RE = re.compile(r"""[.!?:;…"'”’)\]]\s*$""")
_BLOCK_START_RE = re.compile(r"^\s*([-*+•>#|]|\d{1,3}[.)]\s)")
_CHUNK_RE = re.compile(r"[^\n]+")
_LIKELY_END_RE = re.compile(r"""[.!?…]["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")
# Two sentences glued by extraction ("for Ebola.The CDC says", 'die."It started'): a
# lowercase word, an end mark (and a closing quote) and a capitalised word, perhaps behind an
# opening quote, with no space between. Not "U.S.The" or "Ph.D": the end mark must follow two
# lowercase letters or digits ("in 2011.“We knew").
_GLUED_END_RE = re.compile(
    r"(?<=[a-z0-9]{2}[.!?])(?=“?[A-Z][a-z])"
    r"""|(?<=[a-z0-9]{2}[.!?][”"’])(?=[“"]?[A-Z][a-z])"""
)
_POSSESSIVE_START_RE = re.compile(r"[’']s\b")  # "’s" never opens a sentence

_PYSBD_LANGUAGES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "dutch": "nl", "danish": "da", "polish": "pl", "russian": "ru", "greek": "el",
    "bulgarian": "bg", "slovak": "sk", "chinese": "zh", "japanese": "ja", "arabic": "ar",
    "persian": "fa", "hindi": "hi", "marathi": "mr", "urdu": "ur", "armenian": "hy",
    "amharic": "am", "burmese": "my", "kazakh": "kk",
}  # fmt: skip

_local = threading.local()


def language_code(language: str) -> str:
    """pysbd's code for a language name or code; English when pysbd lacks it."""
    name = language.strip().lower()
    code = _PYSBD_LANGUAGES.get(name, name)
    return code if code in _PYSBD_LANGUAGES.values() else "en"


def _segmenter(code: str) -> pysbd.Segmenter:
    cache: dict[str, pysbd.Segmenter] = _local.__dict__.setdefault("segmenters", {})
    if code not in cache:
        cache[code] = pysbd.Segmenter(language=code, clean=False, char_span=False)
    return cache[code]


def _windows(text: str) -> list[int]:
    """Start offsets of pieces of ``text`` no longer than about ``WINDOW_CHARS``."""
    starts = [0]
    while len(text) - starts[-1] > WINDOW_CHARS:
        begin = starts[-1]
        ends = [m.end() for m in _LIKELY_END_RE.finditer(text, begin + 1, begin + WINDOW_CHARS)]
        cut = ends[-1] if ends else text.rfind(" ", begin + 1, begin + WINDOW_CHARS) + 1
        starts.append(cut if cut > begin else begin + WINDOW_CHARS)
    return starts


def _punctuation_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _LIKELY_END_RE.finditer(text))]


def _pysbd_starts(text: str, code: str) -> list[int]:
    """Offsets in ``text`` where pysbd says a sentence begins (the first is always 0)."""
    starts = [0]
    cursor = 0
    try:
        sentences: list[str] = _segmenter(code).segment(text)
    except Exception:  # pysbd has crashed on odd input before; the text stays one sentence
        logger.warning("sentence splitter failed on %d chars", len(text), exc_info=True)
        return starts
    for sentence in sentences:
        needle = str(sentence).strip()
        if not needle:
            continue
        found = text.find(needle, cursor)
        if found < 0:
            # pysbd altered whitespace or characters: try matching its words loosely.
            pattern = r"\s+".join(re.escape(word) for word in needle.split())
            match = re.compile(pattern).search(text, cursor)
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


def sentence_starts(text: str, language: str = "en", *, fast: bool = False) -> list[int]:
    """Offsets in ``text`` where a sentence begins (the first is always 0).

    ``fast`` splits by punctuation only (for texts too long for pysbd).
    """
    if fast:
        starts = _punctuation_starts(text)
    else:
        code = language_code(language)
        bounds = [*_windows(text), len(text)]
        starts = []
        for left, right in itertools.pairwise(bounds):
            starts.extend(left + offset for offset in _pysbd_starts(text[left:right], code))
    glued = [m.start() for m in _GLUED_END_RE.finditer(text)]
    starts = sorted({*starts, *glued}) if glued else starts
    # pysbd ends a sentence at "Sr." before a curly "’s" ("Donald Trump Sr.’s direct
    # involvement"): a possessive never opens a sentence.
    return [s for s in starts if not (s and _POSSESSIVE_START_RE.match(text, s))]


def split_spans(text: str, language: str = "en") -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, stripped, non-empty, in order."""
    spans: list[tuple[int, int]] = []
    for left, right in itertools.pairwise([*sentence_starts(text, language), len(text)]):
        piece = text[left:right]
        body = piece.strip()
        if body:
            start = left + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(body)))
    return spans


def count_sentences(text: str, language: str = "en") -> int:
    """Sentences in ``text`` (pieces without a letter or digit do not count)."""
    return sum(
        1 for start, end in split_spans(text, language) if any(c.isalnum() for c in text[start:end])
    )


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


def passage_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each passage of ``text``: one sentence, stripped, non-empty, ordered,
    disjoint, at most ``MAX_PASSAGE_CHARS`` long; newlines end sentences except soft wraps."""
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
        starts = sentence_starts(chunk, fast=fast)
        bounds = [*starts, len(chunk)]
        for left, right in itertools.pairwise(bounds):
            piece = text[base + left : base + right]
            stripped = piece.strip()
            if not stripped:
                continue
            start = base + left + (len(piece) - len(piece.lstrip()))
            spans.extend(_cap(start, start + len(stripped), text))
    return spans
