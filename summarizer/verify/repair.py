"""Repair: what happens to sentences the verifier did not accept.

``settings.on_unsupported`` picks the policy for UNSUPPORTED and UNCITED sentences:

- ``repair`` (default), cheapest fix first:
  1. re-cite: drop citations of missing/failed sources; try the cited sources
     that support the sentence alone; add (or swap in) other usable sources
     that BM25 finds relevant, judged with the current ones. A supported set is
     then trimmed of citations that do not support on their own while others
     do (ALCE citation precision);
  2. rewrite: the model rewrites the sentence from the evidence only
     (``prompts/rewrite*.txt``), then it is verified again; at most
     ``settings.repair_rounds`` rewrites, each told why the last one failed;
  3. for a planned sentence (attribute-first), one rewrite only, then **back-fill**:
     the slot's best evidence sentence, verbatim, citing exactly its source
     (``extracted``), verified like any other; remove only if none verifies;
  4. remove.
  Supported sentences with superfluous citations get step 1's trimming too
  (logged as ``trim``, so eval still counts them as supported before repair).
- ``mark``: keep the sentence, shown as unsupported/uncited;
- ``remove``: drop it (kept in JSON with status REMOVED);
- ``fail``: raise ``VerificationFailed`` listing the sentences (decided here
  only; ``Settings`` refuses ``fail`` without verification).

Every step is kept in ``SummarySentence.attempts`` with its verdict, and the
draft's text and citations in ``original_text``/``original_citations``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from summarizer.errors import LLMResponseError, VerificationFailed
from summarizer.llm.seam import Model
from summarizer.models import (
    RepairAction,
    RepairAttempt,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.prompts import Prompt, load_prompt
from summarizer.settings import Settings
from summarizer.text.cited import CitedSentence
from summarizer.text.fences import defuse
from summarizer.text.sentences import language_code
from summarizer.verify.evidence import relevance, select_evidence
from summarizer.verify.verifier import planned_evidence, verify_sentence

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = "rewrite_system"
USER_PROMPT = "rewrite"
RECITE_CANDIDATES = 2  # other sources tried when re-citing, best BM25 match first
REWRITE_SOURCES = 3  # sources whose evidence the rewrite may use
REWRITE_MAX_TOKENS = 256
# Passages per source the rewrite may draw on: more than the judge needs to see, so a
# rewrite can use the neighbouring facts a one-passage verdict did not show.
REWRITE_PASSAGES = 2
NEEDS_WORK = (Status.UNSUPPORTED, Status.UNCITED)


# -- the rewrite's response model ------------------------------------------------------------------
class Rewrite(CitedSentence):
    """A corrected sentence and the sources that state it."""

    source_ids: list[int] = Field(
        description="Ids of the sources whose evidence states this sentence (at least one)."
    )

    many_sentences_fix: ClassVar[str] = "write exactly one sentence"
    unknown_id: ClassVar[str] = "is not in the evidence"


def rewrite_prompts() -> list[Prompt]:
    return [load_prompt(SYSTEM_PROMPT), load_prompt(USER_PROMPT)]


def build_rewrite_messages(
    sentence: str, sources: Sequence[Source], k: int, language: str, feedback: str = ""
) -> list[dict[str, str]]:
    """Static system prompt; the evidence of each source fenced as data, then the sentence."""
    blocks = []
    for source in sources:
        spans = select_evidence(sentence, source, k)
        lines = "\n".join(defuse(span.text) for span in spans)
        blocks.append(f'<source id="{source.id}">\n{lines}\n</source>')
    system, user = rewrite_prompts()
    note = f"A previous correction was rejected: {defuse(feedback)}\n" if feedback else ""
    return [
        {"role": "system", "content": system.render()},
        {
            "role": "user",
            "content": user.render(
                evidence="\n\n".join(blocks),
                sentence=defuse(sentence),
                feedback=note,
                language=language,
            ),
        },
    ]


# -- one sentence ----------------------------------------------------------------------------------
class _Repairer:
    def __init__(self, summary: Summary, llm: Model, settings: Settings) -> None:
        self.summary = summary
        self.llm = llm
        self.settings = settings
        self.usable = [s for s in summary.sources if s.ok]
        self.by_id = {s.id: s for s in self.usable}

    async def verify(self, text: str, citations: list[int], paragraph: int) -> Verdict:
        probe = SummarySentence(text=text, citations=citations, paragraph=paragraph)
        return await verify_sentence(probe, self.summary.sources, self.llm, self.settings)

    def candidates(self, text: str, exclude: Sequence[int]) -> list[int]:
        """Other usable sources by relevance to ``text``; only those sharing some words."""
        scored = [(relevance(text, s), s.id) for s in self.usable if s.id not in exclude]
        ranked = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1]))
        return [source_id for _, source_id in ranked]

    async def try_citations(
        self, sentence: SummarySentence, citations: list[int], trail: list[RepairAttempt]
    ) -> tuple[list[int], Verdict] | None:
        """Verify ``sentence`` with ``citations``; trimmed to the necessary ones if supported."""
        verdict = await self.verify(sentence.text, citations, sentence.paragraph)
        trail.append(
            RepairAttempt(
                action=RepairAction.RECITE, text=sentence.text, citations=citations, verdict=verdict
            )
        )
        if verdict.status is not Status.SUPPORTED:
            return None
        needed = necessary(verdict)
        if needed and needed != citations:
            trimmed = await self.verify(sentence.text, needed, sentence.paragraph)
            trail.append(
                RepairAttempt(
                    action=RepairAction.RECITE,
                    text=sentence.text,
                    citations=needed,
                    verdict=trimmed,
                )
            )
            if trimmed.status is Status.SUPPORTED:
                return needed, trimmed
        return citations, verdict

    async def recite(
        self, sentence: SummarySentence, trail: list[RepairAttempt]
    ) -> tuple[list[int], Verdict] | None:
        tried: set[tuple[int, ...]] = {tuple(sentence.citations)}
        valid = [c for c in dict.fromkeys(sentence.citations) if c in self.by_id]
        plans: list[list[int]] = []
        if valid and len(valid) < len(sentence.citations):
            plans.append(valid)  # drop citations of missing or failed sources
        alone = [c.source_id for c in sentence.verdict.citations if c.supports]
        if alone and len(valid) > 1:
            plans.append(alone)
        others = self.candidates(sentence.text, valid)[:RECITE_CANDIDATES]
        for other in others:
            plans.append([*valid, other])  # add; trimming turns it into a swap if apt
        if not valid and len(others) > 1:
            plans.append(others)  # stitched from two sources, neither cited
        for plan in plans:
            if tuple(plan) in tried:
                continue
            tried.add(tuple(plan))
            found = await self.try_citations(sentence, plan, trail)
            if found is not None:
                return found
        return None

    async def rewrite(
        self, sentence: SummarySentence, trail: list[RepairAttempt], rounds: int | None = None
    ) -> tuple[str, list[int], Verdict] | None:
        valid = [c for c in dict.fromkeys(sentence.citations) if c in self.by_id]
        ids = (valid + self.candidates(sentence.text, valid))[:REWRITE_SOURCES]
        if not ids:
            return None
        sources = [self.by_id[i] for i in ids]
        feedback = ""
        language = self.settings.language
        for _ in range(max(0, self.settings.repair_rounds if rounds is None else rounds)):
            messages = build_rewrite_messages(
                sentence.text,
                sources,
                max(REWRITE_PASSAGES, self.settings.evidence_per_source),
                language,
                feedback,
            )
            try:
                result = await self.llm.structured(
                    Rewrite,
                    messages,
                    prompts=rewrite_prompts(),
                    context={"source_ids": ids, "language": language_code(language)},
                    max_tokens=REWRITE_MAX_TOKENS,
                )
            except LLMResponseError as exc:
                logger.warning("rewrite failed: %s", exc)
                failed = Verdict(status=Status.UNSUPPORTED, reason=f"rewrite failed: {exc}")
                trail.append(
                    RepairAttempt(
                        action=RepairAction.REWRITE,
                        text=sentence.text,
                        citations=[],
                        verdict=failed,
                    )
                )
                return None
            verdict = await self.verify(result.text, result.source_ids, sentence.paragraph)
            trail.append(
                RepairAttempt(
                    action=RepairAction.REWRITE,
                    text=result.text,
                    citations=result.source_ids,
                    verdict=verdict,
                )
            )
            if verdict.status is Status.SUPPORTED:
                return result.text, result.source_ids, verdict
            feedback = f"“{result.text}” ({verdict.reason})"
        return None

    async def repair(self, sentence: SummarySentence) -> SummarySentence:
        status = sentence.verdict.status
        if status is Status.SUPPORTED:
            return await self.trim(sentence)
        if status not in NEEDS_WORK:
            return sentence
        trail: list[RepairAttempt] = []
        recited = await self.recite(sentence, trail)
        if recited is not None:
            citations, verdict = recited
            return _changed(sentence, sentence.text, citations, _as_repaired(verdict), trail)
        slot = planned_evidence(self.summary, sentence)
        # A planned slot gets one rewrite, then its own evidence: it is filled, not dropped.
        rewritten = await self.rewrite(sentence, trail, rounds=1 if slot else None)
        if rewritten is not None:
            text, citations, verdict = rewritten
            return _changed(sentence, text, citations, _as_repaired(verdict), trail)
        backfilled = await self.backfill(sentence, slot, trail)
        if backfilled is not None:
            return backfilled
        return _removed(sentence, trail)

    async def backfill(
        self, sentence: SummarySentence, slot: Sequence[Span], trail: list[RepairAttempt]
    ) -> SummarySentence | None:
        """The slot's evidence sentences, best first, verbatim, each citing its own source."""
        for span in slot:
            if span.source_id not in self.by_id:
                continue
            text = " ".join(span.text.split())
            probe = SummarySentence(text=text, citations=[span.source_id], slot=sentence.slot)
            verdict = await verify_sentence(
                probe, self.summary.sources, self.llm, self.settings, planned=[span]
            )
            trail.append(
                RepairAttempt(
                    action=RepairAction.BACKFILL,
                    text=text,
                    citations=[span.source_id],
                    verdict=verdict,
                )
            )
            if verdict.status is Status.SUPPORTED:
                changed = _changed(sentence, text, [span.source_id], _as_repaired(verdict), trail)
                return changed.model_copy(update={"extracted": True})
        return None

    async def trim(self, sentence: SummarySentence) -> SummarySentence:
        """Drop citations of a supported sentence that add nothing (ALCE precision)."""
        needed = necessary(sentence.verdict)
        if not needed or needed == sentence.citations:
            return sentence
        verdict = await self.verify(sentence.text, needed, sentence.paragraph)
        attempt = RepairAttempt(
            action=RepairAction.TRIM, text=sentence.text, citations=needed, verdict=verdict
        )
        if verdict.status is not Status.SUPPORTED:
            return sentence  # the citations only work together after all
        return _changed(sentence, sentence.text, needed, _as_repaired(verdict), [attempt])


def necessary(verdict: Verdict) -> list[int]:
    """Cited IDs to keep: those that support alone, when some do and others do not."""
    alone = [c.source_id for c in verdict.citations if c.supports]
    if alone and len(alone) < len(verdict.citations):
        return alone
    return [c.source_id for c in verdict.citations]


def _as_repaired(verdict: Verdict) -> Verdict:
    return verdict.model_copy(update={"status": Status.REPAIRED})


def _changed(
    sentence: SummarySentence,
    text: str,
    citations: list[int],
    verdict: Verdict,
    trail: list[RepairAttempt],
) -> SummarySentence:
    return sentence.model_copy(
        update={
            "text": text,
            "citations": citations,
            "verdict": verdict,
            "original_text": sentence.original_text or sentence.text,
            "original_citations": sentence.original_citations or list(sentence.citations),
            "attempts": [*sentence.attempts, *trail],
        }
    )


def _removed(sentence: SummarySentence, trail: list[RepairAttempt]) -> SummarySentence:
    last = sentence.verdict
    verdict = last.model_copy(
        update={"status": Status.REMOVED, "reason": f"removed: {last.reason}"}
    )
    step = RepairAttempt(
        action=RepairAction.REMOVE,
        text=sentence.text,
        citations=list(sentence.citations),
        verdict=verdict,
    )
    return _changed(sentence, sentence.text, list(sentence.citations), verdict, [*trail, step])


def _marked(sentence: SummarySentence) -> SummarySentence:
    step = RepairAttempt(
        action=RepairAction.MARK,
        text=sentence.text,
        citations=list(sentence.citations),
        verdict=sentence.verdict,
    )
    return _changed(sentence, sentence.text, list(sentence.citations), sentence.verdict, [step])


def describe_problems(sentences: Sequence[tuple[int, SummarySentence]]) -> str:
    """'2 sentences not supported: #1 “…” (reason); #3 “…” (reason)' for VerificationFailed."""
    parts = []
    for number, sentence in sentences:
        text = sentence.text if len(sentence.text) <= 80 else sentence.text[:79] + "…"
        parts.append(f"#{number} “{text}” ({sentence.verdict.reason or sentence.status.value})")
    noun = "sentence" if len(sentences) == 1 else "sentences"
    return f"{len(sentences)} {noun} not supported by their sources: " + "; ".join(parts)


# -- the stage -------------------------------------------------------------------------------------
async def repair_summary(summary: Summary, llm: Model, settings: Settings) -> Summary:
    """A copy of a verified ``summary`` with ``settings.on_unsupported`` applied."""
    policy = settings.on_unsupported
    sentences = list(summary.sentences)
    if policy == "fail":
        bad = [(i + 1, s) for i, s in enumerate(sentences) if s.verdict.status in NEEDS_WORK]
        if bad:
            raise VerificationFailed(describe_problems(bad))
    elif policy == "mark":
        sentences = [_marked(s) if s.verdict.status in NEEDS_WORK else s for s in sentences]
    elif policy == "remove":
        sentences = [_removed(s, []) if s.verdict.status in NEEDS_WORK else s for s in sentences]
    else:
        repairer = _Repairer(summary, llm, settings)
        slots = asyncio.Semaphore(max(1, settings.llm_concurrency))

        async def run(sentence: SummarySentence) -> SummarySentence:
            async with slots:
                return await repairer.repair(sentence)

        sentences = list(await asyncio.gather(*(run(s) for s in sentences)))
    counts = {status: sum(1 for s in sentences if s.status is status) for status in Status}
    logger.info(
        "repair (%s): %d repaired, %d removed, %d still unsupported",
        policy,
        counts[Status.REPAIRED],
        counts[Status.REMOVED],
        counts[Status.UNSUPPORTED] + counts[Status.UNCITED],
    )
    return summary.model_copy(update={"sentences": sentences})
