"""A small on-disk JSON cache that survives crashes.

Used for fetched pages, LLM responses and eval cases. Entries are written to a
temp file and renamed into place (atomic on POSIX), and each entry stores a hash
of its payload: a torn or corrupt file is never read back, it is treated as a
miss and removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def make_key(*parts: Any) -> str:
    """A stable key from JSON-serialisable parts (dict order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    # surrogatepass: a file name that is not valid UTF-8 arrives with lone surrogates
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def atomic_write_text(path: Path, text: str, *, public: bool = False) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half.

    Cache entries stay private (0600). ``public`` files (results the user asked
    for) get the mode a plain ``open()`` would give: the replaced file's own mode,
    or 0666 less the umask, so a published ``brief.html`` can be served.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _public_mode(path) if public else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _public_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _digest(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class DiskCache:
    """Namespace-separated key → JSON value store under ``root``."""

    def __init__(self, root: Path, namespace: str, *, enabled: bool = True) -> None:
        self.dir = root / namespace
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            envelope = json.loads(path.read_text(encoding="utf-8"))
            payload = envelope["payload"]
            digest = _digest(payload)
            if digest != envelope["sha256"]:
                raise ValueError("checksum mismatch")
            return payload
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("dropping corrupt cache entry %s: %s", path.name, exc)
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a directory in its place, or a cache root that is a file
                logger.warning("cannot remove cache entry %s; leaving it", path.name)
            return None

    def set(self, key: str, payload: Any) -> None:
        if not self.enabled:
            return
        digest = _digest(payload)
        envelope = {"sha256": digest, "payload": payload}
        try:
            atomic_write_text(self._path(key), json.dumps(envelope, ensure_ascii=False))
        except (OSError, UnicodeEncodeError) as exc:  # a failed cache write never fails a run
            logger.warning("cache write failed for %s: %s", key[:12], exc)
