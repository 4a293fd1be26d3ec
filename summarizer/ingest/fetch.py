"""Fetch web pages politely and defensively.

Every failure becomes a ``FetchError`` with a short human reason, because one
bad URL must never cost the others. Defences, each with the bug it prevents:

* redirects are followed by hand, so each hop is checked against the network
  policy (a public page cannot bounce us into the intranet) and loops are capped;
* the body is streamed and reading stops at ``max_bytes`` (a 2 GB body is never read);
* an overall per-request deadline cuts servers that trickle bytes forever, which
  httpx's read timeout alone never does;
* connect errors, 429 and 5xx are retried per the one retry policy
  (``summarizer.retry``: exponential backoff, a short ``Retry-After`` honoured,
  a long one means give up); everything else fails at once;
* concurrency is bounded globally and per host, so a list of 50 links to one
  site does not hammer it.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType

import httpx
from tenacity import RetryCallState

from summarizer.cache import DiskCache, make_key
from summarizer.errors import FetchError
from summarizer.ingest.extract import (
    HTML_TYPES,
    TEXT_TYPES,
    Page,
    decode_body,
    looks_binary,
    sniff_type,
)
from summarizer.ingest.netsafety import check_host
from summarizer.retry import RetryPolicy, Transient, retry_after
from summarizer.settings import Settings
from summarizer.text.urls import normalize_url, without_credentials

logger = logging.getLogger(__name__)

_CACHE_VERSION = "page/v1"
_HOST_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class _Redirect:
    location: str


class _Transient(FetchError, Transient):
    """A fetch failure worth retrying; ``retry_after`` is the server's requested wait, if any."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


# --------------------------------------------------------------------------- URLs


def parse_url(raw: str) -> httpx.URL:
    """Validate an http(s) URL; ``FetchError`` with "unsupported scheme" / "malformed URL"."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", raw.strip())
    if match is None:
        raise FetchError("malformed URL")
    scheme = match.group(1).lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"unsupported scheme '{scheme}'")
    try:
        url = httpx.URL(raw.strip())
        port = url.port
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        raise FetchError("malformed URL") from exc
    if not _valid_host(url) or (port is not None and not 0 < port < 65536):
        raise FetchError("malformed URL")
    return url


def _valid_host(url: httpx.URL) -> bool:
    host = url.raw_host.decode("ascii", errors="replace")
    if not host:
        return False
    if host.startswith("[") or ":" in host:  # IPv6 literal, already checked by httpx
        return True
    labels = host.rstrip(".").split(".")
    return all(_HOST_RE.match(label) for label in labels)


# ---------------------------------------------------------------------- errors


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _status_reason(status: int) -> str:
    return f"HTTP {status} {_phrase(status)}".rstrip()


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _tls_reason(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"\[SSL: ([A-Z0-9_]+)\]\s*([^(]*)", text)
    if match:
        return f"TLS error: {match.group(2).strip() or match.group(1).lower()}"
    return f"TLS error: {text.split('(_ssl')[0].strip() or type(exc).__name__}"


def translate(exc: httpx.HTTPError, settings: Settings) -> FetchError:
    """An httpx exception as a ``FetchError`` with a short reason (``_Transient`` if retryable)."""
    causes = _chain(exc)
    text = " ".join(str(c) for c in causes)
    if isinstance(exc, httpx.ConnectTimeout):
        return _Transient(f"connect timed out after {settings.connect_timeout:g}s")
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(f"timed out after {settings.read_timeout:g}s")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError("unsupported scheme")
    if isinstance(exc, httpx.DecodingError):
        return FetchError("could not decode the response body (bad content encoding)")
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, socket.gaierror) for c in causes) or re.search(
            r"Name or service not known|nodename nor servname|Temporary failure in name resolution",
            text,
        ):
            return FetchError("DNS lookup failed")
        for cause in causes:
            if isinstance(cause, ssl.SSLError) or "[SSL" in str(cause):
                return FetchError(_tls_reason(cause))
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text.lower():
            return _Transient("connection refused")
        return _Transient(f"connection failed: {str(exc) or type(exc).__name__}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(f"protocol error: {str(exc) or 'server broke the HTTP protocol'}")
    return FetchError(f"fetch failed: {str(exc) or type(exc).__name__}")


# --------------------------------------------------------------------- fetcher


class Fetcher:
    """One HTTP client, its concurrency limits and the page cache, for a whole run.

    Use as ``async with Fetcher(settings) as fetcher: page = await fetcher.fetch(url)``.
    """

    def __init__(
        self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._global = asyncio.Semaphore(max(1, settings.fetch_concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._cache = DiskCache(settings.cache_dir, "pages", enabled=settings.cache)
        self.policy = RetryPolicy(settings.fetch_retries, max_wait=settings.retry_max_wait)

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            limits=httpx.Limits(
                max_connections=max(1, s.fetch_concurrency),
                max_keepalive_connections=max(1, s.fetch_concurrency),
            ),
            headers={
                "User-Agent": s.user_agent,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                "Accept-Language": "en;q=0.9,*;q=0.5",
            },
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        return self._client

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        key = host.lower()
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(max(1, self.settings.per_host_concurrency))
        return self._hosts[key]

    async def fetch(self, url: str) -> Page:
        """The page at ``url`` (from the cache when present); ``FetchError`` on any failure.

        The address guard applies to a cache hit too: the URL asked for and the
        cached page's final URL are checked under *this* run's policy, so a page
        cached by a run with ``--allow-private`` is not served to one without it.
        Entries do not expire; ``--no-cache`` (``settings.cache=False``) refetches.
        """
        parsed = parse_url(url)
        key = make_key(_CACHE_VERSION, normalize_url(str(parsed)))
        cached = self._cache.get(key)
        if isinstance(cached, dict) and isinstance(cached.get("text"), str):
            final_url = str(cached.get("final_url") or url)
            await self._check(parsed)
            if final_url != str(parsed):
                await self._check(parse_url(final_url))
            logger.debug("page cache hit for %s", url)
            return Page(
                url=url,
                final_url=final_url,
                content_type=str(cached.get("content_type") or "text/html"),
                text=cached["text"],
                from_cache=True,
            )
        started = time.perf_counter()
        page = await self._follow(url, parsed)
        logger.debug("fetched %s in %.2fs", url, time.perf_counter() - started)
        self._cache.set(
            key,
            {
                "final_url": without_credentials(page.final_url),
                "content_type": page.content_type,
                "text": page.text,
            },
        )
        return page

    async def _follow(self, original: str, url: httpx.URL) -> Page:
        """Request ``url``, following up to ``max_redirects`` redirects by hand."""
        s = self.settings
        chain = [str(url)]
        for hop in range(s.max_redirects + 1):
            outcome = await self._with_retries(url)
            if isinstance(outcome, Page):
                return Page(original, outcome.final_url, outcome.content_type, outcome.text)
            if hop == s.max_redirects:
                break
            try:
                target = url.join(outcome.location.strip())
            except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
                raise FetchError("redirect to a malformed URL") from exc
            if target.scheme not in ("http", "https"):
                raise FetchError(f"redirect to unsupported scheme '{target.scheme}'")
            url = parse_url(str(target))
            logger.debug("redirect %s -> %s", chain[-1], url)
            chain.append(str(url))
        if len(set(chain)) < len(chain):
            raise FetchError(f"redirect loop (more than {s.max_redirects} redirects)")
        raise FetchError(f"too many redirects ({s.max_redirects})")

    async def _with_retries(self, url: httpx.URL) -> Page | _Redirect:
        policy = self.policy
        attempts = policy.attempts
        try:
            async for attempt in policy.retrying(_log_retry):
                with attempt:
                    return await self._attempt(url)
        except _Transient as exc:
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            raise FetchError(f"{exc.reason}{suffix}") from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _check(self, url: httpx.URL) -> None:
        """The network policy for ``url``'s host (``FetchError`` when it is refused)."""
        await check_host(
            url.host,
            url.port or (443 if url.scheme == "https" else 80),
            allow_private=self.settings.allow_private,
            timeout=self.settings.connect_timeout,
        )

    async def _attempt(self, url: httpx.URL) -> Page | _Redirect:
        """One request, inside the host and global slots and the overall deadline.

        The network policy is checked here, per hop and per attempt, so a
        redirect target is vetted before we connect to it, and DNS lookups are
        bounded by the same slots as connections.
        """
        s = self.settings
        async with self._host_slot(url.host), self._global:
            await self._check(url)
            try:
                async with asyncio.timeout(s.total_timeout):
                    request = self.client.build_request("GET", url)
                    response = await self.client.send(request, stream=True)
                    try:
                        return await self._read(url, response)
                    finally:
                        await response.aclose()
            except TimeoutError as exc:
                raise FetchError(f"timed out after {s.total_timeout:g}s") from exc
            except httpx.HTTPError as exc:
                raise translate(exc, s) from exc

    async def _read(self, url: httpx.URL, response: httpx.Response) -> Page | _Redirect:
        s = self.settings
        status = response.status_code
        location = response.headers.get("location")
        if 300 <= status < 400 and status != 304 and location:
            return _Redirect(location)
        if status == 429 or status in (500, 502, 503, 504):
            wait = retry_after(response.headers)
            if self.policy.gives_up(wait):
                raise FetchError(f"{_status_reason(status)} (retry after {wait:.0f}s)")
            raise _Transient(_status_reason(status), retry_after=wait)
        if not 200 <= status < 300:
            raise FetchError(_status_reason(status))

        content_type = response.headers.get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type and media_type not in HTML_TYPES | TEXT_TYPES:
            raise FetchError(f"not HTML ({media_type})")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > s.max_bytes:
            raise FetchError(f"body larger than {s.max_bytes} bytes")

        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > s.max_bytes:
                raise FetchError(f"body larger than {s.max_bytes} bytes")
        data = bytes(body)
        if looks_binary(data[:1024]) and not data.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        ):
            raise FetchError(f"not HTML ({media_type or 'binary data'})")
        media_type = media_type or sniff_type(data)
        charset = response.charset_encoding if content_type else None
        text = decode_body(data, charset)
        return Page(str(url), str(response.url), media_type, text)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    logger.info("retrying after %s (attempt %d)", exc, state.attempt_number)
