"""What an eval run stores: per-(case, system) results, run metadata, and the run.

``results.jsonl`` gets one ``CaseResult`` line per finished (case, system),
appended with a single write and fsync, so a crash loses at most the line being
written and a restart skips everything already there.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from summarizer.errors import InputError, OutputError
from summarizer.eval.scoring import ScoredSentence
from summarizer.eval.stats import Interval

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.md"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CaseResult(BaseModel):
    case_id: str
    system: str
    ok: bool
    error: str | None = None
    metrics: dict[str, float | None] = Field(default_factory=dict)
    sentences: list[ScoredSentence] = Field(default_factory=list)
    judge_calls: int = 0
    model_name: str | None = Field(default=None, description="The LLM that answered, if any.")
    finished: str = Field(default_factory=now_iso)


class RunInfo(BaseModel):
    """Everything needed to know what produced the numbers (never an API key)."""

    fingerprint: str
    dataset: str
    dataset_sha256: str
    cases: int
    limit: int | None = None
    systems: list[str]
    case_ids: list[str] = Field(default_factory=list)
    model: str | None = None
    model_name: str | None = Field(default=None, description="As reported by the LLM, if used.")
    base_url: str | None = None
    mode: str
    judge: str
    support_threshold: float
    judge_threshold: float | None = Field(default=None, description="None in older runs.")
    max_citations: int | None
    prompt_hashes: dict[str, str] = Field(default_factory=dict)
    packages: dict[str, str] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    resamples: int
    seed: int
    created: str = Field(default_factory=now_iso)
    updated: str = Field(default_factory=now_iso)


class EvalRun(BaseModel):
    """A finished (or resumed) run: its metadata, results and aggregates with CIs."""

    output_dir: Path
    info: RunInfo
    results: list[CaseResult]
    aggregates: dict[str, dict[str, Interval]] = Field(
        description="system → metric → mean with 95% bootstrap CI"
    )

    @property
    def systems(self) -> list[str]:
        return list(self.info.systems)

    def for_system(self, system: str) -> list[CaseResult]:
        return [r for r in self.results if r.system == system]

    def failures(self, system: str) -> list[CaseResult]:
        return [r for r in self.for_system(system) if not r.ok]

    def judge_calls(self, system: str) -> int:
        return sum(r.judge_calls for r in self.for_system(system))


class ResultStore:
    """Append-only JSONL of ``CaseResult``s that tolerates a torn last line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def drop_torn_tail(self) -> None:
        """A crash mid-append leaves a line without newline: cut it, or the next one glues on."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0:
            return
        with self.path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":
                return
            handle.seek(0)
            keep = handle.read().rfind(b"\n") + 1
            logger.warning("dropping a torn last line of %s", self.path)
            handle.truncate(keep)

    def load(self) -> list[CaseResult]:
        """Every stored result in file order; unreadable lines are skipped with a warning."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {self.path}: {exc}") from exc
        results = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                results.append(CaseResult.model_validate_json(line))
            except ValidationError:
                logger.warning("%s line %d is not a result; ignored", self.path, number)
        return results

    def latest(self) -> dict[tuple[str, str], CaseResult]:
        """The last result per (case, system): a retried failure supersedes the failure."""
        return {(r.case_id, r.system): r for r in self.load()}

    def append(self, result: CaseResult) -> None:
        data = (result.model_dump_json() + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise OutputError(f"cannot append to {self.path}: {exc.strerror}") from exc


def read_run_info(output_dir: Path) -> RunInfo | None:
    path = output_dir / RUN_FILE
    try:
        return RunInfo.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path} is not a run description: {' '.join(str(exc).split())[:200]}"
        ) from exc


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
