"""URL helpers: one canonical form for spotting duplicates, one redaction for display.

Pure string functions (no network, no package imports). ``normalize_url`` is
never used to fetch, only to compare; ``redact_url`` is what any URL that may
carry a secret goes through before it is shown, logged or stored.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SECRET_PARAM = re.compile(r"key|token|secret|password|sig", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """A canonical form for spotting duplicates (never used for fetching).

    Lower-cases scheme and host, drops default ports, fragments and tracking
    parameters, and gives an empty path as ``/``.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def url_key(url: str) -> str:
    """Loose URL identity: 'https://www.x.org/a/' and 'http://x.org/a' are the same."""
    key = normalize_url(url)
    for prefix in ("https://", "http://"):
        if key.lower().startswith(prefix):
            key = key[len(prefix) :]
            break
    key = key.removeprefix("www.")
    return key.rstrip("/").lower()


def redact_url(url: str | None) -> str | None:
    """The URL without user:password or key-like query values.

    Some gateways take the key in the URL (``?api-key=``), and a key in a base URL
    must not reach logs, error messages or result files. ``None`` stays ``None``.
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        netloc = f"***@{parts.hostname or ''}" + (f":{port}" if port else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def is_loopback(url: str) -> bool:
    """True for an http(s) URL whose host is this machine (localhost, 127.0.0.0/8, ::1)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host in ("localhost", "::1") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def displayable(name: str) -> str:
    """A file name or URL as valid text: bytes that were not UTF-8 (kept by the OS as
    lone surrogates) become U+FFFD, so the name can be hashed, stored and printed."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def without_credentials(url: str) -> str:
    """An http(s) URL with any ``user:password@`` removed; anything else unchanged.

    What a source URL becomes before it is shown, stored in a result or cached:
    the credentials were for fetching, not for the reader.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
