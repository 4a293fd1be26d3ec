"""Article text and metadata out of a fetched page or local file.

Bytes become text here too (``decode_body``), since fetched pages and local
HTML files need the same charset handling.

HTML goes through trafilatura with the options that scored best on the
article-extraction benchmark (see ``bench/ingest.py``): comments off, tables
on. trafilatura happily returns a cookie banner as "the article" when a page
has nothing else, so short boilerplate paragraphs are dropped afterwards and a
page left with almost no prose is reported as "no article text found" rather
than summarised.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import charset_normalizer
import trafilatura

from summarizer.errors import ExtractionError
from summarizer.text.boilerplate import is_boilerplate_line

logger = logging.getLogger(__name__)

# Less prose than this on a web page is navigation, not an article. Characters
# count too, because Chinese or Japanese text has few spaces to split words on.
MIN_HTML_WORDS = 20
MIN_HTML_CHARS = 100
NO_TEXT = "no article text found"

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHITESPACE_RUN_RE = re.compile(r"[ \t\f\v\xa0]+")


@dataclass(frozen=True)
class Page:
    """A fetched page or read file: decoded text plus what we learned on the way."""

    url: str
    final_url: str
    content_type: str  # bare media type, e.g. "text/html"
    text: str
    from_cache: bool = False

    @property
    def is_html(self) -> bool:
        return self.content_type not in TEXT_TYPES


@dataclass(frozen=True)
class Extracted:
    """What a source contributes: its text and whatever metadata could be found."""

    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    author: str | None = None


# ----------------------------------------------------------------------- decoding

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Single-byte encodings that accept (nearly) any byte sequence, so a wrong
# declaration never fails loudly; valid multi-byte UTF-8 beats them.
_PERMISSIVE = frozenset({"iso8859_1", "latin_1", "cp1252", "iso8859_15", "ascii"})


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    label = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    try:
        return codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in its own ``<meta>`` (first 4 KB only, like browsers)."""
    match = _META_CHARSET_RE.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(body: bytes, declared: str | None = None) -> str:
    """Bytes to text: BOM, then declared charsets (header, meta), then UTF-8, then detection.

    Declarations are often wrong, so a declared charset is used only if the bytes
    decode under it, and a declared Latin-1 loses to bytes that are valid UTF-8.
    """
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, errors="replace")
    utf8 = is_utf8(body)
    for candidate in (declared, meta_charset(body)):
        codec = _codec(candidate)
        if codec is None:
            continue
        if codec in _PERMISSIVE:
            if utf8:
                return body.decode("utf-8")
            # WHATWG: a page labelled Latin-1 is decoded as windows-1252.
            codec = "cp1252"
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            logger.debug("declared charset %s does not fit the bytes", candidate)
    if utf8:
        return body.decode("utf-8")
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and best.encoding:
        guess = str(best)
        logger.debug("charset detected as %s", best.encoding)
        if not _mostly_latin(guess):
            return guess
    # Undeclared Latin-script text: do what browsers in Western locales do.
    # Detectors often pick cp1250 or latin-2 for short French or Spanish pages
    # and turn "crêpes" into "crępes"; windows-1252 is the far likelier truth.
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _mostly_latin(text: str) -> bool:
    """Are the non-ASCII letters of ``text`` mostly Latin script?"""
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    if not letters:
        return True
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return latin >= 0.8 * len(letters)


def looks_binary(head: bytes) -> bool:
    return head.startswith(b"%PDF") or b"\x00" in head[:1024]


def sniff_type(head: bytes) -> str:
    lowered = head[:1024].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lowered:
        return "text/html"
    return "text/plain"


# ----------------------------------------------------------------- extraction


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def hostname_outlet(url: str | None) -> str | None:
    """``https://www.example.com/x`` → ``example.com``: the outlet when the page names none."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = host.removeprefix("www.")
    return host or None


def _strip_outlet(title: str | None, outlet: str | None) -> str | None:
    """``"Bridge repair approved | The Courier"`` → ``"Bridge repair approved"``."""
    if not title or not outlet:
        return title
    for separator in (" | ", " - ", " – ", " — ", " :: ", " · "):
        head, sep, tail = title.rpartition(separator)
        if sep and head.strip() and tail.strip().casefold() == outlet.casefold():
            return head.strip()
    return title


def _tidy_lines(text: str, *, title: str | None) -> str:
    """Collapse spacing, drop empty and boilerplate lines and a leading repeat of the title."""
    lines = [_WHITESPACE_RUN_RE.sub(" ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not is_boilerplate_line(line)]
    if lines and title and " ".join(lines[0].split()).casefold() == title.casefold():
        lines = lines[1:]
    return "\n".join(lines)


def _too_little_prose(text: str) -> bool:
    words = text.split()
    return len(words) < MIN_HTML_WORDS and sum(len(word) for word in words) < MIN_HTML_CHARS


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Main text and metadata of an HTML page; ``ExtractionError`` if there is no article."""
    if not html.strip():
        raise ExtractionError(NO_TEXT)
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
    except Exception as exc:  # lxml/trafilatura raise assorted errors on hostile markup
        raise ExtractionError(f"could not parse the page ({type(exc).__name__})") from exc
    if doc is None:
        raise ExtractionError(NO_TEXT)
    outlet = _clean(getattr(doc, "sitename", None)) or hostname_outlet(url)
    title = _strip_outlet(_clean(getattr(doc, "title", None)), outlet)
    text = _tidy_lines(str(getattr(doc, "text", None) or ""), title=title)
    if _too_little_prose(text):
        raise ExtractionError(NO_TEXT)
    date = _clean(getattr(doc, "date", None))
    return Extracted(
        text=text,
        title=title,
        outlet=outlet,
        published=date if date and _DATE_RE.match(date) else None,
        author=_clean(getattr(doc, "author", None)),
    )


# Every pattern here runs on untrusted text and is linear in its length: bracket and
# parenthesis runs exclude their own delimiters, so no start position rescans the rest
# of the text (the earlier `\[([^\]]+)\]` was quadratic on "[[[[..."), and headings
# are parsed by hand (a lazy group before `\s*#*\s*$` was cubic on a long first line).
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.S)
_LINK_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"  # one level of parentheses: wiki/Foo_(bar)
_MD_IMAGE_RE = re.compile(rf"!\[[^\[\]\n]*\]{_LINK_TARGET}")
_MD_LINK_RE = re.compile(rf"\[([^\[\]\n]+)\]{_LINK_TARGET}")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")
_MAX_TITLE_CHARS = 200


def _heading(line: str) -> str | None:
    """The text of an ATX heading line (``## Title ##`` → ``Title``), else ``None``."""
    body = line.lstrip()
    if len(line) - len(body) > 3:
        return None
    level = len(body) - len(body.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = body[level:]
    if rest and not rest[0].isspace():
        return None
    if not rest:
        return None
    return rest.strip().rstrip("#").rstrip()


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def _strip_markdown(text: str) -> str:
    text = _MD_IMAGE_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_EMPHASIS_RE.sub(r"\2", text)
    lines = []
    for line in text.splitlines():
        heading = _heading(line)
        lines.append(heading if heading is not None else line)
    return "\n".join(lines)


def extract_plain(text: str, *, markdown: bool = False) -> Extracted:
    """Title = first markdown heading or first line; text = the rest.

    A first line too long to be a title is treated as body text, with no title.
    """
    fields: dict[str, str] = {}
    if markdown:
        fields, text = _front_matter(text.lstrip("\ufeff"))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ExtractionError(NO_TEXT)
    title_line = lines[first].strip()
    heading = _heading(title_line)
    title: str | None = heading if heading is not None else title_line
    rest = lines[first + 1 :]
    if heading is None and (fields.get("title") or len(title_line) > _MAX_TITLE_CHARS):
        title, rest = None, lines[first:]
    body = "\n".join(rest)
    if markdown:
        body = _strip_markdown(body)
        title = _clean(_strip_markdown(title)) if title else None
    body = re.sub(r"\n[ \t]*\n(\s*\n)+", "\n\n", body).strip()
    body = "\n".join(line.rstrip() for line in body.split("\n"))
    if not body:
        raise ExtractionError(NO_TEXT)
    date = fields.get("date", "")[:10]
    return Extracted(
        text=body,
        title=_clean(fields.get("title")) or _clean(title),
        outlet=_clean(fields.get("outlet") or fields.get("source")),
        published=date if _DATE_RE.match(date) else None,
        author=_clean(fields.get("author")),
    )


def extract_page(page: Page) -> Extracted:
    """Dispatch on content type: HTML through trafilatura, text and markdown as plain text."""
    if page.is_html:
        url = page.final_url if page.final_url.startswith(("http://", "https://")) else None
        return extract_html(page.text, url)
    return extract_plain(page.text, markdown=page.content_type != "text/plain")
