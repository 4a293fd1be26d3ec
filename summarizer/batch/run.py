"""Run a jobs file: one brief per job, on an executor, into a resumable output folder.

The folder holds, per finished job, ``<id>.json`` (the full result, exactly what
``summarize -f json`` writes, so ``render`` and ``check`` read it) and ``<id>.md``,
plus ``index.jsonl``: one record per job of the jobs file (status, error, sources
used, sentences, citations, seconds, LLM calls, the content hash, which worker ran
it). The index is rewritten atomically after every job, so an interrupted run
leaves a consistent folder; re-running the same command skips every job whose
record is ``ok`` with the same content hash and whose result file is there, and
retries the rest. A job that fails is recorded with its reason and the run goes on.

Workers share one model client each (``open_llm`` for the run's settings): with
``--engine local`` one for the whole run, on Ray one per worker process. Results
come back to this process, the only one that writes into the folder.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from summarizer.batch.jobs import BatchJob, load_jobs
from summarizer.cache import atomic_write_text
from summarizer.errors import InputError, OutputError, SummarizerError
from summarizer.executors import Executor, Task, make_executor
from summarizer.models import Status, Summary
from summarizer.settings import Settings
from summarizer.text.clean import one_line

if TYPE_CHECKING:
    from summarizer.llm import LLM

logger = logging.getLogger(__name__)

INDEX_FILE = "index.jsonl"
_VERIFIED = (Status.SUPPORTED, Status.REPAIRED)


class JobRecord(BaseModel):
    """One line of ``index.jsonl``: what became of one job."""

    id: str
    status: Literal["ok", "failed"]
    error: str | None = None
    line: int = Field(description="Line of the job in the jobs file.")
    hash: str = Field(description="Content hash: sources, settings, prompts, version.")
    sources: int = Field(description="Sources the job gave.")
    usable_sources: int = 0
    skipped_sources: list[str] = Field(
        default_factory=list, description="'source: reason' for each source that was not used."
    )
    sentences: int = Field(default=0, description="Sentences shown in the brief.")
    verified: int = Field(default=0, description="Of those, supported or repaired.")
    cited_sources: list[int] = Field(default_factory=list)
    seconds: float = 0.0
    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    result: str | None = Field(default=None, description="The result file, in the folder.")
    worker: str = Field(default="", description="host:pid of the process that ran it.")
    finished: str = ""


@dataclass(frozen=True)
class JobOutcome:
    """What a worker sends back: the record and, when there is one, the brief."""

    record: JobRecord
    summary: Summary | None = None


@dataclass
class BatchReport:
    """A finished run: the index records of every job, and what this run did."""

    output_dir: Path
    records: list[JobRecord]
    ran: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failed: list[JobRecord] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(1 for r in self.records if r.status == "ok")

    @property
    def index(self) -> Path:
        return self.output_dir / INDEX_FILE


@dataclass(frozen=True)
class OpenModel:
    """A worker's context: one model client for all its jobs (picklable, for Ray)."""

    settings: Settings

    def __call__(self) -> AbstractAsyncContextManager[LLM]:
        from summarizer.llm import open_llm

        return open_llm(self.settings)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _error_text(exc: BaseException) -> str:
    text = exc.one_line() if isinstance(exc, SummarizerError) else one_line(str(exc))
    return f"{type(exc).__name__}: {text}"[:500]


async def run_job(llm: LLM, job: BatchJob) -> JobOutcome:
    """One brief; every failure becomes a failed record, never an exception."""
    from summarizer.pipeline import asummarize

    started = time.perf_counter()
    base = JobRecord(
        id=job.id, status="failed", line=job.line, hash=job.hash, sources=len(job.sources),
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )  # fmt: skip
    try:
        summary = await asummarize(
            list(job.sources), settings=job.settings, llm=llm, progress=False
        )
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except SummarizerError as exc:
        logger.info("job %s failed: %s", job.id, exc.one_line())  # the caller reports it
        return JobOutcome(_finish(base, started, error=_error_text(exc)))
    except Exception as exc:  # a bug met by one job must not cost the others
        logger.exception("job %s crashed", job.id)
        return JobOutcome(_finish(base, started, error=_error_text(exc)))
    shown = summary.shown_sentences
    error = None
    if summary.sentences and not shown:
        error = (
            f"all {len(summary.sentences)} sentences were removed as unsupported; "
            "nothing is left to show"
        )
    record = base.model_copy(
        update={
            "usable_sources": sum(1 for s in summary.sources if s.ok),
            "skipped_sources": [f"{s.url}: {s.error}" for s in summary.sources if s.error],
            "sentences": len(shown),
            "verified": sum(1 for s in shown if s.status in _VERIFIED),
            "cited_sources": summary.cited_sources(),
            "llm_calls": summary.stats.llm_calls,
            "cache_hits": summary.stats.cache_hits,
            "prompt_tokens": summary.stats.prompt_tokens,
            "completion_tokens": summary.stats.completion_tokens,
        }
    )
    return JobOutcome(_finish(record, started, error=error), summary)


def _finish(record: JobRecord, started: float, *, error: str | None) -> JobRecord:
    return record.model_copy(
        update={
            "status": "failed" if error else "ok",
            "error": error,
            "seconds": round(time.perf_counter() - started, 3),
            "finished": _now(),
        }
    )


class _Folder:
    """The output folder: result files and the index, written only by this process."""

    def __init__(self, path: Path, jobs: Sequence[BatchJob]) -> None:
        if path.exists() and not path.is_dir():
            raise InputError(f"--output {path} is a file, not a folder")
        self.path = path
        self.order = [job.id for job in jobs]
        self.records = {r.id: r for r in self._read_index() if r.id in set(self.order)}

    def _read_index(self) -> list[JobRecord]:
        try:
            lines = (self.path / INDEX_FILE).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {self.path / INDEX_FILE}: {exc}") from exc
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(JobRecord.model_validate_json(line))
            except ValidationError:
                logger.warning("%s line %d is not a job record; ignored", INDEX_FILE, number)
        return records

    def done(self, job: BatchJob) -> bool:
        """Finished before with the same content, and its result is still there."""
        record = self.records.get(job.id)
        return (
            record is not None
            and record.status == "ok"
            and record.hash == job.hash
            and record.result is not None
            and (self.path / record.result).is_file()
        )

    def store(self, outcome: JobOutcome) -> JobRecord:
        from summarizer.render import render

        record = outcome.record
        json_path, md_path = self.path / f"{record.id}.json", self.path / f"{record.id}.md"
        try:
            if outcome.summary is not None:
                atomic_write_text(json_path, render(outcome.summary, "json"), public=True)
                atomic_write_text(md_path, render(outcome.summary, "markdown"), public=True)
                record = record.model_copy(update={"result": json_path.name})
            else:  # an earlier result of this id no longer answers the job as it stands
                json_path.unlink(missing_ok=True)
                md_path.unlink(missing_ok=True)
            self.records[record.id] = record
            self.write_index()
        except OSError as exc:
            raise OutputError(f"cannot write into {self.path}: {exc.strerror or exc}") from exc
        return record

    def write_index(self) -> None:
        lines = [self.records[i].model_dump_json() for i in self.order if i in self.records]
        try:
            atomic_write_text(self.path / INDEX_FILE, "".join(f"{x}\n" for x in lines), public=True)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path / INDEX_FILE}: {exc.strerror}") from exc


Progress = Callable[[str, int, int], None]
"""``progress("jobs", done, total)``."""


async def run_batch(
    jobs_path: Path,
    settings: Settings,
    output_dir: Path,
    *,
    engine: str = "local",
    concurrency: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    on_record: Callable[[JobRecord], None] | None = None,
) -> BatchReport:
    """Run every job of ``jobs_path`` not already done into ``output_dir``.

    ``engine``: ``local`` (asyncio in this process, ``concurrency`` jobs at once,
    default 1) or ``ray`` (``concurrency`` workers, default one per CPU of the Ray
    cluster); ``executor`` overrides both. ``on_record`` sees each record as its
    job finishes (the CLI reports failures with it).
    """
    started = time.perf_counter()
    jobs = load_jobs(jobs_path, settings)
    runner = executor or make_executor(engine, concurrency)
    folder = _Folder(output_dir, jobs)
    todo = [job for job in jobs if not folder.done(job)]
    report = BatchReport(output_dir, [], skipped=len(jobs) - len(todo))
    logger.info("%d of %d jobs to run (%d already done)", len(todo), len(jobs), report.skipped)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {output_dir}: {exc.strerror}") from exc
    folder.write_index()  # records of jobs no longer in the file are dropped now

    done = report.skipped
    if progress is not None:
        progress("jobs", done, len(jobs))

    # Jobs running at once in one process share its client: let their calls overlap.
    llm_settings = settings
    if engine == "local" and executor is None and concurrency:
        llm_settings = settings.with_overrides(
            llm_concurrency=max(settings.llm_concurrency, concurrency)
        )

    def finished(job: BatchJob, outcome: JobOutcome) -> None:
        nonlocal done
        record = folder.store(outcome)
        report.ran += 1
        if record.status == "failed":
            report.failed.append(record)
        done += 1
        if progress is not None:
            progress("jobs", done, len(jobs))
        if on_record is not None:
            on_record(record)

    await runner.run(Task(OpenModel(llm_settings), run_job), todo, finished)
    report.records = [folder.records[i] for i in folder.order if i in folder.records]
    report.seconds = time.perf_counter() - started
    return report
