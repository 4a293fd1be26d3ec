"""The pipeline: ingest → plan → write → verify → repair, and the public ``summarize`` API.

With ``drafter="freeform"`` the plan and write steps are one free-form draft call.

Stages are functions over the models in ``summarizer.models``; this module only
sequences them and reports progress. I/O happens at the seams it is handed: an
httpx transport for fetching, a model (``summarizer.llm.seam.Model``) for the
rest. Cost and time are counted by a usage meter around each stage, per call,
so ``Summary.stats.stages`` says what each stage cost and the totals add up.

``summarize`` is the synchronous form for scripts and notebooks: inside a running
event loop (a Jupyter cell) it runs the job on its own loop in a worker thread,
stays interruptible (the kernel's interrupt cancels the job and waits for it to
stop), shows progress in the cell, and raises errors without the thread's frames.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import httpx

from summarizer.draft import draft_summary, write_brief
from summarizer.errors import NoUsableSourceError, SummarizerError
from summarizer.ingest import ingest
from summarizer.llm import open_llm
from summarizer.llm.seam import Model
from summarizer.llm.usage import UsageMeter
from summarizer.models import Source, Summary
from summarizer.plan import plan_brief
from summarizer.render.notebook import NotebookProgress, TerminalProgress, in_notebook
from summarizer.settings import Settings
from summarizer.text.urls import redact_url
from summarizer.verify import repair_summary, verify_summary

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as each stage advances."""

ProgressOption = bool | Progress | None
"""What ``summarize(progress=...)`` takes: None shows progress only in a notebook,
True also on a terminal (rich bars on stderr), False never; a callable gets the calls."""

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
    progress: ProgressOption = None,
    llm: Model | None = None,
    **options: Any,
) -> Summary:
    """Fetch, extract, draft, verify and repair: the whole job, asynchronously.

    ``sources`` are URLs, local file paths, or ready ``Source`` objects (IDs are
    reassigned in the order given). ``options`` override settings fields, e.g.
    ``summarize(urls, target_sentences=4, on_unsupported="remove")``. ``progress``:
    see ``ProgressOption`` (by default a display in notebooks, nothing elsewhere).
    ``llm``: a model already open (a batch worker shares one across its jobs); by
    default one is opened for ``settings`` and closed again.
    """
    settings = (settings or Settings()).with_overrides(**options)
    with progress_display(progress) as report:
        return await _asummarize(sources, settings, transport, http_client, report, llm)


async def _asummarize(
    sources: Sequence[SourceInput],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    http_client: httpx.AsyncClient | None,
    progress: Progress | None,
    llm: Model | None = None,
) -> Summary:
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


@contextmanager
def progress_display(progress: ProgressOption) -> Iterator[Progress | None]:
    """The progress callback for ``progress``: a callable as given, else a display or none."""
    if callable(progress):
        yield progress
        return
    notebook = in_notebook()
    if progress is False or (progress is None and not notebook):
        yield None
        return
    with NotebookProgress() if notebook else TerminalProgress() as view:
        yield view


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


def summarize(
    sources: Sequence[SourceInput], *, progress: ProgressOption = None, **kwargs: Any
) -> Summary:
    """Synchronous ``asummarize``; also works inside a running event loop (Jupyter).

    A ``SummarizerError`` is raised afresh here, its message one line, without the
    frames of the event loop or worker thread it came through (the full traceback is
    logged at DEBUG). Ctrl-C (or the kernel's interrupt) cancels the job and raises
    ``KeyboardInterrupt`` once it has stopped. ``progress``: see ``ProgressOption``.
    """
    try:
        return _summarize(sources, progress, kwargs)
    except SummarizerError as exc:
        logger.debug("summarize failed", exc_info=exc)
        raise exc.with_traceback(None) from None


def _summarize(
    sources: Sequence[SourceInput], progress: ProgressOption, kwargs: dict[str, Any]
) -> Summary:
    _Job.wait_for_interrupted()
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a script: asyncio.run cancels the job itself on Ctrl-C
        return asyncio.run(asummarize(sources, progress=progress, **kwargs))

    # A notebook already runs a loop in this thread: run ours in a worker thread, and
    # report its progress from this one (where the cell's display lives).
    events: queue.SimpleQueue[tuple[str, int, int]] = queue.SimpleQueue()
    with progress_display(progress) as report:
        job = _Job(lambda: asummarize(sources, progress=_forward(events), **kwargs))
        job.start()
        try:
            while job.running(timeout=0.1):
                _drain(events, report)
        except BaseException:  # interrupted, or the progress callback failed
            job.stop()
            raise
        _drain(events, report)
        return job.outcome()


def _forward(events: queue.SimpleQueue[tuple[str, int, int]]) -> Progress:
    return lambda stage, done, total: events.put((stage, done, total))


def _drain(events: queue.SimpleQueue[tuple[str, int, int]], report: Progress | None) -> None:
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return
        if report is not None:
            report(*event)


class _Job:
    """One ``summarize`` run on its own event loop in a worker thread, cancellable from outside.

    A job whose caller was interrupted again while it was stopping is remembered, and
    the next ``summarize`` waits for it: two jobs never run at once by accident.
    """

    _interrupted: ClassVar[list[_Job]] = []
    _registry: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, work: Callable[[], Coroutine[Any, Any, Summary]]) -> None:
        self._work = work
        self._task: asyncio.Task[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancelled = False
        self._state = threading.Lock()  # the task and loop, set in the worker, read here
        self._result: Summary | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="summarizer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            self._result = asyncio.run(self._main())
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc
        finally:
            self._done.set()

    async def _main(self) -> Summary:
        with self._state:
            if self._cancelled:
                raise asyncio.CancelledError
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
        return await self._work()

    def running(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds (interruptibly); True while the job runs.

        An event, not ``Thread.join``: before Python 3.13 a join interrupted by Ctrl-C
        can mark a thread that is still running as stopped.
        """
        return not self._done.wait(timeout)

    def cancel(self) -> None:
        with self._state:
            self._cancelled = True
            if self._loop is not None and self._task is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._task.cancel)

    def stop(self) -> None:
        """Cancel and wait until the worker has ended; interrupted again, leave it noted."""
        self.cancel()
        logger.info("stopping the summarize job")
        try:
            while self.running(timeout=0.1):
                pass
        except BaseException:
            with self._registry:
                self._interrupted.append(self)
            raise

    def outcome(self) -> Summary:
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    @classmethod
    def wait_for_interrupted(cls) -> None:
        """Let an interrupted job finish stopping before a new one starts."""
        with cls._registry:
            pending = [job for job in cls._interrupted if not job._done.is_set()]
            cls._interrupted[:] = pending
        for job in pending:
            logger.warning("waiting for the interrupted summarize job to stop")
            job.stop()
