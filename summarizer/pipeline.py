"""The pipeline: ingest → plan → write → verify → repair, and the public ``summarize`` API.

With ``drafter="freeform"`` the plan and write steps are one free-form draft call.

Stages are functions over the models in ``summarizer.models``; this module only
sequences them and reports progress. I/O happens at the seams it is handed: an
httpx transport for fetching, a model (``summarizer.llm.seam.Model``) for the
rest. Cost and time are counted by a usage meter around each stage, per call,
so ``Summary.stats.stages`` says what each stage cost and the totals add up.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from summarizer.draft import draft_summary, write_brief
from summarizer.errors import NoUsableSourceError
from summarizer.ingest import ingest
from summarizer.llm import open_llm
from summarizer.llm.seam import Model
from summarizer.llm.usage import UsageMeter
from summarizer.models import Source, Summary
from summarizer.plan import plan_brief
from summarizer.settings import Settings
from summarizer.text.urls import redact_url
from summarizer.verify import repair_summary, verify_summary

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as each stage advances."""

SourceInput = str | Path | Source


async def summarize_sources(
    sources: list[Source],
    settings: Settings,
    llm: Model,
    progress: Progress | None = None,
    *,
    meter: UsageMeter | None = None,
) -> Summary:
    """Draft a cited brief from ready sources, then verify and repair it per settings.

    ``meter`` counts the stages' model calls and time (a new one when not given);
    ``Summary.stats`` is what it counted.
    """
    usable = [s for s in sources if s.ok]
    if not usable:
        reasons = "; ".join(f"{s.url}: {s.error}" for s in sources[:3])
        raise NoUsableSourceError(f"none of the {len(sources)} sources could be used ({reasons})")
    meter = meter or UsageMeter()

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    plan = None
    if settings.drafter == "plan":
        with meter.stage("plan"):
            plan = plan_brief(sources, settings)
    with meter.stage("draft"):
        tick("draft", 0, 1)
        if plan is not None:
            summary = await write_brief(plan, sources, llm, settings)
        else:
            summary = await draft_summary(sources, llm, settings)
        tick("draft", 1, 1)
    if settings.verify:
        with meter.stage("verify"):
            summary = await verify_summary(
                summary, llm, settings, progress=lambda done, total: tick("verify", done, total)
            )
        with meter.stage("repair"):
            tick("repair", 0, 1)
            summary = await repair_summary(summary, llm, settings)
            tick("repair", 1, 1)
    return summary.model_copy(update={"stats": meter.stats(), "model": llm.model_name})


def _stage(progress: Progress | None, stage: str) -> Callable[[str, int, int], None] | None:
    """Ingest reports progress per input; the caller sees it as one stage."""
    if progress is None:
        return None
    report = progress
    return lambda _item, done, total: report(stage, done, total)


def _as_input(item: SourceInput) -> str:
    return str(item)


async def asummarize(
    sources: Sequence[SourceInput],
    *,
    settings: Settings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    http_client: httpx.AsyncClient | None = None,
    progress: Progress | None = None,
    llm: Model | None = None,
    **options: Any,
) -> Summary:
    """Fetch, extract, draft, verify and repair: the whole job, asynchronously.

    ``sources`` are URLs, local file paths, or ready ``Source`` objects (IDs are
    reassigned in the order given). ``options`` override settings fields, e.g.
    ``summarize(urls, target_sentences=4, on_unsupported="remove")``. ``llm``: a
    model already open (a batch worker shares one across its jobs); by default
    one is opened for ``settings`` and closed again.
    """
    settings = (settings or Settings()).with_overrides(**options)
    total_started = time.perf_counter()
    meter = UsageMeter()

    ready = [_segmented(s) for s in sources if isinstance(s, Source)]
    inputs = [_as_input(s) for s in sources if not isinstance(s, Source)]
    with meter.stage("ingest"):
        fetched = (
            await ingest(inputs, settings, transport=transport, progress=_stage(progress, "fetch"))
            if inputs
            else []
        )
    all_sources = _renumber([*ready, *fetched])

    async with AsyncExitStack() as stack:
        if llm is None:
            llm = await stack.enter_async_context(open_llm(settings, http_client=http_client))
        summary = await summarize_sources(
            all_sources, settings, llm, progress=progress, meter=meter
        )
    summary.stats.add_time("total", time.perf_counter() - total_started)
    # The draft's own record (what the context budget showed) is kept, not overwritten.
    summary.options = {**_public_options(settings), **summary.options}
    return summary


def _segmented(source: Source) -> Source:
    """A ready source with text but no passages is segmented as ingest would have."""
    return source if source.passages else source.model_copy(update={"passages": source.segmented()})


def _renumber(sources: list[Source]) -> list[Source]:
    """Usable sources get IDs 0..k-1 in order; failed ones follow, so references stay dense."""
    ordered = [s for s in sources if s.ok] + [s for s in sources if not s.ok]
    renumbered = []
    for new_id, src in enumerate(ordered):
        passages = [p.model_copy(update={"source_id": new_id}) for p in src.passages]
        renumbered.append(src.model_copy(update={"id": new_id, "passages": passages}))
    return renumbered


def _public_options(settings: Settings) -> dict[str, Any]:
    """The settings worth recording with a result (never the API key)."""
    keep = (
        "base_url",
        "model",
        "mode",
        "drafter",
        "temperature",
        "target_sentences",
        "target_words",
        "focus",
        "language",
        "verify",
        "on_unsupported",
        "support_threshold",
    )
    data = settings.model_dump(include=set(keep))
    data["base_url"] = redact_url(settings.base_url)  # a key can travel in the URL
    return {k: v for k, v in data.items() if v is not None}


def summarize(sources: Sequence[SourceInput], **kwargs: Any) -> Summary:
    """Synchronous ``asummarize``; also works inside a running event loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(asummarize(sources, **kwargs))

    # A notebook already runs a loop in this thread: run ours in a worker thread.
    result: list[Summary] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(asyncio.run(asummarize(sources, **kwargs)))
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=worker, name="summarizer")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
