"""Per-case metrics: ROUGE, ALCE citation recall/precision, verifier rates, length.

Every function here is pure: it reads a summary (or plain strings) and, for the
citation metrics, asks an injected ``judge(claim, evidence) -> P(entailed)``. The
runner passes the verifier's LLM judge; tests pass hand-made judges, so each
branch of the ALCE definition can be driven exactly.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cache

from pydantic import BaseModel, Field
from rouge_score import rouge_scorer

from summarizer.models import RepairAction, Status, Summary, SummarySentence
from summarizer.verify.verifier import verbatim_span

Judge = Callable[[str, list[str]], Awaitable[float]]
"""``await judge(claim, evidence_texts)`` → probability that the evidence entails the claim."""

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
ALCE_MAX_CITATIONS = 3
"""ALCE's ``--at_most_citations`` default: only a sentence's first three citations are scored."""

_MARKER = re.compile(r"\s*\[\d+\]")


@cache
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F1 (rouge-score, Porter stemmer). Not Lsum: its splitter needs NLTK data."""
    scores = _scorer().score(reference, prediction)
    return {name: float(scores[name].fmeasure) for name in ROUGE_TYPES}


def strip_markers(text: str) -> str:
    """Drop any ``[n]`` citation markers a model left inside a sentence's text."""
    return " ".join(_MARKER.sub("", text).split())


def summary_text(summary: Summary) -> str:
    """The brief as a reader sees it, without citation markers: what ROUGE compares."""
    return " ".join(strip_markers(s.text) for s in summary.shown_sentences)


# --- ALCE citation recall and precision -------------------------------------------------


class SentenceCitations(BaseModel):
    """How the judge scored one sentence's citations (kept per sentence in results.jsonl)."""

    recall: int = Field(description="1 if the cited evidence, concatenated, entails the sentence.")
    citations: list[int] = Field(description="The citations scored (deduplicated, first 3).")
    relevant: list[bool] = Field(description="Per scored citation: counted as relevant.")
    valid: bool = Field(default=True, description="False when a citation names no usable source.")
    score: float | None = Field(default=None, description="Judge score on all cited evidence.")


async def score_sentence_citations(
    claim: str,
    citations: Sequence[int],
    evidence: Mapping[int, str],
    judge: Judge,
    *,
    threshold: float,
    max_citations: int | None = ALCE_MAX_CITATIONS,
) -> SentenceCitations:
    """Score one sentence exactly as ALCE's ``compute_autoais(citation=True)`` does.

    ALCE (Gao et al., 2023, princeton-nlp/ALCE ``eval.py``), with "entails" meaning
    ``judge(claim, evidence) >= threshold`` and a citation's evidence ``evidence[id]``:

    * Citations are the sentence's source IDs, the first ``max_citations`` of them.
    * No citation → recall 0, nothing added to the precision denominator.
    * A citation with no evidence (ALCE: citation out of range) → recall 0 and,
      as in ALCE, the sentence adds nothing to the precision denominator.
    * Recall = 1 iff the concatenation of all cited evidence entails the sentence.
    * Precision (only where recall = 1; otherwise all its citations count as
      irrelevant): with a single citation, it is relevant. With several, citation
      c is *irrelevant* iff (a) c's evidence alone does not entail the sentence AND
      (b) the other citations' evidence, without c, still entails it; else relevant.
    """
    cited = list(dict.fromkeys(citations))
    if max_citations is not None:
        cited = cited[:max_citations]
    if not cited:
        return SentenceCitations(recall=0, citations=[], relevant=[])
    if any(c not in evidence for c in cited):
        return SentenceCitations(recall=0, citations=[], relevant=[], valid=False)

    score = await judge(claim, [evidence[c] for c in cited])
    if score < threshold:
        return SentenceCitations(
            recall=0, citations=cited, relevant=[False] * len(cited), score=score
        )
    if len(cited) == 1:
        return SentenceCitations(recall=1, citations=cited, relevant=[True], score=score)

    relevant: list[bool] = []
    for c in cited:
        alone = await judge(claim, [evidence[c]])  # condition (a)
        if alone >= threshold:
            relevant.append(True)
            continue
        others = await judge(claim, [evidence[d] for d in cited if d != c])  # condition (b)
        relevant.append(others < threshold)
    return SentenceCitations(recall=1, citations=cited, relevant=relevant, score=score)


def citation_recall(scored: Sequence[SentenceCitations]) -> float | None:
    """Share of sentences whose citations support them (``None`` for an empty summary)."""
    if not scored:
        return None
    return sum(s.recall for s in scored) / len(scored)


def citation_precision(scored: Sequence[SentenceCitations]) -> float | None:
    """Relevant citations / all scored citations; 0 when nothing is cited (as in ALCE)."""
    if not scored:
        return None
    total = sum(len(s.citations) for s in scored)
    if total == 0:
        return 0.0
    return sum(sum(s.relevant) for s in scored) / total


async def score_citations(
    sentences: Sequence[tuple[str, Sequence[int], Mapping[int, str]]],
    judge: Judge,
    *,
    threshold: float,
    max_citations: int | None = ALCE_MAX_CITATIONS,
) -> list[SentenceCitations]:
    """Score every ``(claim, citations, evidence by source ID)`` of a summary."""
    return list(
        await asyncio.gather(
            *(
                score_sentence_citations(
                    claim, cites, evidence, judge, threshold=threshold, max_citations=max_citations
                )
                for claim, cites, evidence in sentences
            )
        )
    )


# --- rates read from the summary itself --------------------------------------------------

_GOOD = (Status.SUPPORTED, Status.REPAIRED)


def source_coverage(summary: Summary) -> float | None:
    """Share of the usable sources that some shown sentence cites (does the brief hear all?)."""
    usable = {s.id for s in summary.sources if s.ok}
    if not usable:
        return None
    return len(usable & set(summary.cited_sources())) / len(usable)


def backfilled_rate(summary: Summary) -> float | None:
    """Share of shown sentences copied from their evidence instead of written (attribute-first
    slots whose written sentence failed); ``None`` for systems without a plan."""
    shown = summary.shown_sentences
    if summary.plan is None or not shown:
        return None
    return sum(1 for s in shown if s.extracted) / len(shown)


def copied_rate(summary: Summary) -> float | None:
    """Share of shown sentences that repeat a source sentence word for word.

    The brief is meant to be written, not selected: this says how far it is a
    selection (1.0 for the extractive baselines). Any usable source counts, cited or not;
    case, spacing, quote styles and the closing mark do not (the verifier's copy rule).
    """
    shown = summary.shown_sentences
    if not shown:
        return None
    usable = [s for s in summary.sources if s.ok]
    copies = sum(1 for s in shown if verbatim_span(strip_markers(s.text), usable) is not None)
    return copies / len(shown)


def uncited_rate(summary: Summary) -> float | None:
    """Share of shown sentences carrying no citation at all."""
    shown = summary.shown_sentences
    if not shown:
        return None
    return sum(1 for s in shown if not s.citations) / len(shown)


def _verified(sentences: Sequence[SummarySentence]) -> bool:
    return bool(sentences) and all(s.verdict.status is not Status.UNVERIFIED for s in sentences)


def supported_rate(summary: Summary) -> float | None:
    """Share of shown sentences the system's own verifier finally marked supported or repaired.

    ``None`` when the system did not verify (draft, baselines): this is the
    verifier's self-assessment, reported next to the neutral judge's recall.
    """
    shown = summary.shown_sentences
    if not _verified(summary.sentences):
        return None
    return sum(1 for s in shown if s.verdict.status in _GOOD) / len(shown) if shown else 0.0


def originally_supported(sentence: SummarySentence) -> bool:
    """Was the draft sentence supported before repair touched it? Read from the trail.

    Repair only works on sentences that failed verification, except for trimming
    superfluous citations of a supported one (``RepairAction.TRIM``). So: supported with
    no trail, or repaired by trimming alone.
    """
    if not sentence.attempts:
        return sentence.verdict.status is Status.SUPPORTED
    return sentence.verdict.status in _GOOD and all(
        a.action is RepairAction.TRIM for a in sentence.attempts
    )


def supported_rate_before(summary: Summary) -> float | None:
    """Share of the draft's sentences (removed ones included) supported before repair."""
    if not _verified(summary.sentences):
        return None
    return sum(1 for s in summary.sentences if originally_supported(s)) / len(summary.sentences)


def length(summary: Summary) -> tuple[int, int]:
    """(words, sentences) of the brief as shown."""
    shown = summary.shown_sentences
    return sum(len(strip_markers(s.text).split()) for s in shown), len(shown)
