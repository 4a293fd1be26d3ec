"""Untrusted text made safe to show: escapes, controls, one-line fields, markdown.

Page text and model output can carry terminal escape sequences, bidi overrides
that reorder what the reader sees, or markdown that would forge a citation.
Renderers, the brief parser, log lines and error messages all pass such text
through these helpers; they are pure string functions with no package imports,
so every layer (errors included) may use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
# Lone surrogates (a file name that is not valid UTF-8) cannot be written to a UTF-8 stream.
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")

# CommonMark lets a backslash escape any ASCII punctuation character.
MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Characters escaped wherever they occur: they could open a link/citation,
# emphasis, code, raw HTML or a heading, or (backslash) undo an escape.
_MD_ALWAYS = frozenset("\\[]*_`<>#~|")
_MD_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# At the start of a line these would open a list, quote or thematic break.
_MD_LINE_START_RE = re.compile(r"^(?:(\d{1,9})([.)])|([-+=]))")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and control characters.

    Tabs and line breaks become spaces so a page cannot smuggle structure
    (a new markdown paragraph, a fake table row) into a one-line field.
    """
    text = _ANSI_RE.sub("", text)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return _SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))


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


def redact_secrets(text: str, secrets: Iterable[str | None], *, min_length: int = 4) -> str:
    """``text`` with every secret (an API key) replaced by ``***``.

    Secrets shorter than ``min_length`` are left alone: replacing a one-letter
    "key" everywhere would garble the message without protecting anything.
    """
    for secret in secrets:
        if secret and len(secret) >= min_length:
            text = text.replace(secret, "***")
    return text


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
