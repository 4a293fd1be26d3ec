"""A scripted OpenAI-compatible server on 127.0.0.1 for deterministic tests.

The real ``openai`` client and ``instructor`` talk to it over real HTTP. Each test
queues the replies it wants (``server.script(...)``); when the queue is empty a
``fallback`` callable answers. Every request body is recorded in ``server.requests``.

A reply is a ``Reply``: status, headers, JSON body, an optional delay before
answering (to provoke client timeouts), or ``trickle=True`` to send the body a
byte at a time forever (a response that never ends).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.pages import LoopbackServer

Request = dict[str, Any]


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None  # sent as-is instead of JSON (e.g. truncated JSON)
    trickle: bool = False  # drip bytes until the client gives up


def _usage(prompt: int = 50, completion: int = 20) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion(message: dict[str, Any], *, logprobs: Any = None, finish: str = "stop") -> Reply:
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
    if logprobs is not None:
        choice["logprobs"] = logprobs
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "scripted",
            "choices": [choice],
            "usage": _usage(),
        }
    )


def tool_reply(name: str, arguments: dict[str, Any] | str) -> Reply:
    """The model 'calls' the response-model tool: what instructor's TOOLS mode reads."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}
            ],
        },
        finish="tool_calls",
    )


def text_reply(content: str, *, top_logprobs: dict[str, float] | None = None) -> Reply:
    """A plain assistant message; with ``top_logprobs`` the first token's alternatives."""
    logprobs = None
    if top_logprobs is not None:
        first = next(iter(top_logprobs))
        logprobs = {
            "content": [
                {
                    "token": first,
                    "logprob": top_logprobs[first],
                    "bytes": None,
                    "top_logprobs": [
                        {"token": tok, "logprob": lp, "bytes": None}
                        for tok, lp in top_logprobs.items()
                    ],
                }
            ]
        }
    return completion({"role": "assistant", "content": content}, logprobs=logprobs)


def error_reply(status: int, message: str = "scripted error", **headers: str) -> Reply:
    return Reply(
        body={"error": {"message": message, "type": "server_error"}}, status=status, headers=headers
    )


def tool_name(request: Request) -> str | None:
    """The function name instructor asked for in a TOOLS-mode request."""
    tools = request.get("tools") or []
    return tools[0]["function"]["name"] if tools else None


def last_user_text(request: Request) -> str:
    for message in reversed(request.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


class ScriptedOpenAI:
    """Start with ``with ScriptedOpenAI() as server:``; ``server.base_url`` ends in /v1."""

    def __init__(self, fallback: Callable[[Request], Reply] | None = None) -> None:
        self._queue: deque[Reply | Callable[[Request], Reply]] = deque()
        self.fallback = fallback
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd: LoopbackServer | None = None
        self._stop = threading.Event()

    # -- scripting -----------------------------------------------------------------
    def script(self, *replies: Reply | Callable[[Request], Reply]) -> None:
        with self._lock:
            self._queue.extend(replies)

    def clear(self) -> None:
        """Drop scripted replies not used yet (the fallback answers again)."""
        with self._lock:
            self._queue.clear()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            item = self._queue.popleft() if self._queue else None
        if item is None:
            if self.fallback is None:
                return error_reply(500, "script exhausted")
            return self.fallback(request)
        return item(request) if callable(item) else item

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> ScriptedOpenAI:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(
                        Reply(
                            body={"object": "list", "data": [{"id": "scripted", "object": "model"}]}
                        )
                    )
                else:
                    self._send(error_reply(404, "not found"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    request = {}
                request["_path"] = self.path
                request["_headers"] = dict(self.headers)
                self._send(server._next(request))

            def _send(self, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    if reply.trickle:
                        self.send_header("Content-Length", str(10**9))
                        self.end_headers()
                        while not server._stop.wait(0.05):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        return
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = LoopbackServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def chat_requests(self) -> Iterator[Request]:
        return (r for r in self.requests if r["_path"].endswith("/chat/completions"))
