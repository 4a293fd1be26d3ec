"""The ingest stage: inputs (URLs, files) → ``Source`` objects with segmented text.

``ingest`` never raises for one bad source: each failure is recorded on its
``Source.error`` and the others go on. Usable sources get IDs ``0..k-1`` in
input order and failed ones follow, so the IDs a brief cites are dense and a
reader's reference list starts with what was actually used. Duplicates (the
same normalized URL or file, or the same extracted text) are dropped, not
reported as failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx

from summarizer.errors import ExtractionError, InputError, NoUsableSourceError, SourceError
from summarizer.ingest.extract import Extracted, Page, extract_page
from summarizer.ingest.fetch import Fetcher
from summarizer.ingest.inputs import (
    Input,
    InputKind,
    collect_inputs,
    load_file,
    unique_inputs,
)
from summarizer.ingest.segment import segment
from summarizer.models import Passage, Source
from summarizer.settings import Settings
from summarizer.text.clean import one_line
from summarizer.text.sentences import passage_spans
from summarizer.text.urls import displayable, normalize_url, without_credentials

__all__ = [
    "collect_inputs",
    "extract_page",
    "ingest",
    "make_source",
    "normalize_url",
    "segment",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

Progress = Callable[[str, int, int], None]
_REASONS_IN_ERROR = 3


def make_source(
    id: int,
    text: str,
    *,
    url: str = "",
    title: str | None = None,
    outlet: str | None = None,
    published: str | None = None,
    author: str | None = None,
    final_url: str | None = None,
) -> Source:
    """A ``Source`` for ``text`` as given, segmented into passages with exact offsets."""
    return Source(
        id=id,
        url=url,
        final_url=final_url,
        title=title,
        outlet=outlet,
        published=published,
        author=author,
        text=text,
        passages=segment(text, id),
    )


@dataclass
class _Outcome:
    item: Input
    extracted: Extracted | None = None
    spans: list[tuple[int, int]] | None = None
    final_url: str | None = None
    error: str | None = None


def _process(page: Page) -> tuple[Extracted, list[tuple[int, int]]]:
    # CPU-bound (lxml, pysbd): runs in a worker thread so fetches keep flowing.
    extracted = extract_page(page)
    return extracted, passage_spans(extracted.text)


async def _extract(page: Page, settings: Settings) -> tuple[Extracted, list[tuple[int, int]]]:
    """``_process`` in a daemon thread under ``settings.extract_timeout``.

    The patterns are linear, but the budget is the backstop for whatever a parser
    does with hostile input: the source fails with a reason and the others go on.
    A daemon thread, not the default executor, so neither Ctrl-C nor the end of
    the run waits for a parse that never finishes.
    """
    try:
        async with asyncio.timeout(settings.extract_timeout):
            return await in_daemon_thread(_process, page)
    except TimeoutError as exc:
        raise ExtractionError(
            f"extraction took longer than {settings.extract_timeout:g}s; skipped"
        ) from exc


def in_daemon_thread(fn: Callable[[Page], T], arg: Page) -> asyncio.Future[T]:
    """Run ``fn(arg)`` in a new daemon thread; the future resolves on this loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(setter: Callable[[], None]) -> None:
        if not future.done():
            setter()

    def target() -> None:
        try:
            result = fn(arg)
        except BaseException as exc:  # handed to the awaiting coroutine
            error = exc
            call = lambda: deliver(lambda: future.set_exception(error))  # noqa: E731
        else:
            call = lambda: deliver(lambda: future.set_result(result))  # noqa: E731
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(call)

    threading.Thread(target=target, name="summarizer-extract", daemon=True).start()
    return future


def _fingerprint(text: str) -> str:
    return " ".join(text.split()).casefold()


async def ingest(
    inputs: Sequence[str],
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
) -> list[Source]:
    """Fetch/read, extract and segment every input; see the module docstring for the rules.

    ``progress(input, done, total)`` is called as each unique input finishes.
    Raises ``InputError`` for an empty list and ``NoUsableSourceError`` when no
    source could be used.
    """
    items = unique_inputs(inputs)
    if not items:
        raise InputError("no sources given")
    total = len(items)
    done = 0
    # One extraction at a time: on a small machine parallel lxml parses only
    # fight over the cores, while fetches overlap with extraction anyway.
    extract_slot = asyncio.Semaphore(1)

    async with Fetcher(settings, transport=transport) as fetcher:

        async def run(item: Input) -> _Outcome:
            nonlocal done
            outcome = _Outcome(item)
            try:
                if item.kind is InputKind.URL:
                    page = await fetcher.fetch(item.raw)
                    outcome.final_url = page.final_url
                else:
                    page = await asyncio.to_thread(load_file, item.raw, settings.max_bytes)
                async with extract_slot:
                    outcome.extracted, outcome.spans = await _extract(page, settings)
            except SourceError as exc:
                outcome.error = exc.reason
            except Exception as exc:  # a bug in a parser must cost one source, not the run
                logger.warning("unexpected error on %s", _shown(item.raw), exc_info=True)
                outcome.error = f"unexpected error ({type(exc).__name__}: {exc})"
            if outcome.error:
                # Reported once, by the caller (Source.error; the CLI's "skipped" line).
                logger.info("source %s failed: %s", _shown(item.raw), outcome.error)
            done += 1
            if progress is not None:
                progress(item.raw, done, total)
            return outcome

        outcomes = await asyncio.gather(*(run(item) for item in items))

    usable: list[_Outcome] = []
    failed: list[_Outcome] = []
    seen_text: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.error is not None or outcome.extracted is None:
            failed.append(outcome)
            continue
        fingerprint = _fingerprint(outcome.extracted.text)
        if fingerprint in seen_text:
            logger.info(
                "skipping %s: same text as %s",
                _shown(outcome.item.raw),
                _shown(seen_text[fingerprint]),
            )
            continue
        seen_text[fingerprint] = outcome.item.raw
        usable.append(outcome)

    if not usable:
        reasons = "; ".join(f"{_shown(o.item.raw)}: {o.error}" for o in failed[:_REASONS_IN_ERROR])
        more = (
            f" (and {len(failed) - _REASONS_IN_ERROR} more)"
            if len(failed) > _REASONS_IN_ERROR
            else ""
        )
        raise NoUsableSourceError(f"none of the {total} sources could be used: {reasons}{more}")

    sources: list[Source] = []
    for source_id, outcome in enumerate(usable):
        assert outcome.extracted is not None and outcome.spans is not None
        extracted = outcome.extracted
        sources.append(
            Source(
                id=source_id,
                url=displayable(without_credentials(outcome.item.raw)),
                final_url=without_credentials(outcome.final_url) if outcome.final_url else None,
                title=extracted.title,
                outlet=extracted.outlet,
                published=extracted.published,
                author=extracted.author,
                text=extracted.text,
                passages=Passage.from_spans(extracted.text, source_id, outcome.spans),
            )
        )
    for offset, outcome in enumerate(failed):
        sources.append(
            Source(
                id=len(usable) + offset,
                url=displayable(without_credentials(outcome.item.raw)),
                error=outcome.error,
            )
        )
    logger.info("ingest: %d usable, %d failed of %d inputs", len(usable), len(failed), total)
    return sources


def _shown(raw: str) -> str:
    """A list entry as it may appear in a log line: one line, no controls, no credentials."""
    return one_line(displayable(without_credentials(raw)))
