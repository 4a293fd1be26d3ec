"""Run systems over a dataset, score them, and write the run folder.

The run folder holds ``run.json`` (what produced the numbers), ``results.jsonl``
(one line per finished case × system, appended as it finishes), ``summary.json``,
``report.md`` and PNG plots. Re-running into the same folder resumes: finished
pairs are read back, not recomputed; failed ones are retried. A folder whose
stored fingerprint (dataset, model, prompts, result-affecting settings, judge)
differs is refused rather than silently mixed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from summarizer import __version__
from summarizer.cache import atomic_write_text, make_key
from summarizer.errors import InputError, NoUsableSourceError, OutputError, SummarizerError
from summarizer.eval.dataset import EvalCase, case_sources, dataset_sha, load_dataset
from summarizer.eval.judges import judge_name, llm_judge
from summarizer.eval.metrics import ALCE_MAX_CITATIONS, Judge
from summarizer.eval.records import (
    RESULTS_FILE,
    RUN_FILE,
    CaseResult,
    EvalRun,
    ResultStore,
    RunInfo,
    dump_json,
    now_iso,
    read_run_info,
)
from summarizer.eval.scoring import METRICS, CountingJudge, score_summary
from summarizer.eval.stats import DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_ci
from summarizer.eval.systems import System, resolve_systems
from summarizer.executors import Executor, LocalExecutor, Task
from summarizer.models import Source
from summarizer.prompts import PROMPTS_DIR, load_prompt
from summarizer.settings import Settings
from summarizer.text.urls import redact_url

if TYPE_CHECKING:
    from summarizer.llm import LLM

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(system, done, total)`` — the same shape as the pipeline's progress."""

# Settings that cannot change what a system writes or how it is scored: changing
# them (timeouts, concurrency, cache location, credentials) keeps a run resumable.
# Every other setting is part of the run fingerprint, including ones added later.
OPERATIONAL_SETTINGS = frozenset(
    {
        "api_key", "home", "cache", "llm_timeout", "llm_retries", "retry_max_wait",
        "llm_concurrency", "local_threads", "local_startup_timeout", "fetch_concurrency",
        "per_host_concurrency", "connect_timeout", "read_timeout", "total_timeout",
        "max_redirects", "fetch_retries", "user_agent", "allow_private", "max_response_bytes",
        "extract_timeout", "retry_timeouts",
        "verify", "drafter",  # set per system (full / freeform / draft)
    }
)  # fmt: skip

PACKAGES = (
    "summarizer", "openai", "instructor", "httpx", "pydantic", "rouge-score", "numpy",
    "trafilatura", "pysbd", "matplotlib", "llama-cpp-python",
)  # fmt: skip


def prompt_hashes() -> dict[str, str]:
    """``name → sha`` of every template in prompts/: a prompt edit shows up in every run."""
    return {path.stem: load_prompt(path.stem).sha for path in sorted(PROMPTS_DIR.glob("*.txt"))}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    versions.setdefault("summarizer", __version__)
    return versions


def _result_settings(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(exclude=set(OPERATIONAL_SETTINGS), mode="json")
    data["base_url"] = redact_url(settings.base_url)
    return data


def make_run_info(
    dataset_path: Path,
    cases: Sequence[EvalCase],
    systems: Sequence[System],
    settings: Settings,
    *,
    judge: str,
    limit: int | None,
    max_citations: int | None,
    resamples: int,
    seed: int,
) -> RunInfo:
    sha = dataset_sha(dataset_path)
    prompts = prompt_hashes()
    result_settings = _result_settings(settings)
    fingerprint = make_key(
        "eval-run", __version__, sha, prompts, result_settings, judge, max_citations
    )
    return RunInfo(
        fingerprint=fingerprint,
        dataset=str(dataset_path),
        dataset_sha256=sha,
        cases=len(cases),
        limit=limit,
        systems=[s.name for s in systems],
        case_ids=[c.id for c in cases],
        model=settings.model,
        base_url=redact_url(settings.base_url),
        mode=settings.mode,
        judge=judge,
        support_threshold=settings.support_threshold,
        judge_threshold=settings.judge_threshold,
        max_citations=max_citations,
        prompt_hashes=prompts,
        packages=package_versions(),
        settings=result_settings,
        resamples=resamples,
        seed=seed,
    )


def default_output_dir(dataset_path: Path, fingerprint: str) -> Path:
    """Deterministic per dataset + configuration, so re-running the same command resumes."""
    return Path("eval-runs") / f"{dataset_path.stem}-{fingerprint[:10]}"


def aggregate(
    results: Sequence[CaseResult], systems: Sequence[str], *, resamples: int, seed: int
) -> dict[str, dict[str, Interval]]:
    """system → metric → bootstrap CI over the cases that system finished without error."""
    table: dict[str, dict[str, Interval]] = {}
    for system in systems:
        ok = [r for r in results if r.system == system and r.ok]
        table[system] = {
            metric: bootstrap_ci(
                [r.metrics.get(metric) for r in ok], resamples=resamples, seed=seed
            )
            for metric in METRICS
        }
    return table


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, SummarizerError):
        return f"{type(exc).__name__}: {exc.one_line()}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]


@dataclass(frozen=True)
class _Worker:
    """What one worker shares across the jobs it runs."""

    llm: LLM | None
    judge: CountingJudge
    sources: _SourceMemo


class _SourceMemo:
    """Each case is ingested once and shared by all systems."""

    def __init__(
        self, settings: Settings, base_dir: Path, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self._settings = settings
        self._base_dir = base_dir
        self._transport = transport
        self._tasks: dict[str, asyncio.Task[list[Source]]] = {}

    async def get(self, case: EvalCase) -> list[Source]:
        task = self._tasks.get(case.id)
        if task is None:
            task = asyncio.ensure_future(
                case_sources(
                    case, self._settings, base_dir=self._base_dir, transport=self._transport
                )
            )
            self._tasks[case.id] = task
        # shield: one system being cancelled must not cancel the shared ingest.
        return await asyncio.shield(task)

    def close(self) -> None:
        for task in self._tasks.values():
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # retrieved: failures were recorded per case already


async def _run_one(
    case: EvalCase,
    system: System,
    settings: Settings,
    llm: LLM | None,
    judge: CountingJudge,
    sources: _SourceMemo,
    max_citations: int | None,
) -> CaseResult:
    counter = judge.counter()
    try:
        case_sources_ = await sources.get(case)
        if not any(s.ok for s in case_sources_):
            reasons = "; ".join(f"{s.url}: {s.error}" for s in case_sources_[:3])
            raise NoUsableSourceError(f"no usable source in case {case.id!r} ({reasons})")
        started = time.perf_counter()
        summary = await system.run(case_sources_, settings, llm if system.needs_llm else None)
        seconds = time.perf_counter() - started
        metrics, sentences = await score_summary(
            summary, case.summary, counter, settings, seconds=seconds, max_citations=max_citations
        )
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except SummarizerError as exc:
        logger.warning("case %s, system %s failed: %s", case.id, system.name, exc.one_line())
        return CaseResult(
            case_id=case.id, system=system.name, ok=False, error=_error_text(exc),
            judge_calls=counter.calls,
        )  # fmt: skip
    except Exception as exc:  # a bug in one system must not cost the other cases
        logger.exception("case %s, system %s crashed", case.id, system.name)
        return CaseResult(
            case_id=case.id, system=system.name, ok=False, error=_error_text(exc),
            judge_calls=counter.calls,
        )  # fmt: skip
    return CaseResult(
        case_id=case.id, system=system.name, ok=True, metrics=metrics, sentences=sentences,
        judge_calls=counter.calls, model_name=llm.model_name if llm is not None else None,
    )  # fmt: skip


def _check_resumable(output_dir: Path, info: RunInfo) -> RunInfo:
    """Keep the first creation date; refuse a folder holding another configuration's results."""
    previous = read_run_info(output_dir)
    if previous is None:
        if (output_dir / RESULTS_FILE).exists():
            raise InputError(
                f"{output_dir} has {RESULTS_FILE} but no {RUN_FILE}; use a new --output"
            )
        return info
    if previous.fingerprint != info.fingerprint:
        changed = [
            name
            for name, a, b in (
                ("dataset", previous.dataset_sha256, info.dataset_sha256),
                ("prompts", previous.prompt_hashes, info.prompt_hashes),
                ("settings", previous.settings, info.settings),
                ("judge", previous.judge, info.judge),
                ("max_citations", previous.max_citations, info.max_citations),
            )
            if a != b
        ] or ["package version"]
        raise InputError(
            f"{output_dir} holds a run with different {', '.join(changed)}; "
            "pass a new --output to start a separate run"
        )
    return info.model_copy(update={"created": previous.created, "model_name": previous.model_name})


def write_run_info(output_dir: Path, info: RunInfo) -> None:
    try:
        atomic_write_text(
            output_dir / RUN_FILE, dump_json(info.model_dump(mode="json")), public=True
        )
    except OSError as exc:
        raise OutputError(f"cannot write {output_dir / RUN_FILE}: {exc.strerror}") from exc


async def run_eval(
    dataset_path: Path,
    systems: Sequence[str | System] | None,
    settings: Settings,
    output_dir: Path | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    *,
    llm: LLM | None = None,
    judge: Judge | None = None,
    concurrency: int | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_citations: int | None = ALCE_MAX_CITATIONS,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    write_reports: bool = True,
    executor: Executor | None = None,
) -> EvalRun:
    """Run ``systems`` on the dataset's first ``limit`` cases and write the run folder.

    ``llm``: the LLM for the pipeline systems and the default judge; opened with
    ``open_llm(settings)`` only when something still needs it. ``judge``: the
    citation judge (default: the verifier's LLM judge). ``concurrency``: how
    many case × system pairs run at once (default ``settings.llm_concurrency``) on
    the default ``LocalExecutor``; ``executor`` runs them elsewhere.
    """
    cases = load_dataset(dataset_path, limit=limit)
    chosen = resolve_systems(systems)
    label = judge_name(judge) if judge is not None else "llm"
    info = make_run_info(
        dataset_path, cases, chosen, settings, judge=label, limit=limit,
        max_citations=max_citations, resamples=resamples, seed=seed,
    )  # fmt: skip
    output_dir = output_dir or default_output_dir(dataset_path, info.fingerprint)
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(f"--output {output_dir} is a file, not a folder")
    info = _check_resumable(output_dir, info)
    write_run_info(output_dir, info)

    store = ResultStore(output_dir / RESULTS_FILE)
    store.drop_torn_tail()
    done = {key for key, r in store.latest().items() if r.ok}
    todo = [(c, s) for c in cases for s in chosen if (c.id, s.name) not in done]
    totals = {s.name: len(cases) for s in chosen}
    finished = {s.name: sum(1 for c in cases if (c.id, s.name) in done) for s in chosen}
    if progress is not None:
        for name in totals:
            progress(name, finished[name], totals[name])
    logger.info("%d of %d case × system pairs to run", len(todo), len(cases) * len(chosen))

    @asynccontextmanager
    async def open_worker() -> AsyncIterator[_Worker]:
        nonlocal info
        async with AsyncExitStack() as stack:
            model = llm
            needs_llm = judge is None or any(s.needs_llm for _, s in todo)
            if needs_llm and model is None:
                from summarizer.llm import open_llm

                model = await stack.enter_async_context(open_llm(settings))
            if model is not None and info.model_name is None:
                info = info.model_copy(update={"model_name": model.model_name})
                write_run_info(output_dir, info)
            chosen_judge = judge
            if chosen_judge is None:
                assert model is not None
                chosen_judge = llm_judge(model, settings)
            memo = _SourceMemo(settings, dataset_path.parent, transport)
            stack.callback(memo.close)
            yield _Worker(model, CountingJudge(chosen_judge), memo)

    async def run_job(worker: _Worker, job: tuple[EvalCase, System]) -> CaseResult:
        case, system = job
        return await _run_one(
            case, system, settings, worker.llm, worker.judge, worker.sources, max_citations
        )

    def finished_one(job: tuple[EvalCase, System], result: CaseResult) -> None:
        system = job[1]
        store.append(result)
        finished[system.name] += 1
        if progress is not None:
            progress(system.name, finished[system.name], totals[system.name])

    runner = executor or LocalExecutor(concurrency or settings.llm_concurrency)
    await runner.run(Task(open_worker, run_job), todo, finished_one)

    wanted = {c.id for c in cases}
    names = [s.name for s in chosen]
    order = {c.id: i for i, c in enumerate(cases)}
    results = sorted(
        (r for (cid, sys), r in store.latest().items() if cid in wanted and sys in names),
        key=lambda r: (names.index(r.system), order[r.case_id]),
    )
    if info.model_name is None:  # opened in another process (Ray): the results say which
        answered = [r.model_name for r in results if r.model_name]
        info = info.model_copy(update={"model_name": answered[0] if answered else None})
    info = info.model_copy(update={"updated": now_iso()})
    write_run_info(output_dir, info)
    run = EvalRun(
        output_dir=output_dir,
        info=info,
        results=results,
        aggregates=aggregate(results, names, resamples=resamples, seed=seed),
    )
    if write_reports:
        from summarizer.eval.report import write_reports as write_all

        write_all(run)
    return run


def load_run(output_dir: Path) -> EvalRun:
    """Read a run folder back (for ``compare`` and re-rendering), recomputing the aggregates."""
    info = read_run_info(output_dir)
    if info is None:
        raise InputError(f"{output_dir} is not an eval run folder (no {RUN_FILE})")
    latest = ResultStore(output_dir / RESULTS_FILE).latest()
    wanted = set(info.case_ids)
    order = {cid: i for i, cid in enumerate(info.case_ids)}
    systems = list(info.systems)
    results = sorted(
        (r for (cid, sys), r in latest.items() if cid in wanted and sys in systems),
        key=lambda r: (systems.index(r.system), order[r.case_id]),
    )
    return EvalRun(
        output_dir=output_dir,
        info=info,
        results=results,
        aggregates=aggregate(results, systems, resamples=info.resamples, seed=info.seed),
    )
