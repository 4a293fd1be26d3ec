"""The sample articles on a PageServer, for the batch and Ray tests' jobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from support.cli import EXAMPLES
from support.pages import PageServer, Resp, Route

PAGES = ("harbor-gazette.html", "coastal-times.html", "northern-ledger.html")


@contextmanager
def article_pages() -> Iterator[PageServer]:
    """``/<name>`` serves each sample article; any other path answers 404."""
    with PageServer() as server:
        for name in PAGES:
            server.add(f"/{name}", Route([Resp(body=(EXAMPLES / name).read_bytes())]))
        yield server
