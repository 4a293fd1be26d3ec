"""Score one system's summary for one case: every metric, one neutral judge.

Every system — baselines, the draft, the full pipeline — is scored the same way
at scoring time: the verifier's own verdicts are never reused as the score, so
``full`` cannot grade its own homework. The judge sees, per cited source, the
evidence the verifier would select (the ``evidence_per_source`` passages most
relevant to the sentence by BM25, in document order): whole articles would not
fit a small model's context, and ALCE's judge also saw ~100-word passages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from pydantic import BaseModel

from summarizer.eval.metrics import (
    ALCE_MAX_CITATIONS,
    Judge,
    SentenceCitations,
    backfilled_rate,
    citation_precision,
    citation_recall,
    copied_rate,
    length,
    rouge,
    score_citations,
    source_coverage,
    strip_markers,
    summary_text,
    supported_rate,
    supported_rate_before,
    uncited_rate,
)
from summarizer.models import Source, Summary
from summarizer.settings import Settings
from summarizer.verify.evidence import select_evidence

logger = logging.getLogger(__name__)

METRICS = (
    "rouge1",
    "rouge2",
    "rougeL",
    "citation_recall",
    "citation_precision",
    "supported_rate",
    "supported_rate_before",
    "uncited_rate",
    "source_coverage",
    "backfilled_rate",
    "copied_rate",
    "words",
    "sentences",
    "llm_calls",
    "prompt_tokens",
    "completion_tokens",
    "seconds",
)
"""The metrics aggregated into summary.json, in report order."""


class ScoredSentence(BaseModel):
    """A shown sentence and what the judge made of its citations."""

    text: str
    citations: list[int]
    status: str
    judged: SentenceCitations


class CountingJudge:
    """Memoises judge answers for the whole run and counts the calls that reached the judge.

    The same (claim, evidence) pair comes up again across ALCE's sub-checks and
    across systems that extract the same sentence; asking twice would only cost.
    """

    def __init__(self, judge: Judge) -> None:
        self._judge = judge
        self._memo: dict[tuple[str, tuple[str, ...]], asyncio.Future[float]] = {}
        self.calls = 0

    async def ask(self, claim: str, evidence: list[str]) -> tuple[float, bool]:
        """The judge's score, and whether this request was a new call to the judge."""
        key = (claim, tuple(evidence))
        pending = self._memo.get(key)
        if pending is not None:
            return await asyncio.shield(pending), False
        pending = asyncio.get_running_loop().create_future()
        self._memo[key] = pending
        self.calls += 1
        try:
            score = float(await self._judge(claim, evidence))
        except BaseException as exc:
            del self._memo[key]
            pending.set_exception(exc)
            pending.exception()  # retrieved here; waiters get it from the future
            raise
        pending.set_result(score)
        return score, True

    async def __call__(self, claim: str, evidence: list[str]) -> float:
        return (await self.ask(claim, evidence))[0]

    def counter(self) -> CallCounter:
        """A per-record view counting only the calls this record caused."""
        return CallCounter(self)


class CallCounter:
    """Counts the new judge calls made through it (for per-case scoring cost)."""

    def __init__(self, judge: CountingJudge) -> None:
        self._judge = judge
        self.calls = 0

    async def __call__(self, claim: str, evidence: list[str]) -> float:
        score, new = await self._judge.ask(claim, evidence)
        self.calls += int(new)
        return score


def cited_evidence(claim: str, source: Source, settings: Settings) -> str:
    """What the judge reads from one cited source: the verifier's evidence selection
    (top ``evidence_per_source`` passages by BM25, ``evidence_neighbours`` before each,
    long spans trimmed), one line per span in document order. Rendered by the LLM judge
    exactly as the verifier renders one source's evidence, so with the LLM cache on,
    re-judging a single-citation sentence of ``full`` costs no model call."""
    spans = select_evidence(
        claim,
        source,
        max(1, settings.evidence_per_source),
        neighbours=settings.evidence_neighbours,
    )
    return "\n".join(" ".join(span.text.split()) for span in spans)


def _evidence_map(
    claim: str, citations: Sequence[int], summary: Summary, settings: Settings
) -> dict[int, str]:
    """Evidence per cited ID; an ID naming no usable source gets none (ALCE: out of range)."""
    evidence: dict[int, str] = {}
    for cid in citations:
        source = summary.source(cid)
        if source is not None and source.ok:
            evidence[cid] = cited_evidence(claim, source, settings)
    return evidence


async def score_summary(
    summary: Summary,
    gold: str,
    judge: Judge,
    settings: Settings,
    *,
    seconds: float,
    max_citations: int | None = ALCE_MAX_CITATIONS,
) -> tuple[dict[str, float | None], list[ScoredSentence]]:
    """All metrics of one (case, system) plus the per-sentence judgements behind them."""
    shown = summary.shown_sentences
    claims = [strip_markers(s.text) for s in shown]
    judged = await score_citations(
        [
            (claim, s.citations, _evidence_map(claim, s.citations, summary, settings))
            for claim, s in zip(claims, shown, strict=True)
        ],
        judge,
        threshold=settings.judge_threshold,
        max_citations=max_citations,
    )
    words, count = length(summary)
    metrics: dict[str, float | None] = {
        **rouge(summary_text(summary), gold),
        "citation_recall": citation_recall(judged),
        "citation_precision": citation_precision(judged),
        "supported_rate": supported_rate(summary),
        "supported_rate_before": supported_rate_before(summary),
        "uncited_rate": uncited_rate(summary),
        "source_coverage": source_coverage(summary),
        "backfilled_rate": backfilled_rate(summary),
        "copied_rate": copied_rate(summary),
        "words": float(words),
        "sentences": float(count),
        "llm_calls": float(summary.stats.llm_calls),
        "prompt_tokens": float(summary.stats.prompt_tokens),
        "completion_tokens": float(summary.stats.completion_tokens),
        "seconds": round(seconds, 4),
    }
    sentences = [
        ScoredSentence(
            text=claim, citations=list(s.citations), status=s.verdict.status.value, judged=j
        )
        for claim, s, j in zip(claims, shown, judged, strict=True)
    ]
    return metrics, sentences
