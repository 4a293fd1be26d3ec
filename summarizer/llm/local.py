"""The embedded default backend: a llama.cpp OpenAI-compatible server on 127.0.0.1.

Why a subprocess and not in-process ``llama_cpp``: the rest of the package only
speaks the OpenAI protocol (openai client + instructor), so the local model is
just another endpoint; a crash or a hung generation in native code cannot take
the CLI down, and stopping it is a signal, not a cooperative cancel.

This module is the parent side (start, probe, stop). The model file (assembled
from 22 PyPI part wheels) is ``model_file``'s job; what runs inside the server
process is ``_serve``. The model-file names are re-exported here.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.metadata
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from summarizer.errors import LocalModelError
from summarizer.llm.model_file import (
    INSTALL_HINT,
    MODEL_ALIAS,
    MODEL_FILENAME,
    MODEL_SHA256,
    PART_COUNT,
    PART_DISTRIBUTIONS,
    ensure_model,
    file_sha256,
    locate_parts,
    model_is_verified,
)
from summarizer.settings import Settings

__all__ = [
    "INSTALL_HINT",
    "LLAMA_MISSING",
    "MODEL_ALIAS",
    "MODEL_FILENAME",
    "MODEL_SHA256",
    "PART_COUNT",
    "PART_DISTRIBUTIONS",
    "LocalServer",
    "client_host",
    "ensure_model",
    "file_sha256",
    "free_port",
    "llama_cpp_available",
    "llama_cpp_version",
    "locate_parts",
    "model_is_verified",
    "server_args",
]

logger = logging.getLogger(__name__)

LLAMA_MISSING = f"the embedded model needs the local extra: {INSTALL_HINT}"

_PORT_ATTEMPTS = 3
_PROBE_TIMEOUT = 2.0
_WARMUP = {"prompt": "Hello", "max_tokens": 1, "temperature": 0}
_LOG_ROTATE_BYTES = 10_000_000

# The server subprocess runs _serve.py as __main__ by path (see its docstring for why).
_CHILD = "import runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')"
_SERVE_PATH = str(Path(__file__).with_name("_serve.py"))


# --------------------------------------------------------------------------- server
def llama_cpp_available() -> bool:
    """Is the local extra installed? (find_spec only: importing llama_cpp loads native code.)"""
    return importlib.util.find_spec("llama_cpp") is not None


def llama_cpp_version() -> str | None:
    try:
        return importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError:
        return None


def client_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_args(
    model_path: Path, port: int, settings: Settings, *, host: str = "127.0.0.1"
) -> list[str]:
    """The llama_cpp.server flags, measured on a 2-core CPU (bench/local_server.py).

    - no ``--chat_format``: the GGUF's own Jinja template (Qwen's) is used; a forced
      tool call (instructor TOOLS) is grammar-constrained to the tool's JSON schema.
    - ``--logits_all True``: llama-cpp-python refuses ``logprobs`` without it (the
      judge reads ``top_logprobs``); ``_serve._patch_llama_cpp`` removes what it costs.
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
        "--host", host,
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
    By default it listens on a free port of 127.0.0.1; ``summarizer serve`` gives a
    ``port`` and ``host`` of the user's choosing.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        model_path: Path | None = None,
        extra_args: Sequence[str] = (),
        stop_grace: float = 5.0,
        port: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.settings = settings
        self.host = host
        self.fixed_port = port
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
        return f"http://{client_host(self.host)}:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return MODEL_ALIAS

    @property
    def cache_identity(self) -> str:
        """What the LLM cache keys on instead of the URL: the port changes every run."""
        path = self.model_path
        if path is None:
            raise LocalModelError("the local model server is not running")
        if path == self.settings.models_dir / MODEL_FILENAME:
            return f"local:{MODEL_SHA256}"
        stat = path.stat()
        return f"local:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"

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
        self.port = self.fixed_port or free_port()
        args = server_args(self.model_path, self.port, self.settings, host=self.host)
        args += self.extra_args
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
                    [sys.executable, "-c", _CHILD, _SERVE_PATH, *args],
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
            if "address already in use" in tail.lower():
                if self.fixed_port is not None:
                    raise LocalModelError(
                        f"port {self.fixed_port} on {self.host} is already in use"
                    )
                if attempt < 2:
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
