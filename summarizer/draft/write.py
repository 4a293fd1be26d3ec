"""Writing a planned brief: one model call per slot, from that slot's evidence only.

The plan (``summarizer.plan``) has chosen the facts and their evidence; the model
only fuses and compresses each slot's one to three sentences into one sentence.
The response schema offers only the slot's source IDs (an ``enum`` a
grammar-constrained server such as llama.cpp enforces), and the validator refuses
any other ID (re-ask), so a citation outside the evidence cannot be produced. A
slot whose answer stays invalid is back-filled with its best evidence sentence,
copied exactly and marked ``extracted``. A leading or trailing "according to X"
that the evidence does not make is cut before verification
(``summarizer.text.attribution``). The title is written by the model from
the top facts, never a copied headline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from summarizer.errors import LLMResponseError
from summarizer.llm.seam import Model
from summarizer.models import Plan, PlanSlot, Source, Status, Summary, SummarySentence, Verdict
from summarizer.prompts import Prompt, load_prompt
from summarizer.settings import Settings
from summarizer.text.attribution import drop_unsupported_attribution
from summarizer.text.cited import CitedSentence, find_marker, remove_markers
from summarizer.text.fences import defuse
from summarizer.text.sentences import language_code

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = "write_system"
USER_PROMPT = "write"
TITLE_PROMPT = "title"
SENTENCE_MAX_TOKENS = 160
TITLE_MAX_TOKENS = 48
TITLE_FACTS = 3
TITLE_MAX_WORDS = 16
DEFAULT_TITLE = "News brief"


class SlotSentence(CitedSentence):
    """One sentence of the brief, written from the evidence, and the sources that state it."""

    source_ids: list[int] = Field(
        description="Ids of the sources whose evidence states this sentence (at least one)."
    )

    unknown_id: ClassVar[str] = "is not in this sentence's evidence"


@cache
def slot_model(source_ids: tuple[int, ...]) -> type[SlotSentence]:
    """``SlotSentence`` whose schema offers only ``source_ids`` (a grammar enforces it)."""
    return SlotSentence.offering(source_ids)


class BriefTitle(BaseModel):
    """A short headline for the brief."""

    title: str = Field(description="At most 12 words, in your own words.")

    @field_validator("title")
    @classmethod
    def _check_title(cls, value: str) -> str:
        text = remove_markers(value).strip(" \"'“”")
        if not text:
            raise ValueError("the title is empty; write a short headline")
        if len(text.split()) > TITLE_MAX_WORDS:
            raise ValueError(f"the title has {len(text.split())} words; use at most 12")
        if find_marker(value):
            raise ValueError("the title contains a citation marker; remove it")
        return text


def write_prompts() -> list[Prompt]:
    return [load_prompt(SYSTEM_PROMPT), load_prompt(USER_PROMPT)]


def render_evidence(slot: PlanSlot) -> str:
    """The slot's spans fenced as data, one source block each (their only citable IDs)."""
    blocks = [
        f'<source id="{span.source_id}">\n{defuse(span.text)}\n</source>' for span in slot.evidence
    ]
    return "\n\n".join(blocks)


def build_write_messages(slot: PlanSlot, settings: Settings) -> list[dict[str, str]]:
    system, user = write_prompts()
    return [
        {"role": "system", "content": system.render()},
        {
            "role": "user",
            "content": user.render(evidence=render_evidence(slot), language=settings.language),
        },
    ]


def build_title_messages(plan: Plan, settings: Settings) -> list[dict[str, str]]:
    facts = "\n".join(f"- {defuse(slot.evidence[0].text)}" for slot in plan.slots[:TITLE_FACTS])
    system = load_prompt(SYSTEM_PROMPT)
    return [
        {"role": "system", "content": system.render()},
        {
            "role": "user",
            "content": load_prompt(TITLE_PROMPT).render(facts=facts, language=settings.language),
        },
    ]


def extracted_sentence(slot: PlanSlot, *, reason: str) -> SummarySentence:
    """The slot's best evidence sentence, verbatim, citing exactly its own source."""
    best = slot.evidence[0]
    return SummarySentence(
        text=" ".join(best.text.split()),
        citations=[best.source_id],
        paragraph=slot.paragraph,
        slot=slot.index,
        extracted=True,
        verdict=Verdict(status=Status.UNVERIFIED, evidence=[best], reason=reason),
    )


async def _write_slot(
    slot: PlanSlot, llm: Model, settings: Settings, language: str
) -> SummarySentence:
    ids = tuple(slot.source_ids)
    try:
        answer = await llm.structured(
            slot_model(ids),
            build_write_messages(slot, settings),
            prompts=write_prompts(),
            context={"source_ids": list(ids), "language": language},
            max_tokens=SENTENCE_MAX_TOKENS,
        )
    except LLMResponseError as exc:
        logger.warning("slot %d: no valid sentence (%s); using its evidence", slot.index, exc)
        return extracted_sentence(slot, reason=f"back-filled: the model's sentence failed ({exc})")
    text = drop_unsupported_attribution(answer.text, " ".join(s.text for s in slot.evidence))
    if text != answer.text:
        logger.debug("slot %d: cut an attribution the evidence does not make", slot.index)
    return SummarySentence(
        text=text,
        citations=list(dict.fromkeys(answer.source_ids)),
        paragraph=slot.paragraph,
        slot=slot.index,
        verdict=Verdict(
            status=Status.UNVERIFIED,
            evidence=[s for s in slot.evidence if s.source_id in answer.source_ids],
            reason="written from the plan's evidence; not verified",
        ),
    )


async def _title(plan: Plan, llm: Model, settings: Settings) -> str:
    if not plan.slots:
        return DEFAULT_TITLE
    try:
        answer = await llm.structured(
            BriefTitle,
            build_title_messages(plan, settings),
            prompts=[load_prompt(SYSTEM_PROMPT), load_prompt(TITLE_PROMPT)],
            max_tokens=TITLE_MAX_TOKENS,
        )
    except LLMResponseError as exc:
        logger.warning("no valid title (%s)", exc)
        return DEFAULT_TITLE
    return answer.title


async def write_brief(
    plan: Plan, sources: Sequence[Source], llm: Model, settings: Settings
) -> Summary:
    """One sentence per slot (UNVERIFIED, with the slot's evidence) and a written title."""
    language = language_code(settings.language)
    slots = asyncio.Semaphore(max(1, settings.llm_concurrency))

    async def one(slot: PlanSlot) -> SummarySentence:
        async with slots:
            return await _write_slot(slot, llm, settings, language)

    tasks = [asyncio.ensure_future(one(slot)) for slot in plan.slots]
    try:
        sentences = list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:  # one slot's backend failure ends the others too, cleanly
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    title = await _title(plan, llm, settings)
    options: dict[str, Any] = {
        "drafter": "plan",
        "target_sentences": plan.target,
        "target_words": settings.target_words,
        "focus": settings.focus,
        "language": settings.language,
    }
    return Summary(
        title=title,
        sentences=sentences,
        sources=list(sources),
        model=llm.model_name,
        options=options,
        plan=plan,
    )
