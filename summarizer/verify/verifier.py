"""Verify each sentence of a brief against the sources it cites.

Three layers, cheapest first, combined into one score in [0, 1]:

1. citations: none → UNCITED; a cited ID that is not a usable source →
   UNSUPPORTED, with no model call;
2. the judge's P(yes) on the joint evidence of all cited sources, blended with
   word overlap when ``settings.lexical_weight`` > 0;
3. deterministic checks (numbers, money, dates, quotes, names): each failed
   check multiplies the score by ``settings.check_penalty``. A small judge
   often says Yes to a sentence with one wrong number; the checks do not.

A sentence that is word for word one of a cited source's sentences needs no judge: its
P(yes) is taken as 1 (the checks still run). A 1.5B judge rejects a few percent of copied
sentences (headlines, quotes, questions); a copy is attributable by construction.

score ≥ ``settings.support_threshold`` → SUPPORTED. With more than one citation,
each cited source is also judged alone (``Verdict.citations``) so citation
precision can be measured and superfluous citations dropped by repair.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarizer.llm.seam import Model
from summarizer.models import (
    Check,
    Citation,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.settings import Settings
from summarizer.text.lexical import coverage
from summarizer.verify.checks import describe_failures, failed, parse_published, run_checks
from summarizer.verify.evidence import evidence_text, joint_evidence
from summarizer.verify.judge import judge

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class Assessment:
    """Every layer's view of one claim against one set of sources."""

    score: float
    judge: float
    lexical: float
    checks: list[Check] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    verbatim: bool = False  # a sentence of the source, word for word: the judge was not asked

    def supported(self, settings: Settings) -> bool:
        return self.score >= settings.support_threshold


def combine(
    judge_p: float,
    lexical: float,
    checks: Sequence[Check],
    settings: Settings,
    *,
    verbatim: bool = False,
) -> float:
    """The verifier's score: judge blended with overlap (1 for a verbatim copy), times a
    penalty per failed check."""
    weight = settings.lexical_weight
    base = 1.0 if verbatim else (1.0 - weight) * judge_p + weight * lexical
    return round(base * settings.check_penalty ** len(failed(checks)), 6)


_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"}
)
_SPACE_RE = re.compile(r"\s+")
_EDGES = " \"'([)]"


def _copy_form(text: str) -> str:
    """``text`` as compared for a verbatim copy: case, spacing, quote styles and the
    closing mark do not count; every word, figure and symbol does."""
    folded = _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES))
    return folded.strip(_EDGES).rstrip(".!?…").strip(_EDGES).casefold()


def verbatim_span(claim: str, sources: Sequence[Source]) -> Span | None:
    """The first sentence of ``sources`` that ``claim`` copies word for word, if any.

    Whole sentences only: a clause cut out of a longer sentence ('the vaccine causes
    autism' inside 'critics claimed the vaccine causes autism') is not a copy.
    """
    form = _copy_form(claim)
    if len(form.split()) < 3:  # "Yes." copies nothing worth trusting
        return None
    for source in sources:
        for passage in source.segmented():
            if _copy_form(passage.text) == form:
                return Span(
                    source_id=source.id, start=passage.start, end=passage.end, text=passage.text
                )
    return None


async def assess(
    claim: str,
    sources: Sequence[Source],
    llm: Model,
    settings: Settings,
    spans: Sequence[Span] | None = None,
) -> Assessment:
    """Judge ``claim`` on the evidence of ``sources`` (all usable) and run the checks.

    ``spans``: evidence already known (a planned sentence's own); else it is retrieved.
    """
    if spans is None:
        spans = joint_evidence(
            claim, sources, settings.evidence_per_source, neighbours=settings.evidence_neighbours
        )
    spans = list(spans)
    checks, lexical = _deterministic(claim, sources, spans, settings)
    judge_p = await judge(claim, spans, llm)
    return Assessment(
        score=combine(judge_p, lexical, checks, settings),
        judge=judge_p,
        lexical=lexical,
        checks=checks,
        evidence=spans,
    )


def assess_copy(
    claim: str, sources: Sequence[Source], copied: Span, settings: Settings
) -> Assessment:
    """``claim``, a verbatim copy of ``copied``, assessed without the judge."""
    checks, lexical = _deterministic(claim, sources, [copied], settings)
    return Assessment(
        score=combine(1.0, lexical, checks, settings, verbatim=True),
        judge=1.0,
        lexical=lexical,
        checks=checks,
        evidence=[copied],
        verbatim=True,
    )


def _deterministic(
    claim: str, sources: Sequence[Source], spans: Sequence[Span], settings: Settings
) -> tuple[list[Check], float]:
    """The checks (over the evidence or the whole sources) and the word overlap."""
    shown = evidence_text(spans)
    scope = shown if settings.check_scope == "evidence" else "\n".join(s.text for s in sources)
    dates = {s.published for s in sources}
    published = parse_published(dates.pop()) if len(dates) == 1 else None
    return run_checks(claim, scope, published=published), coverage(claim, shown)


def citation_problems(citations: Sequence[int], sources: Sequence[Source]) -> list[str]:
    """Why cited IDs cannot support anything: not among the sources, or the source failed."""
    by_id = {s.id: s for s in sources}
    problems: list[str] = []
    for cited in citations:
        source = by_id.get(cited)
        if source is None:
            problems.append(f"cites [{cited}], which is not among the sources")
        elif not source.ok:
            why = source.error or "no text"
            problems.append(f"cites [{cited}], whose source could not be used ({why})")
    return problems


def _reason(assessment: Assessment, settings: Settings, supported: bool) -> str:
    parts = []
    problems = describe_failures(assessment.checks)
    if problems:
        parts.append(problems)
    if assessment.verbatim:
        parts.append(f"a sentence of [{assessment.evidence[0].source_id}] word for word")
    else:
        parts.append(f"judge p={assessment.judge:.2f}")
    if settings.lexical_weight > 0:
        parts.append(f"overlap {assessment.lexical:.2f}")
    relation = "≥" if supported else "<"
    detail = "; ".join(parts)
    verdict = "supported" if supported else "not supported"
    threshold = settings.support_threshold
    return f"{verdict}: {detail} (score {assessment.score:.2f} {relation} {threshold:.2f})"


async def verify_sentence(
    sentence: SummarySentence,
    sources: list[Source],
    llm: Model,
    settings: Settings,
    planned: Sequence[Span] = (),
) -> Verdict:
    """The verdict on one sentence; see the module docstring for the rules.

    ``planned``: the evidence a planned sentence was written from. It is judged on
    that first (no retrieval); only if that does not support it, as any other sentence.
    """
    citations = list(dict.fromkeys(sentence.citations))
    if not citations:
        return Verdict(status=Status.UNCITED, reason="the sentence cites no source")
    problems = citation_problems(citations, sources)
    if problems:
        return Verdict(
            status=Status.UNSUPPORTED,
            reason="; ".join(problems),
            citations=[Citation(source_id=c, supports=None) for c in citations],
        )
    by_id = {s.id: s for s in sources}
    cited = [by_id[c] for c in citations]
    own = [span for span in planned if span.source_id in citations]
    covered = bool(own) and {span.source_id for span in own} == set(citations)
    copied = verbatim_span(sentence.text, cited)
    joint = None
    if copied is not None:
        joint = assess_copy(sentence.text, cited, copied, settings)
    elif covered:
        joint = await assess(sentence.text, cited, llm, settings, spans=own)
        if not joint.supported(settings):
            joint = None  # not on its own evidence: judged as any other sentence
    retrieved = not covered or joint is None  # the other citations: on their own evidence?
    if joint is None:
        joint = await assess(sentence.text, cited, llm, settings)
    supported = joint.supported(settings)
    if len(cited) > 1:
        alone = [
            assess_copy(sentence.text, [source], copied, settings)
            if copied is not None and copied.source_id == source.id
            else await assess(
                sentence.text,
                [source],
                llm,
                settings,
                spans=None if retrieved else [s for s in own if s.source_id == source.id],
            )
            for source in cited
        ]
        per_citation = [
            Citation(source_id=s.id, supports=a.supported(settings), score=a.score)
            for s, a in zip(cited, alone, strict=True)
        ]
    else:
        per_citation = [Citation(source_id=cited[0].id, supports=supported, score=joint.score)]
    return Verdict(
        status=Status.SUPPORTED if supported else Status.UNSUPPORTED,
        score=joint.score,
        evidence=joint.evidence,
        reason=_reason(joint, settings, supported),
        checks=joint.checks,
        citations=per_citation,
    )


def planned_evidence(summary: Summary, sentence: SummarySentence) -> list[Span]:
    """The evidence of the plan slot ``sentence`` was written for (none if unplanned)."""
    if summary.plan is None or sentence.slot is None:
        return []
    for slot in summary.plan.slots:
        if slot.index == sentence.slot:
            return list(slot.evidence)
    return []


async def verify_summary(
    summary: Summary,
    llm: Model,
    settings: Settings,
    progress: Progress | None = None,
) -> Summary:
    """A copy of ``summary`` with every sentence's verdict set (REMOVED ones kept as they are).

    ``progress(done, total)`` is called once before and after each sentence.
    """
    todo = [i for i, s in enumerate(summary.sentences) if s.verdict.status is not Status.REMOVED]
    total = len(todo)
    done = 0
    if progress is not None:
        progress(0, total)
    slots = asyncio.Semaphore(max(1, settings.llm_concurrency))

    async def run(index: int) -> Verdict:
        nonlocal done
        sentence = summary.sentences[index]
        async with slots:
            verdict = await verify_sentence(
                sentence,
                summary.sources,
                llm,
                settings,
                planned=planned_evidence(summary, sentence),
            )
        done += 1
        if progress is not None:
            progress(done, total)
        return verdict

    verdicts = await asyncio.gather(*(run(i) for i in todo))
    sentences = [s.model_copy(deep=True) for s in summary.sentences]
    for index, verdict in zip(todo, verdicts, strict=True):
        sentences[index].verdict = verdict
    supported = sum(1 for v in verdicts if v.status is Status.SUPPORTED)
    logger.info("verify: %d of %d sentences supported", supported, total)
    return summary.model_copy(update={"sentences": sentences})
