"""Eval datasets: JSONL, one cluster per line, with its gold summary.

A line is ``{"id": ..., "documents": [text, ...], "summary": gold}`` (the
Multi-News layout) or ``{"id": ..., "sources": [{"url" | "path" | "text": ...,
"title"?, "outlet"?, "published"?}, ...], "summary": gold}``. Texts become
sources directly; URLs and files go through the normal ingest path (fetch,
extract, segment), so an eval exercises what users run. Relative paths are
resolved against the dataset's folder.

Every malformed line is reported as one line naming the file, the line number
and what is wrong, before any work starts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field

from summarizer.errors import InputError, NoUsableSourceError
from summarizer.ingest import ingest, make_source
from summarizer.ingest.inputs import json_object, json_type, read_jsonl_records
from summarizer.models import Passage, Source
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

_META = ("title", "outlet", "published")
_KINDS = ("text", "path", "url")


class SourceSpec(BaseModel):
    """One source of a case: inline ``text``, or a ``path`` / ``url`` to ingest."""

    text: str | None = None
    path: str | None = None
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None


class EvalCase(BaseModel):
    id: str
    sources: list[SourceSpec]
    summary: str = Field(description="The gold (reference) summary.")
    line: int = Field(description="1-based line number in the dataset file.")


def dataset_sha(path: Path) -> str:
    """SHA-256 of the dataset file: stored with every run so results name their data."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _parse_documents(value: Any) -> list[SourceSpec]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"'documents' must be a non-empty list of texts, got {json_type(value)}")
    specs = []
    for i, item in enumerate(value, 1):
        if not _nonempty_str(item):
            raise ValueError(
                f"'documents' item {i} must be a non-empty string, got {json_type(item)}"
            )
        specs.append(SourceSpec(text=item))
    return specs


def _parse_sources(value: Any) -> list[SourceSpec]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"'sources' must be a non-empty list of objects, got {json_type(value)}")
    specs = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise ValueError(f"'sources' item {i} must be an object, got {json_type(item)}")
        unknown = sorted(set(item) - set(_KINDS) - set(_META))
        if unknown:
            raise ValueError(f"'sources' item {i} has unknown key {unknown[0]!r}")
        for key in (*_KINDS, *_META):
            if key in item and item[key] is not None and not isinstance(item[key], str):
                raise ValueError(f"'sources' item {i}: {key!r} must be a string")
        if not any(_nonempty_str(item.get(k)) for k in _KINDS):
            raise ValueError(f"'sources' item {i} needs one of 'url', 'path' or 'text'")
        if not _nonempty_str(item.get("text")) and item.get("url") and item.get("path"):
            raise ValueError(f"'sources' item {i} has both 'url' and 'path'; give one")
        specs.append(SourceSpec(**item))
    return specs


def parse_case(raw: str, line: int) -> EvalCase:
    """One JSONL line → a case; ``ValueError`` says what is wrong (without the location)."""
    data = json_object(raw)
    case_id = data.get("id")
    if isinstance(case_id, bool) or not isinstance(case_id, (str, int)) or not str(case_id).strip():
        raise ValueError("'id' is missing (a non-empty string or integer is required)")
    has_docs, has_sources = "documents" in data, "sources" in data
    if has_docs == has_sources:
        raise ValueError(
            "needs exactly one of 'documents' (list of texts) or 'sources' (list of objects)"
        )
    specs = _parse_documents(data["documents"]) if has_docs else _parse_sources(data["sources"])
    if not _nonempty_str(data.get("summary")):
        raise ValueError("'summary' (the gold summary) is missing or empty")
    return EvalCase(id=str(case_id), sources=specs, summary=data["summary"], line=line)


def load_dataset(path: Path, *, limit: int | None = None) -> list[EvalCase]:
    """All cases of a JSONL dataset (the first ``limit`` if given); the whole file is validated."""
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    cases = read_jsonl_records(path, "dataset", parse_case)
    if not cases:
        raise InputError(f"dataset {path} has no cases")
    return cases[:limit] if limit is not None else cases


def _with_id(source: Source, new_id: int, spec: SourceSpec) -> Source:
    passages = [
        Passage(source_id=new_id, index=p.index, start=p.start, end=p.end, text=p.text)
        for p in source.passages
    ]
    update: dict[str, Any] = {"id": new_id, "passages": passages}
    update.update({k: getattr(spec, k) for k in _META if getattr(spec, k)})
    return source.model_copy(update=update)


async def _ingest_one(
    raw: str, index: int, settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> Source:
    try:
        return (await ingest([raw], settings, transport=transport))[0]
    except NoUsableSourceError as exc:  # recorded on the source, as ingest does for the others
        return Source(id=index, url=raw, error=exc.one_line())


async def case_sources(
    case: EvalCase,
    settings: Settings,
    *,
    base_dir: Path,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Source]:
    """The case's sources with IDs 0..n-1 in dataset order; URLs and files are ingested."""
    to_ingest: list[tuple[int, str]] = []
    built: dict[int, Source] = {}
    for i, spec in enumerate(case.sources):
        if spec.text and spec.text.strip():
            built[i] = make_source(
                i,
                spec.text,
                url=spec.url or spec.path or "",
                title=spec.title,
                outlet=spec.outlet,
                published=spec.published,
            )
        elif spec.path:
            path = Path(spec.path).expanduser()
            to_ingest.append((i, str(path if path.is_absolute() else base_dir / path)))
        else:
            to_ingest.append((i, spec.url or ""))
    if to_ingest:
        # One ingest per input: ingest reorders (usable first) and drops duplicates,
        # while a case needs source i to stay source i.
        fetched = await asyncio.gather(
            *(_ingest_one(raw, i, settings, transport) for i, raw in to_ingest)
        )
        for (i, _), source in zip(to_ingest, fetched, strict=True):
            built[i] = _with_id(source, i, case.sources[i])
    return [built[i] for i in range(len(case.sources))]
