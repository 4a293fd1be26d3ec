"""The pydantic models: the contract between pipeline stages and the public API.

Every stage is a function from these models to these models; every output format
is rendered from them without re-parsing text. All of them round-trip through
JSON (``Summary.model_validate_json(summary.model_dump_json())``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from summarizer.errors import ConfigError
from summarizer.text.clean import one_line


class _Model(BaseModel):
    # Computed fields appear in JSON output; ignoring extra keys lets that JSON
    # be read back into the model unchanged.
    model_config = ConfigDict(extra="ignore")


def _clip(text: str | None, limit: int) -> str:
    """One line of at most ``limit`` characters, for reprs that must stay short."""
    line = one_line(text)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Passage(_Model):
    """One sentence of a source's extracted text, with character offsets into it.

    ``source.text[start:end] == text`` always holds, so any span can be shown and
    checked later.
    """

    source_id: int
    index: int = Field(description="Position of the sentence within its source, from 0.")
    start: int
    end: int
    text: str

    def span(self) -> Span:
        """This passage as evidence (the same offsets into its source's text)."""
        return Span(source_id=self.source_id, start=self.start, end=self.end, text=self.text)

    @classmethod
    def from_spans(cls, text: str, source_id: int, spans: list[tuple[int, int]]) -> list[Passage]:
        """One passage per (start, end) span of ``text``, numbered from 0."""
        return [
            cls(source_id=source_id, index=index, start=start, end=end, text=text[start:end])
            for index, (start, end) in enumerate(spans)
        ]


class Source(_Model):
    """An input (URL or local file) and what was extracted from it.

    IDs are integers from 0 in input order, as in a news brief's reference list.
    A failed source keeps its ID and carries ``error``; it is listed but never cited.
    """

    id: int
    url: str = Field(description="The input as given (URL or file path).")
    final_url: str | None = Field(default=None, description="URL after redirects.")
    title: str | None = None
    outlet: str | None = None
    published: str | None = Field(default=None, description="ISO date (YYYY-MM-DD) when known.")
    author: str | None = None
    text: str = ""
    passages: list[Passage] = Field(default_factory=list)
    error: str | None = Field(default=None, description="Why this source could not be used.")

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.text)

    def __repr__(self) -> str:
        # The default repr lists the whole text and every passage (thousands of characters).
        parts = [f"<Source {self.id} {_clip(self.title or self.url, 60)!r}"]
        if self.error is not None:
            parts.append(f"failed: {_clip(self.error, 80)}")
        else:
            parts += [_clip(field, 40) for field in (self.outlet, self.published) if field]
            parts.append(_plural(len(self.passages), "passage"))
        return " · ".join(parts) + ">"

    def _repr_html_(self) -> str:
        return _render(self, "html-fragment")

    def segmented(self) -> list[Passage]:
        """Its passages (made at ingest); segmented now for a source built without them."""
        if self.passages or not self.text:
            return list(self.passages)
        from summarizer.text.sentences import passage_spans  # pysbd: loaded when first needed

        return Passage.from_spans(self.text, self.id, passage_spans(self.text))


class Status(StrEnum):
    """What the verifier concluded about a summary sentence."""

    UNVERIFIED = "unverified"  # not checked (verification switched off)
    SUPPORTED = "supported"  # the cited text entails it
    REPAIRED = "repaired"  # re-cited or rewritten, then verified as supported
    UNSUPPORTED = "unsupported"  # checked and not entailed; shown marked, or removed
    UNCITED = "uncited"  # carries no citation at all
    REMOVED = "removed"  # dropped by repair; kept in JSON, never rendered


class Span(_Model):
    """A piece of evidence: ``sources[source_id].text[start:end] == text``."""

    source_id: int
    start: int
    end: int
    text: str


class Check(_Model):
    """Result of one deterministic check (numbers, dates, names, quotes)."""

    kind: str
    passed: bool
    missing: list[str] = Field(default_factory=list)


class Citation(_Model):
    """Does this one cited source, on its own, support the sentence (ALCE precision)?"""

    source_id: int
    supports: bool | None = None
    score: float | None = None


class Verdict(_Model):
    """The verifier's judgement of one sentence, with the evidence that explains it."""

    status: Status = Status.UNVERIFIED
    score: float | None = Field(
        default=None, description="P(cited evidence supports the sentence)."
    )
    evidence: list[Span] = Field(default_factory=list)
    reason: str = ""
    checks: list[Check] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class RepairAction(StrEnum):
    """What one step of repair did (``eval`` reads the trail by these names)."""

    TRIM = "trim"  # dropped superfluous citations of an already supported sentence
    RECITE = "recite"  # tried another set of citations for an unsupported sentence
    REWRITE = "rewrite"  # the model rewrote the sentence from its evidence
    REMOVE = "remove"  # dropped from the brief (kept in JSON)
    MARK = "mark"  # kept and shown as unsupported
    BACKFILL = "backfill"  # a planned slot filled with its best evidence sentence, verbatim


class RepairAttempt(_Model):
    """One step of the repair trail kept in JSON output."""

    action: RepairAction
    text: str
    citations: list[int]
    verdict: Verdict


class PlanSlot(_Model):
    """One planned sentence: a fact chosen from the sources, with the spans that state it.

    Its sentence may cite only ``source_ids`` (the sources of ``evidence``).
    """

    index: int
    paragraph: int = 0
    source_ids: list[int]
    evidence: list[Span]
    score: float = 0.0


class Plan(_Model):
    """What the brief says, chosen from all sources before the model writes (no LLM)."""

    slots: list[PlanSlot] = Field(default_factory=list)
    target: int = Field(default=0, description="Sentences the plan aimed for.")
    candidates: int = Field(default=0, description="Facts the sources offered.")


class SummarySentence(_Model):
    """A sentence of the brief and the IDs of the sources that support it."""

    text: str
    citations: list[int] = Field(default_factory=list)
    paragraph: int = 0
    slot: int | None = Field(default=None, description="The plan slot it was written for.")
    extracted: bool = Field(
        default=False, description="Back-filled: copied from its evidence, not written."
    )
    verdict: Verdict = Field(default_factory=Verdict)
    original_text: str | None = Field(default=None, description="Draft text before repair.")
    original_citations: list[int] | None = None
    attempts: list[RepairAttempt] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Status:
        return self.verdict.status

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        return self.verdict.score

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evidence(self) -> list[Span]:
        return self.verdict.evidence

    @property
    def shown(self) -> bool:
        """Removed sentences stay in the JSON trail but are never rendered."""
        return self.verdict.status is not Status.REMOVED

    def __repr__(self) -> str:
        score = "" if self.score is None else f" {self.score:.2f}"
        cites = "".join(f"[{c}]" for c in self.citations) or "no citation"
        return f"<SummarySentence {self.status.value}{score} {cites} {_clip(self.text, 80)!r}>"

    def _repr_html_(self) -> str:
        return _render(self, "html-fragment")


class StageStats(_Model):
    """Cost and wall time of one stage, as counted by the usage meter on each call."""

    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class RunStats(_Model):
    """Cost and time of a run: what the eval suite and the user's bill care about.

    ``stages`` is what the usage meter counted per stage (draft, verify, repair,
    ...); the totals are their sums, so per-stage figures always add up.
    """

    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage.")
    stages: dict[str, StageStats] = Field(default_factory=dict)

    def add_time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = round(self.timings.get(stage, 0.0) + seconds, 4)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Summary(_Model):
    """A verified, cited brief: the result of ``summarize`` and of ``check``."""

    title: str
    sentences: list[SummarySentence] = Field(
        default_factory=list,
        description="Every sentence, removed ones included (the repair trail); "
        "shown_sentences is the brief as rendered.",
    )
    sources: list[Source] = Field(default_factory=list)
    stats: RunStats = Field(default_factory=RunStats)
    model: str | None = None
    created: str = Field(default_factory=_now)
    options: dict[str, Any] = Field(default_factory=dict)
    plan: Plan | None = None

    def cited_sources(self) -> list[int]:
        """IDs of the sources some shown sentence cites, in ID order."""
        return sorted({c for s in self.shown_sentences for c in s.citations})

    @property
    def shown_sentences(self) -> list[SummarySentence]:
        """The brief's sentences, in order: what every format renders and users iterate.

        ``sentences`` also holds those repair removed, kept for the trail.
        """
        return [s for s in self.sentences if s.shown]

    def paragraphs(self) -> list[list[SummarySentence]]:
        """Shown sentences grouped by paragraph number, in order."""
        groups: dict[int, list[SummarySentence]] = {}
        for sentence in self.shown_sentences:
            groups.setdefault(sentence.paragraph, []).append(sentence)
        return [groups[key] for key in sorted(groups)]

    @property
    def all_supported(self) -> bool:
        return all(
            s.verdict.status in (Status.SUPPORTED, Status.REPAIRED) for s in self.shown_sentences
        )

    def source(self, source_id: int) -> Source | None:
        for src in self.sources:
            if src.id == source_id:
                return src
        return None

    # Rendering lives in summarizer.render, which registers itself here when the
    # package is imported (models import no stage); these are for notebooks.
    def to_markdown(self) -> str:
        return _render(self, "markdown")

    def to_html(self) -> str:
        return _render(self, "html")

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return _render(self, "html-fragment")

    def __repr__(self) -> str:
        # A one-line digest: the default repr of a brief runs to thousands of characters.
        shown = self.shown_sentences
        verified = sum(1 for s in shown if s.status in (Status.SUPPORTED, Status.REPAIRED))
        usable = sum(1 for s in self.sources if s.ok)
        parts = [
            f"<Summary {_clip(self.title, 60)!r}",
            _plural(len(shown), "sentence"),
            f"cites {len(self.cited_sources())} of {_plural(usable, 'source')}",
            f"{verified} verified",
        ]
        for status in (Status.UNSUPPORTED, Status.UNCITED, Status.UNVERIFIED):
            count = sum(1 for s in shown if s.status is status)
            if count:
                parts.append(f"{count} {status.value}")
        removed = len(self.sentences) - len(shown)
        if removed:
            parts.append(f"{removed} removed")
        failed = len(self.sources) - usable
        if failed:
            parts.append(f"{failed} failed")
        return " · ".join(parts) + ">"

    def to_dataframe(self) -> Any:
        """One row per sentence (removed ones too, ``shown`` False), as a ``pandas.DataFrame``.

        Columns: paragraph, text, status, score, citations, shown, extracted, slot,
        repair (the last repair action), attempts, original_text, evidence. pandas is
        optional; without it this raises ``ConfigError`` saying how to install it.
        """
        try:
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ConfigError(
                "Summary.to_dataframe() needs pandas, which is not installed (pip install pandas)"
            ) from None
        rows = [
            {
                "paragraph": s.paragraph,
                "text": s.text,
                "status": s.status.value,
                "score": s.score,
                "citations": list(s.citations),
                "shown": s.shown,
                "extracted": s.extracted,
                "slot": s.slot,
                "repair": s.attempts[-1].action.value if s.attempts else None,
                "attempts": len(s.attempts),
                "original_text": s.original_text,
                "evidence": [span.text for span in s.evidence],
            }
            for s in self.sentences
        ]
        return pandas.DataFrame(rows, columns=_FRAME_COLUMNS)


_FRAME_COLUMNS = (
    "paragraph",
    "text",
    "status",
    "score",
    "citations",
    "shown",
    "extracted",
    "slot",
    "repair",
    "attempts",
    "original_text",
    "evidence",
)

Renderable = Summary | Source | SummarySentence
Renderer = Callable[[Renderable, str], str]
"""``renderer(item, fmt)``: fmt is "markdown", "html" or "html-fragment" (the only one
for a ``Source`` or a ``SummarySentence``)."""

_renderers: list[Renderer] = []


def use_renderer(renderer: Renderer) -> None:
    """Register the renderer behind ``Summary.to_markdown`` / ``to_html`` (render does)."""
    _renderers[:] = [renderer]


def _render(item: Renderable, fmt: str) -> str:
    if not _renderers:  # only if summarizer.render failed to import with the package
        raise RuntimeError("no renderer registered; import summarizer.render")
    return _renderers[0](item, fmt)
