"""Turn command-line arguments, list files and stdin into a list of inputs; read local files.

An input is either an http(s) URL or a local file path. This module only
parses and classifies; fetching and reading happen later, per source, so that
one bad entry is reported on its own instead of aborting the whole list.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

from summarizer.errors import InputError, SourceError
from summarizer.ingest.extract import TEXT_TYPES, Page, decode_body, is_utf8, looks_binary
from summarizer.text.urls import normalize_url

logger = logging.getLogger(__name__)

# "scheme:" at the start of an input. One-letter schemes are left out so that a
# Windows-style "C:\\path" is never mistaken for a URL.
_WEB_SCHEMES = frozenset({"http", "https"})
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):")
# Query parameters that only track the click; two URLs differing only in them
# are the same article.
# A bare host such as "example.com/news/1": almost certainly a URL missing its scheme.
_BARE_HOST_RE = re.compile(r"^(www\.[a-z0-9.-]+|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/)", re.I)


class InputKind(StrEnum):
    URL = "url"
    FILE = "file"


@dataclass(frozen=True)
class Input:
    """One classified input: what it is, as given, and the key used to spot duplicates."""

    raw: str
    kind: InputKind
    key: str


def parse_list(text: str) -> list[str]:
    """Entries of a URL list: one per line; blank lines and ``#`` comment lines are skipped.

    A comment may also follow a URL after whitespace (``https://x/a  # main``);
    a ``#`` glued to a URL is its fragment and is kept.
    """
    entries: list[str] = []
    for line in text.lstrip("\ufeff").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if _SCHEME_RE.match(entry):
            entry = re.split(r"\s+#", entry, maxsplit=1)[0].strip()
        entries.append(entry)
    return entries


def read_input_file(path: Path, what: str) -> str:
    """A text file the user named (a list, a dataset, a jobs file): every failure is one
    ``InputError`` that says which ``what`` it was."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"{what} {path} not found") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{what} {path} is a directory") from exc
    except PermissionError as exc:
        raise InputError(f"{what} {path} is not readable (permission denied)") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def json_type(value: Any) -> str:
    """A JSON value's type as a user reads it in an error (``null``, ``str``, ``list``)."""
    return "null" if value is None else type(value).__name__


def json_object(raw: str) -> dict[str, Any]:
    """One JSONL line that must be an object; ``ValueError`` says what it is instead."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {json_type(data)}")
    return data


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Identified)


def read_jsonl_records(
    path: Path, what: str, parse: Callable[[str, int], R], *, comments: bool = False
) -> list[R]:
    """Every record of a JSONL file the user named, the whole file validated first:
    ``parse(line, number)`` raises ``ValueError`` for a bad line, and the one
    ``InputError`` names the file and line; ids must be unique. May be empty."""
    records: list[R] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(read_input_file(path, what).splitlines(), 1):
        if not raw.strip() or (comments and raw.lstrip().startswith("#")):
            continue
        try:
            record = parse(raw, number)
        except ValueError as exc:
            raise InputError(f"{path} line {number}: {exc}") from exc
        if record.id in seen:
            first = seen[record.id]
            raise InputError(
                f"{path} line {number}: duplicate id {record.id!r} (first on line {first})"
            )
        seen[record.id] = number
        records.append(record)
    return records


def _read_list_file(list_file: str) -> list[str]:
    return parse_list(read_input_file(Path(list_file), "list file"))


def collect_inputs(
    args: Sequence[str], list_file: str | None = None, stdin: TextIO | None = None
) -> list[str]:
    """All inputs in order: arguments (``-`` = read a list from stdin), then the list file.

    Duplicates are kept here; ``ingest`` drops them so it can log which entry
    duplicated which. Raises ``InputError`` when there is nothing at all.
    """
    inputs: list[str] = []
    stdin_read = False
    for arg in args:
        if arg == "-":
            if stdin is None or stdin_read:
                continue
            stdin_read = True
            try:
                inputs.extend(parse_list(stdin.read()))
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"could not read the source list from stdin: {exc}") from exc
        elif arg.strip():
            inputs.append(arg.strip())
    if list_file is not None:
        inputs.extend(_read_list_file(list_file))
    if not inputs:
        raise InputError("no sources given")
    return inputs


def classify(raw: str) -> Input:
    """URL or file, and the duplicate key (normalized URL, or resolved path).

    Anything with a scheme is a URL, so ``ftp:`` or ``javascript:`` inputs are
    reported as unsupported schemes rather than missing files, unless a file of
    exactly that name exists.
    """
    match = _SCHEME_RE.match(raw)
    if match and not (match.group(1).lower() not in _WEB_SCHEMES and Path(raw).exists()):
        return Input(raw, InputKind.URL, normalize_url(raw))
    try:
        key = str(Path(raw).expanduser().resolve())
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the name
        key = raw
    return Input(raw, InputKind.FILE, key)


def looks_like_bare_host(raw: str) -> bool:
    """``example.com/story`` typed without ``https://``: worth a hint in the error."""
    return bool(_BARE_HOST_RE.match(raw))


def unique_inputs(raws: Iterable[str]) -> list[Input]:
    """Classified inputs with duplicates (same normalized URL / same file) removed, in order."""
    seen: dict[str, str] = {}
    result: list[Input] = []
    for raw in raws:
        raw = raw.strip()
        if not raw:
            continue
        item = classify(raw)
        if item.key in seen:
            logger.info("skipping %s: duplicate of %s", raw, seen[item.key])
            continue
        seen[item.key] = raw
        result.append(item)
    return result


# ------------------------------------------------------------------ local files

FILE_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}


def load_file(raw: str, max_bytes: int) -> Page:
    """Read a local .html/.htm/.txt/.md file; ``SourceError`` with a short reason otherwise.

    Blocking: call it in a worker thread. Non-regular files (FIFOs, devices) are
    refused before opening, because opening a FIFO with no writer blocks forever.
    """
    if "\x00" in raw:
        raise SourceError("invalid file name (it contains a NUL byte)")
    try:
        path = Path(raw).expanduser()
    except RuntimeError as exc:  # "~nobody/x": no such user
        raise SourceError("file not found (unknown home directory in '~')") from exc
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        hint = " (for a web page, include https://)" if looks_like_bare_host(raw) else ""
        raise SourceError(f"file not found{hint}") from exc
    except NotADirectoryError as exc:
        raise SourceError("file not found (a parent is not a directory)") from exc
    except PermissionError as exc:
        raise SourceError("permission denied") from exc
    except OSError as exc:
        raise SourceError(f"could not read file: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise SourceError("is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise SourceError("not a regular file")
    media_type = FILE_TYPES.get(path.suffix.lower())
    if media_type is None:
        kinds = ", ".join(sorted({".html", ".htm", ".txt", ".md"}))
        raise SourceError(f"unsupported file type '{path.suffix or path.name}' (use {kinds})")
    if info.st_size > max_bytes:
        raise SourceError(f"file larger than {max_bytes} bytes")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError as exc:
        raise SourceError("permission denied") from exc
    except OSError as exc:
        raise SourceError(f"could not read file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise SourceError(f"file larger than {max_bytes} bytes")
    if looks_binary(data[:1024]) and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise SourceError("not a text file (binary data)")
    declared = "utf-8" if media_type in TEXT_TYPES and is_utf8(data) else None
    return Page(
        url=raw,
        final_url=str(path.resolve()),
        content_type=media_type,
        text=decode_body(data, declared),
    )
