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
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def make_key(*parts: Any) -> str:
    """A stable key from JSON-serialisable parts (dict order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
            digest = hashlib.sha256(
                json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            if digest != envelope["sha256"]:
                raise ValueError("checksum mismatch")
            return payload
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("dropping corrupt cache entry %s: %s", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def set(self, key: str, payload: Any) -> None:
        if not self.enabled:
            return
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        envelope = {"sha256": digest, "payload": payload}
        try:
            atomic_write_text(self._path(key), json.dumps(envelope, ensure_ascii=False))
        except OSError as exc:  # a cache that cannot be written must not fail the run
            logger.warning("cache write failed for %s: %s", key[:12], exc)
