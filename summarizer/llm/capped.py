"""A response-size cap for the LLM's httpx transport, apart from ``client`` so the
seam module stays about the seam."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx


class ResponseTooLarge(Exception):
    """A response body went past ``settings.max_response_bytes``."""


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._inner:
            total += len(chunk)
            if total > self._limit:
                raise ResponseTooLarge(f"more than {self._limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that stops reading a response body after ``limit`` bytes.

    openai reads whole bodies into memory; a broken or hostile endpoint that
    streams without end would otherwise take all of it.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            raise ResponseTooLarge(f"declared {declared} bytes")
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(stream, self._limit)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def too_large(exc: BaseException) -> bool:
    """Whether ``exc`` or anything in its cause chain is a ``ResponseTooLarge``."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ResponseTooLarge):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
