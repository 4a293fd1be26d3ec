"""Drafting: the prompt and the stage that asks the model for a cited brief.

The model sees each usable source fenced as data (``<source id="2" ...>``), one
passage per line with its ID (``[S2.5] ...``), and answers with a ``Draft``
(``summarizer.draft.schema``): a title and sentences, each with the IDs of the
sources that state it and, optionally, the passage IDs it drew on.

Paragraphs are decided here, not by the model (one fewer thing for a 1.5B model
to get wrong): up to 3 sentences form one paragraph; longer briefs are split in
two, the first ``ceil(n / 2)`` sentences being the lead.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence

from summarizer.draft.context import estimate_tokens, passage_id, select_passages, total_cost
from summarizer.draft.schema import Draft, draft_model
from summarizer.errors import ConfigError, NoUsableSourceError
from summarizer.llm.seam import Model
from summarizer.models import Source, Status, Summary, SummarySentence, Verdict
from summarizer.prompts import load_prompt
from summarizer.settings import Settings
from summarizer.text.fences import attribute, clean_passage
from summarizer.text.sentences import language_code

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = "draft_system"
USER_PROMPT = "draft"
# Chat-template tokens per message (role markers etc.) plus tool-call framing.
MESSAGE_OVERHEAD_TOKENS = 40
# What one drafted sentence costs as JSON (text + ids + evidence): a re-ask sends
# the previous answer back, so each allowed re-ask reserves this much per sentence.
TOKENS_PER_DRAFT_SENTENCE = 60
REASK_OVERHEAD_TOKENS = 150
DEFAULT_TITLE = "News brief"


# -- prompt ------------------------------------------------------------------------------------
def render_sources(sources: Sequence[Source]) -> str:
    """Sources fenced as data, one ``[S<id>.<n>] text`` line per passage."""
    blocks: list[str] = []
    for source in sources:
        attrs = [f'id="{source.id}"']
        for name, value in (
            ("title", source.title),
            ("outlet", source.outlet),
            ("date", source.published),
        ):
            if value:
                attrs.append(f'{name}="{attribute(value)}"')
        lines = [f"[{passage_id(p)}] {clean_passage(p.text)}" for p in source.passages]
        blocks.append(f"<source {' '.join(attrs)}>\n" + "\n".join(lines) + "\n</source>")
    return "\n\n".join(blocks)


def length_phrase(settings: Settings) -> str:
    phrase = f"{settings.sentences_for(0)} sentences"
    if settings.target_words:
        phrase += f" (about {settings.target_words} words in total)"
    return phrase


def focus_phrase(settings: Settings) -> str:
    if settings.focus and settings.focus.strip():
        return f"Focus on this question: {' '.join(settings.focus.split())}"
    return "Cover the most important facts that the sources report."


def build_messages(sources: Sequence[Source], settings: Settings) -> list[dict[str, str]]:
    system = load_prompt(SYSTEM_PROMPT).render(language=settings.language)
    user = load_prompt(USER_PROMPT).render(
        sources=render_sources(sources),
        length=length_phrase(settings),
        focus=focus_phrase(settings),
        language=settings.language,
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def source_budget(settings: Settings) -> int:
    """Tokens left for source passages once prompt, answer and re-asks are reserved."""
    empty = build_messages([], settings)
    overhead = (
        sum(estimate_tokens(m["content"]) for m in empty)
        + estimate_tokens(json.dumps(Draft.model_json_schema()))
        + MESSAGE_OVERHEAD_TOKENS * len(empty)
    )
    per_reask = TOKENS_PER_DRAFT_SENTENCE * settings.sentences_for(0) + REASK_OVERHEAD_TOKENS
    reserve = max(0, settings.reask_retries) * min(settings.max_tokens, per_reask)
    return settings.context_size - overhead - settings.max_tokens - reserve


# -- the stage ---------------------------------------------------------------------------------
async def draft_summary(sources: list[Source], llm: Model, settings: Settings) -> Summary:
    """Draft a cited brief of the usable ``sources``; every sentence is UNVERIFIED.

    What the context budget did is recorded in ``Summary.options``
    (``context_trimmed``, ``passages_shown``, ``passages_total``); cost is counted
    by the caller's usage meter, not here.
    """
    usable = [s.model_copy(update={"passages": s.segmented()}) for s in sources if s.ok]
    if not usable:
        raise NoUsableSourceError("no usable source to summarize")
    settings = settings.with_overrides(target_sentences=settings.sentences_for(len(usable)))

    budget = source_budget(settings)
    if budget <= 0:
        raise ConfigError(
            f"context_size={settings.context_size} leaves no room for sources after the prompt "
            f"and max_tokens={settings.max_tokens}; raise context_size or lower max_tokens"
        )
    selected = select_passages(usable, budget, settings.focus)
    shown = [
        s.model_copy(update={"passages": selected[s.id]}) for s in usable if selected.get(s.id)
    ]
    if not shown:
        raise ConfigError(f"no source passage fits in context_size={settings.context_size}")
    trimmed = total_cost(usable) > budget
    if trimmed:
        logger.info(
            "sources exceed the context budget (%d tokens); showing %d of %d passages",
            budget,
            sum(len(s.passages) for s in shown),
            sum(len(s.passages) for s in usable),
        )

    messages = build_messages(shown, settings)
    context = {"sources": shown, "language": language_code(settings.language)}
    draft = await llm.structured(
        draft_model(settings.sentences_for(0), tuple(sorted(src.id for src in shown))),
        messages,
        prompts=[load_prompt(SYSTEM_PROMPT), load_prompt(USER_PROMPT)],
        context=context,
    )

    passages = {passage_id(p): p for s in shown for p in s.passages}
    count = len(draft.sentences)
    lead = count if count <= 3 else math.ceil(count / 2)
    sentences = [
        SummarySentence(
            text=item.text,
            citations=item.source_ids,
            paragraph=0 if index < lead else 1,
            verdict=Verdict(
                status=Status.UNVERIFIED,
                evidence=[passages[pid].span() for pid in item.evidence if pid in passages],
                reason="evidence named by the drafting model; not verified"
                if item.evidence
                else "",
            ),
        )
        for index, item in enumerate(draft.sentences)
    ]
    return Summary(
        title=draft.title or next((s.title for s in shown if s.title), None) or DEFAULT_TITLE,
        sentences=sentences,
        sources=list(sources),
        model=llm.model_name,
        options={
            "target_sentences": settings.target_sentences,
            "target_words": settings.target_words,
            "focus": settings.focus,
            "language": settings.language,
            "context_trimmed": trimmed,
            "passages_shown": {str(s.id): len(s.passages) for s in shown},
            "passages_total": {str(s.id): len(s.passages) for s in usable},
        },
    )
