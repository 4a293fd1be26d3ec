"""One warm embedded model for every command on this machine: ``summarizer serve``.

``serve`` starts the embedded server (``LocalServer``), keeps it up and
publishes where it is in ``$SUMMARIZER_HOME/serve.json`` (pid, base URL, model,
cache identity). With no ``OPENAI_BASE_URL`` configured, ``open_llm`` (so
``summarize``, ``check``, ``batch``, ``eval``) uses a published server instead of
starting a model of its own, and ``doctor`` reports it. The LLM cache keys on
the model file, not the URL, so answers cached through ``serve`` and through the
embedded server are the same entries.

A published file is trusted only while it holds: its pid is alive and its
endpoint accepts connections and lists the model (a server busy generating may
take long to answer ``/models``; a connection it accepted and is slow to answer
still counts as alive). A stale file (crash, SIGKILL) is ignored by readers and
replaced by the next ``serve``; only the ``serve`` that wrote a file removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from summarizer.cache import atomic_write_text
from summarizer.errors import InputError, LocalModelError
from summarizer.llm.local import LocalServer
from summarizer.settings import Settings
from summarizer.text.urls import redact_url

logger = logging.getLogger(__name__)

SERVE_FILE = "serve.json"
PROBE_TIMEOUT = 2.0
_WATCH_INTERVAL = 1.0
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class SharedServer:
    """What ``serve.json`` holds."""

    pid: int  # the ``summarizer serve`` process
    base_url: str
    model: str
    cache_identity: str
    started: str
    server_pid: int | None = None  # its llama.cpp child


@dataclass(frozen=True)
class SharedStatus:
    """A published server and whether it can be used; ``reason`` says why not."""

    server: SharedServer | None
    alive: bool
    reason: str = ""


def state_path(settings: Settings) -> Path:
    return settings.home / SERVE_FILE


def read_state(path: Path) -> SharedServer | None:
    """The published server, or None when there is no (readable, well-formed) file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SharedServer(
            pid=int(data["pid"]),
            base_url=str(data["base_url"]),
            model=str(data["model"]),
            cache_identity=str(data["cache_identity"]),
            started=str(data.get("started", "")),
            server_pid=int(data["server_pid"]) if data.get("server_pid") else None,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("ignoring an unreadable %s: %s", path, exc)
        return None


def publish(settings: Settings, server: SharedServer) -> None:
    """Write ``serve.json`` atomically: a reader sees the old file or the new one."""
    atomic_write_text(state_path(settings), json.dumps(asdict(server), indent=2) + "\n")


def withdraw(settings: Settings, pid: int) -> None:
    """Remove ``serve.json`` if it is still the one process ``pid`` published."""
    path = state_path(settings)
    current = read_state(path)
    if current is not None and current.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


async def check_shared(settings: Settings, *, timeout: float = PROBE_TIMEOUT) -> SharedStatus:
    """Is a ``serve`` published for this home, and does it still hold?"""
    server = read_state(state_path(settings))
    if server is None:
        return SharedStatus(None, False, "no shared server published")
    shown = redact_url(server.base_url)
    if not pid_alive(server.pid):
        return SharedStatus(server, False, f"stale {SERVE_FILE}: pid {server.pid} is not running")
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"{server.base_url.rstrip('/')}/models")
    except httpx.ConnectError as exc:
        return SharedStatus(server, False, f"stale {SERVE_FILE}: {shown} refuses ({exc})")
    except httpx.TimeoutException:
        # Accepted but slow: llama.cpp answers /models only between generations.
        return SharedStatus(server, True, "busy")
    except httpx.HTTPError as exc:
        return SharedStatus(server, False, f"stale {SERVE_FILE}: {shown}: {exc}")
    if response.status_code != 200:
        reason = f"{shown}/models answered HTTP {response.status_code}"
        return SharedStatus(server, False, f"stale {SERVE_FILE}: {reason}")
    try:
        ids = [str(item.get("id")) for item in response.json().get("data", [])]
    except (ValueError, AttributeError, TypeError):
        ids = []
    if server.model not in ids:
        reason = f"{shown} does not serve {server.model}"
        return SharedStatus(server, False, f"stale {SERVE_FILE}: {reason}")
    return SharedStatus(server, True)


async def find_shared(settings: Settings) -> SharedServer | None:
    """The shared server to use instead of starting one, if a live one is published."""
    status = await check_shared(settings)
    if status.server is not None and not status.alive:
        logger.info("%s; ignored", status.reason)
    return status.server if status.alive else None


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


async def serve(
    settings: Settings,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    on_ready: Callable[[SharedServer], None] | None = None,
) -> None:
    """Start the embedded server, publish it, and keep it up until SIGINT/SIGTERM/SIGHUP.

    Refuses (``InputError``) when a live server is already published for this home
    or the port cannot be bound, before any model starts. Returns after a clean
    stop; raises ``LocalModelError`` if the server fails to start or dies.
    """
    status = await check_shared(settings)
    if status.alive and status.server is not None:
        running = status.server
        raise InputError(
            f"a shared server is already running at {running.base_url} (pid {running.pid}); "
            "stop it first or use it"
        )
    if port is not None:
        _check_port(host, port)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    server = LocalServer(settings, port=port, host=host)
    try:
        starting = asyncio.ensure_future(server.astart())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # stopped while the model was still loading
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return
        stopping.cancel()
        starting.result()  # LocalModelError when it could not start
        shared = SharedServer(
            pid=os.getpid(),
            base_url=server.base_url,
            model=server.model_name,
            cache_identity=server.cache_identity,
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            server_pid=server.pid,
        )
        publish(settings, shared)
        logger.info("shared model server published in %s", state_path(settings))
        if on_ready is not None:
            on_ready(shared)
        while not stop.is_set():
            if not server.running:
                raise LocalModelError(f"the model server exited (log: {server.log_path})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), _WATCH_INTERVAL)
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        withdraw(settings, os.getpid())
        server.stop()
