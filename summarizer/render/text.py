"""Text helpers shared by every output format.

Page text and model output are untrusted: they can carry terminal escape
sequences, bidi overrides that reorder what the reader sees, or markdown that
would forge a citation. Every renderer passes such text through these helpers
before it reaches the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from summarizer.models import Source, Status, Summary, SummarySentence

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/PM/APC/SOS strings
# (terminated by BEL or ST), then any other two-byte escape.
_ANSI_RE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?               # CSI
    | \x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]?                      # other escapes (incl. a lone ESC)
    """,
    re.VERBOSE,
)
# C0 (except TAB/LF/CR, turned into spaces below), DEL, C1 (0x9b is an 8-bit
# CSI), and bidi embeddings/overrides/isolates that reorder what is displayed.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE_RE = re.compile(r"[\s\u2028\u2029]+")

# CommonMark lets a backslash escape any ASCII punctuation character.
MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Characters escaped wherever they occur: they could open a link/citation,
# emphasis, code, raw HTML or a heading, or (backslash) undo an escape.
_MD_ALWAYS = frozenset("\\[]*_`<>#~|")
_MD_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# At the start of a line these would open a list, quote or thematic break.
_MD_LINE_START_RE = re.compile(r"^(?:(\d{1,9})([.)])|([-+=]))")

_STATUS_WORD = {
    Status.UNVERIFIED: "unverified",
    Status.UNSUPPORTED: "unsupported",
    Status.UNCITED: "uncited",
}
VERIFIED = (Status.SUPPORTED, Status.REPAIRED)


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and control characters.

    Tabs and line breaks become spaces so a page cannot smuggle structure
    (a new markdown paragraph, a fake table row) into a one-line field.
    """
    text = _ANSI_RE.sub("", text)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return _CONTROL_RE.sub("", text)


def escape_sequence_end(text: str, pos: int) -> int:
    """End of the terminal escape sequence starting at ``pos`` (``pos`` if none)."""
    match = _ANSI_RE.match(text, pos)
    return match.end() if match else pos


def is_control(char: str) -> bool:
    """True for a character ``strip_controls`` removes (other than whitespace)."""
    return bool(_CONTROL_RE.match(char))


def one_line(text: str | None) -> str:
    """Sanitised text collapsed to a single line of single spaces."""
    if not text:
        return ""
    return _SPACE_RE.sub(" ", strip_controls(text)).strip()


def escape_markdown(text: str, *, line_start: bool = False) -> str:
    """Escape what would change markdown structure; ``unescape_markdown`` undoes it.

    Only structure-changing characters are escaped (``[`` so a literal ``[3]``
    in a sentence never becomes a citation, ``*``/``_`` for emphasis, ``<`` for
    raw HTML, ``&`` only where it starts an entity) so the raw text stays readable.
    """
    out = []
    for char in text:
        out.append("\\" + char if char in _MD_ALWAYS else char)
    escaped = _MD_ENTITY_RE.sub(r"\\&", "".join(out))
    if line_start:
        match = _MD_LINE_START_RE.match(escaped)
        if match and match.group(1) is not None:
            pos = match.end(1)
            escaped = escaped[:pos] + "\\" + escaped[pos:]
        elif match:
            escaped = "\\" + escaped
    return escaped


def unescape_markdown(text: str) -> str:
    """Undo CommonMark backslash escapes (``\\[`` → ``[``)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in MARKDOWN_PUNCTUATION:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def safe_href(url: str | None) -> str | None:
    """The URL if it may be used as a link target (http/https only), else None."""
    if not url:
        return None
    cleaned = one_line(url)
    if not cleaned or " " in cleaned:
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return cleaned


def source_url(source: Source) -> str:
    """The URL to show for a source: where it ended up after redirects, if known."""
    return source.final_url or source.url


def unique(ids: Iterable[int]) -> list[int]:
    """Citation IDs in order, without repeats (``[1][1]`` says nothing more)."""
    seen: set[int] = set()
    out: list[int] = []
    for source_id in ids:
        if source_id not in seen:
            seen.add(source_id)
            out.append(source_id)
    return out


def status_word(status: Status) -> str | None:
    """The word shown next to a sentence the reader must not take as verified."""
    return _STATUS_WORD.get(status)


def reference_parts(source: Source) -> tuple[str | None, list[str]]:
    """(title, [outlet, published, url]) of a source, sanitised, empty fields dropped."""
    title = one_line(source.title) or None
    rest = [one_line(source.outlet), one_line(source.published), one_line(source_url(source))]
    return title, [part for part in rest if part]


def verification_line(summary: Summary) -> str | None:
    """One plain sentence of counts saying how much of the brief was verified."""
    shown = summary.shown_sentences
    removed = len(summary.sentences) - len(shown)
    if not summary.sentences:
        return None
    if not shown:
        noun = "sentence was" if removed == 1 else "sentences were"
        return f"All {removed} {noun} removed as unsupported."
    verified = sum(1 for s in shown if s.verdict.status in VERIFIED)
    repaired = sum(1 for s in shown if s.verdict.status is Status.REPAIRED)
    noun = "sentence" if len(shown) == 1 else "sentences"
    line = f"{verified} of {len(shown)} {noun} verified against their sources"
    if repaired:
        line += f" ({repaired} after repair)"
    clauses = []
    for status in (Status.UNSUPPORTED, Status.UNVERIFIED, Status.UNCITED):
        count = sum(1 for s in shown if s.verdict.status is status)
        if count:
            clauses.append(f"{count} marked {_STATUS_WORD[status]}")
    if clauses:
        line += "; " + ", ".join(clauses)
    if removed:
        line += f"; {removed} removed as unsupported"
    return line + "."


def score_text(sentence: SummarySentence) -> str:
    """The verifier's score as a short string, or '' when there is none."""
    score = sentence.verdict.score
    return "" if score is None else f"{score:.2f}"
