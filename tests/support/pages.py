"""A real HTTP server on 127.0.0.1 serving news-like pages and scripted misbehaviour.

The ingest tests fetch through it with the real httpx client, so timeouts,
redirects, streaming limits and retries are exercised over real sockets.

Each path maps to a ``Route``: a list of ``Resp`` answered in turn (the last one
repeats), so "429 then 200" is ``Route([Resp(status=429, ...), Resp(body=...)])``.
The server counts hits per path and the bytes it managed to send, which lets a
test prove that the client stopped reading early or fetched only once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
HTML = "text/html; charset=utf-8"


class LoopbackServer(ThreadingHTTPServer):
    """A threaded test server that takes a client hanging up as normal, not as an error.

    Tests abort connections on purpose (timeouts, size caps); socketserver would print a
    traceback for each one that lands while it still reads the request line.
    """

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Resp:
    status: int = 200
    body: bytes = b""
    content_type: str | None = HTML  # None: send no Content-Type header at all
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (counted as "in flight")
    trickle: float | None = None  # send one byte every N seconds, forever
    stream_bytes: int = 0  # after ``body``, stream this many filler bytes (chunked)


@dataclass
class Route:
    responses: list[Resp]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def page(name: str, content_type: str | None = HTML, **kwargs: object) -> Route:
    """A route serving a fixture file."""
    return Route([Resp(body=fixture(name), content_type=content_type, **kwargs)])  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Route:
    return Route([Resp(status=status, headers={"Location": location}, content_type=None)])


class PageServer:
    """``with PageServer() as server: server.add("/a", page("x.html")); server.url("/a")``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at the same moment
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = LoopbackServer((host, 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.host = host
        self.port = int(self._httpd.server_address[1])

    # ----------------------------------------------------------------- control
    def start(self) -> PageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    # ----------------------------------------------------------------- serving
    def _next(self, path: str) -> Resp | None:
        with self._lock:
            route = self.routes.get(path)
            count = self.hits[path]
            self.hits[path] += 1
        if route is None:
            return None
        return route.responses[min(count, len(route.responses) - 1)]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                resp = server._next(path)
                if resp is None:
                    resp = Resp(status=404, body=b"<html><body><h1>Not found</h1></body></html>")
                if resp.delay:
                    time.sleep(resp.delay)
                # Leave the in-flight count before answering: once the client has
                # the response it may start another request, which must not overlap.
                with server._lock:
                    server.in_flight -= 1
                try:
                    self._answer(path, resp)
                except OSError:  # the client hung up: expected when it stops reading early
                    self.close_connection = True

            def do_POST(self) -> None:  # as GET, after reading the request body (an API call)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.do_GET()

            def _count(self, path: str, n: int) -> None:
                with server._lock:
                    server.bytes_sent[path] += n

            def _answer(self, path: str, resp: Resp) -> None:
                self.send_response(resp.status)
                if resp.content_type is not None:
                    self.send_header("Content-Type", resp.content_type)
                for name, value in resp.headers.items():
                    self.send_header(name, value)
                if resp.trickle is not None:
                    # No length: the body "ends" when the connection closes, which it never does.
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    self.wfile.write(resp.body)
                    self.wfile.flush()
                    while not server._stop.is_set():
                        time.sleep(resp.trickle)
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        self._count(path, 1)
                    return
                if resp.stream_bytes:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self._chunk(path, resp.body)
                    filler = b"<p>" + b"x" * 65_000 + b"</p>\n"
                    left = resp.stream_bytes
                    while left > 0 and not server._stop.is_set():
                        piece = filler[:left]
                        self._chunk(path, piece)
                        left -= len(piece)
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)
                self._count(path, len(resp.body))

            def _chunk(self, path: str, data: bytes) -> None:
                if not data:
                    return
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
                self._count(path, len(data))

        return Handler


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[PageServer]:
    with PageServer(host) as server:
        yield server


def closed_port() -> int:
    """A local port with nothing listening (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
