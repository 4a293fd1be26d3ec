"""Batch jobs files: JSONL, one brief per line, all validated before any work starts.

A line is ``{"id": "...", "sources": ["https://...", "notes/b.md"], "options": {...}}``.
``options`` are the brief's settings (``sentences``, ``words``, ``focus``,
``language``, ``on_unsupported``, ``verify``, ``drafter``, verifier thresholds…),
checked through ``Settings.with_overrides`` like every other option, so a typo gets
a did-you-mean. Settings of the whole run (endpoint, model, cache, timeouts) are
refused per job: every job of a worker shares one model client, so a per-job
``model`` or ``temperature`` could not be honoured, only silently ignored.

A malformed line stops the run before it starts (exit 2, file and line number): a
typo on line 900 should not surface after 899 briefs. Relative paths are
resolved against the jobs file's folder. Each job gets a content hash (its
sources, its effective settings, the prompts and the package version): a re-run
skips the jobs whose finished result carries the same hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer import __version__
from summarizer.cache import make_key
from summarizer.errors import ConfigError, InputError
from summarizer.ingest.inputs import InputKind, classify, json_object, json_type, read_jsonl_records
from summarizer.prompts import PROMPTS_DIR, load_prompt
from summarizer.settings import Settings
from summarizer.text.urls import redact_url

# The CLI's flag names, accepted as well as the settings' own.
OPTION_ALIASES = {"sentences": "target_sentences", "words": "target_words"}

# Settings that belong to the whole run: the shared model client and its endpoint,
# caches, the embedded server. A job naming one is refused (see the module doc).
RUN_SETTINGS = frozenset(
    {
        "base_url", "api_key", "model", "mode", "temperature", "max_tokens", "llm_timeout",
        "llm_retries", "reask_retries", "retry_max_wait", "max_response_bytes",
        "retry_timeouts", "context_size", "llm_concurrency", "local_threads",
        "local_startup_timeout", "local_timeout", "home", "cache",
    }
)  # fmt: skip

# Settings that cannot change what a job writes: not part of its content hash, so
# changing them (timeouts, concurrency, credentials) keeps a run resumable.
_NOT_HASHED = frozenset(
    {
        "api_key", "home", "cache", "llm_timeout", "llm_retries", "retry_max_wait",
        "llm_concurrency", "local_threads", "local_startup_timeout", "local_timeout",
        "fetch_concurrency", "per_host_concurrency", "connect_timeout", "read_timeout",
        "total_timeout", "max_redirects", "fetch_retries", "user_agent", "allow_private",
        "max_response_bytes", "extract_timeout", "retry_timeouts",
    }
)  # fmt: skip

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_KEYS = frozenset({"id", "sources", "options"})


@dataclass(frozen=True)
class BatchJob:
    """One validated job: its sources (paths made absolute) and the settings it runs with."""

    id: str
    sources: tuple[str, ...]
    options: dict[str, Any]
    settings: Settings
    hash: str
    line: int


def _job_id(data: dict[str, Any]) -> str:
    raw = data.get("id")
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValueError(f"'id' must be a string or an integer, got {json_type(raw)}")
    job_id = str(raw).strip()
    if not _SAFE_ID.match(job_id):
        raise ValueError(
            f"id {job_id!r} cannot name a result file: use letters, digits, '.', '_' and '-' "
            "(at most 128, not starting with '.' or '-')"
        )
    return job_id


def _sources(value: Any, base_dir: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(
            f"'sources' must be a non-empty list of URLs or paths, got {json_type(value)}"
        )
    resolved = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"'sources' item {i} must be a non-empty string")
        raw = item.strip()
        if classify(raw).kind is InputKind.FILE:
            path = Path(raw).expanduser()
            raw = str(path if path.is_absolute() else base_dir / path)
        resolved.append(raw)
    return tuple(resolved)


def _options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"'options' must be an object, got {json_type(value)}")
    options: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).replace("-", "_")
        name = OPTION_ALIASES.get(name, name)
        if name in RUN_SETTINGS:
            raise ValueError(
                f"option {key!r} applies to the whole run, not one job; "
                "give it to 'summarizer batch' (a flag or environment variable)"
            )
        options[name] = item
    return options


def job_hash(sources: tuple[str, ...], settings: Settings) -> str:
    """What a job's result depends on; equal hashes mean the stored result still holds."""
    effective = settings.model_dump(mode="json", exclude=set(_NOT_HASHED))
    effective["base_url"] = redact_url(settings.base_url)
    prompts = sorted(load_prompt(p.stem).sha for p in PROMPTS_DIR.glob("*.txt"))
    return make_key("batch-job", __version__, list(sources), effective, prompts)


def parse_job(raw: str, line: int, base: Settings, base_dir: Path) -> BatchJob:
    """One JSONL line → a job; ``ValueError`` says what is wrong (without the location)."""
    data = json_object(raw)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (a job has id, sources and options)")
    job_id = _job_id(data)
    sources = _sources(data.get("sources"), base_dir)
    options = _options(data.get("options"))
    try:
        settings = base.with_overrides(**options)
    except ConfigError as exc:
        raise ValueError(f"job {job_id!r}: {exc.one_line()}") from exc
    return BatchJob(
        id=job_id,
        sources=sources,
        options=options,
        settings=settings,
        hash=job_hash(sources, settings),
        line=line,
    )


def load_jobs(path: Path, base: Settings) -> list[BatchJob]:
    """Every job of a JSONL file, the whole file validated first; ``InputError`` names the line."""
    base_dir = path.resolve().parent
    jobs = read_jsonl_records(
        path, "jobs file", lambda raw, number: parse_job(raw, number, base, base_dir), comments=True
    )
    if not jobs:
        raise InputError(f"jobs file {path} has no jobs")
    return jobs
