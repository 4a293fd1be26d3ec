"""Drafting: the prompt, the response model and its provenance validators.

The model sees each usable source fenced as data (``<source id="2" ...>``), one
passage per line with its ID (``[S2.5] ...``), and answers with a ``Draft``:
a title and sentences, each with the IDs of the sources that state it and,
optionally, the passage IDs it drew on. Validators get the shown sources through
the validation context (``info.context["sources"]``) and *raise* on anything
that breaks provenance (no citation, unknown source, empty text, two sentences
in one item, citation markers typed into the text), so instructor re-asks with
the error. Evidence IDs are hints: unknown ones are dropped, never re-asked.

Paragraphs are decided here, not by the model (one fewer thing for a 1.5B model
to get wrong): up to 3 sentences form one paragraph; longer briefs are split in
two, the first ``ceil(n / 2)`` sentences being the lead.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

import pysbd
from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from summarizer.context import estimate_tokens, passage_id, select_passages, total_cost
from summarizer.errors import ConfigError, NoUsableSourceError
from summarizer.llm.client import LLM
from summarizer.models import (
    Passage,
    RunStats,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.prompts import load_prompt
from summarizer.settings import Settings

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

# -- citation markers typed into text --------------------------------------------------------
# Built from escaped literal pieces; nothing model-written ever goes into a pattern.
_ID = r"S?\s*\d+(?:\.\d+)?"
_IDS = rf"{_ID}(?:\s*(?:,|;|&|and|-|–)\s*{_ID})*"
_WORD = r"(?:sources?|src|refs?|references?|citations?)"
_BRACKETS = [("[", "]"), ("【", "】"), ("［", "］"), ("〔", "〕"), ("{", "}")]
_PARENS = [("(", ")"), ("（", "）")]
_MARKER = re.compile(
    "|".join(
        [rf"{re.escape(o)}\s*(?:{_WORD}\s*)?{_IDS}\s*{re.escape(c)}" for o, c in _BRACKETS]
        + [
            rf"{re.escape(o)}\s*(?:{_WORD}\s*{_IDS}|S\d+\.\d+(?:\s*[,;]\s*S\d+\.\d+)*)\s*{re.escape(c)}"
            for o, c in _PARENS
        ]
        + [r"\bS\d+\.\d+\b", rf"\b{_WORD}\s+\d+\b"]
    ),
    re.IGNORECASE,
)
# Markers already in page text (Wikipedia-style [3], fake passage IDs) would invite
# the model to copy them; they are removed from what the model sees, not from the source.
_PAGE_MARKER = re.compile(r"\[\s*(?:S\s*)?\d+(?:\.\d+)?\s*\]|【\s*\d+\s*】")
_FENCE = re.compile(r"<\s*/?\s*source\b", re.IGNORECASE)
_LENIENT_ID = re.compile(
    r"^\s*[\[(]?\s*(?:source\s*)?S?(\d+)(?:\.\d+)?\s*[\])]?\s*$", re.IGNORECASE
)
_PASSAGE_ID = re.compile(r"S?\s*(\d+)\s*\.\s*(\d+)", re.IGNORECASE)

_PYSBD_LANGUAGES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "dutch": "nl", "danish": "da", "polish": "pl", "russian": "ru", "greek": "el",
    "bulgarian": "bg", "slovak": "sk", "chinese": "zh", "japanese": "ja", "arabic": "ar",
    "persian": "fa", "hindi": "hi", "marathi": "mr", "urdu": "ur", "armenian": "hy",
    "amharic": "am", "burmese": "my", "kazakh": "kk",
}  # fmt: skip


def language_code(language: str) -> str:
    """pysbd's code for a language name or code; English when pysbd lacks it."""
    name = language.strip().lower()
    code = _PYSBD_LANGUAGES.get(name, name)
    return code if code in _PYSBD_LANGUAGES.values() else "en"


@cache
def _segmenter(code: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=code, clean=False)


def count_sentences(text: str, language: str = "en") -> int:
    """Sentences in ``text`` per pysbd (pieces without a letter or digit do not count)."""
    pieces = _segmenter(language_code(language)).segment(text)
    return sum(1 for piece in pieces if any(ch.isalnum() for ch in piece))


def find_marker(text: str) -> str | None:
    """The first citation marker typed into ``text`` ('[3]', '【3】', '(source 2)', ...)."""
    match = _MARKER.search(text)
    return match.group(0) if match else None


# -- response model ----------------------------------------------------------------------------
def check_sentence_text(value: str, info: ValidationInfo, *, fix: str = "") -> str:
    """One sentence, whitespace normalised, no typed citation marker: else raise (re-ask).

    ``fix`` is what the re-ask tells the model to do with several sentences.
    """
    text = " ".join(value.split())
    if not text:
        raise ValueError("the sentence text is empty; write one sentence")
    marker = find_marker(text)
    if marker is not None:
        raise ValueError(
            f"the text contains the citation marker {marker!r}; remove it from the text "
            "and put the source id in source_ids only"
        )
    context = info.context if isinstance(info.context, dict) else {}
    count = count_sentences(text, str(context.get("language", "en")))
    if count > 1:
        fix = fix or "put each sentence in its own item"
        raise ValueError(f"this item contains {count} sentences; {fix}")
    return text


def coerce_source_ids(value: Any) -> Any:
    """Small models write 2, "2", "S2.1" or "[2]"; all mean source 2."""
    items = value if isinstance(value, list) else [value]
    coerced: list[Any] = []
    for item in items:
        match = _LENIENT_ID.match(item) if isinstance(item, str) else None
        coerced.append(int(match.group(1)) if match else item)
    return coerced


def check_source_ids(value: list[int], valid: Sequence[int] | None, unknown: str) -> list[int]:
    """Deduplicated IDs; raise (re-ask) when empty or when one is not in ``valid``."""
    ids = list(dict.fromkeys(value))
    choices = f" (valid ids: {', '.join(map(str, valid))})" if valid else ""
    if not ids:
        raise ValueError(f"source_ids is empty; cite at least one source{choices}")
    if valid is not None:
        missing = [i for i in ids if i not in valid]
        if missing:
            raise ValueError(f"source id {', '.join(map(str, missing))} {unknown}{choices}")
    return ids


def _sources(info: ValidationInfo) -> list[Source] | None:
    context = info.context
    if not isinstance(context, dict):
        return None
    sources = context.get("sources")
    return list(sources) if isinstance(sources, list) else None


class DraftSentence(BaseModel):
    """One sentence of the brief and the sources that state it."""

    text: str = Field(description="Exactly one sentence. No source numbers or brackets in it.")
    source_ids: list[int] = Field(
        description="Ids of the sources that state the facts of this sentence (at least one)."
    )
    evidence: list[str] = Field(
        default_factory=list, description='IDs of the passages that state it, like "S0.2".'
    )

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str, info: ValidationInfo) -> str:
        return check_sentence_text(value, info)

    @field_validator("source_ids", mode="before")
    @classmethod
    def _coerce_ids(cls, value: Any) -> Any:
        return coerce_source_ids(value)

    @field_validator("source_ids")
    @classmethod
    def _check_ids(cls, value: list[int], info: ValidationInfo) -> list[int]:
        sources = _sources(info)
        valid = sorted(s.id for s in sources) if sources is not None else None
        return check_source_ids(value, valid, "does not exist")

    @field_validator("evidence", mode="before")
    @classmethod
    def _coerce_evidence(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("evidence")
    @classmethod
    def _check_evidence(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """Keep the known passage IDs in canonical form; drop the rest silently."""
        sources = _sources(info)
        known = {passage_id(p) for s in sources for p in s.passages} if sources else None
        kept: list[str] = []
        for item in value:
            match = _PASSAGE_ID.search(item)
            if not match:
                continue
            pid = f"S{int(match.group(1))}.{int(match.group(2))}"
            if (known is None or pid in known) and pid not in kept:
                kept.append(pid)
        return kept


class Draft(BaseModel):
    """A short news brief: a title and a list of cited sentences."""

    title: str = Field(default="", description="A short headline for the brief.")
    sentences: list[DraftSentence] = Field(
        description="The brief in reading order, one sentence per item."
    )

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str) -> str:
        return " ".join(_MARKER.sub(" ", value).split())

    @field_validator("sentences")
    @classmethod
    def _check_sentences(cls, value: list[DraftSentence]) -> list[DraftSentence]:
        if not value:
            raise ValueError("the brief has no sentences; write at least one sentence")
        return value


@cache
def draft_model(target_sentences: int, source_ids: tuple[int, ...] = ()) -> type[Draft]:
    """``Draft`` whose tool schema carries the target length and the valid source IDs.

    The bounds (minItems/maxItems) and the ID ``enum`` go into the JSON schema,
    which a grammar-constrained server such as llama.cpp enforces while sampling:
    a small model can neither stop after two sentences nor cite a source that does
    not exist. They are schema hints only, never validated here (the validators
    check IDs against the sources), so an endpoint that ignores them costs no
    re-ask over length.
    """
    low = max(1, target_sentences - 1)
    high = max(low, target_sentences + 1)
    sentence_model: type[DraftSentence] = DraftSentence
    if source_ids:
        sentence_model = create_model(
            "DraftSentence",
            __base__=DraftSentence,
            __doc__=DraftSentence.__doc__,
            source_ids=(
                list[int],
                Field(
                    json_schema_extra={
                        "items": {"type": "integer", "enum": list(source_ids)},
                        "minItems": 1,
                    },
                    description=DraftSentence.model_fields["source_ids"].description,
                ),
            ),
        )
    return create_model(
        "Draft",
        __base__=Draft,
        __doc__=Draft.__doc__,
        sentences=(
            list[sentence_model],
            Field(
                json_schema_extra={"minItems": low, "maxItems": high},
                description=f"The brief in reading order, one sentence per item "
                f"({target_sentences} sentences).",
            ),
        ),
    )


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
                attrs.append(f'{name}="{_attribute(value)}"')
        lines = [f"[{passage_id(p)}] {_clean_passage(p.text)}" for p in source.passages]
        blocks.append(f"<source {' '.join(attrs)}>\n" + "\n".join(lines) + "\n</source>")
    return "\n\n".join(blocks)


def length_phrase(settings: Settings) -> str:
    phrase = f"{settings.target_sentences} sentences"
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
    per_reask = TOKENS_PER_DRAFT_SENTENCE * settings.target_sentences + REASK_OVERHEAD_TOKENS
    reserve = max(0, settings.reask_retries) * min(settings.max_tokens, per_reask)
    return settings.context_size - overhead - settings.max_tokens - reserve


# -- the stage ---------------------------------------------------------------------------------
async def draft_summary(sources: list[Source], llm: LLM, settings: Settings) -> Summary:
    """Draft a cited brief of the usable ``sources``; every sentence is UNVERIFIED.

    ``Summary.stats`` holds the cost of this stage only (the difference in
    ``llm.stats``) plus ``timings["draft"]``.
    """
    started = time.perf_counter()
    usable = [_with_passages(s) for s in sources if s.ok]
    if not usable:
        raise NoUsableSourceError("no usable source to summarize")

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
    before = llm.stats.model_copy(deep=True)
    draft = await llm.structured(
        draft_model(settings.target_sentences, tuple(sorted(src.id for src in shown))),
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
                evidence=[_span(passages[pid]) for pid in item.evidence if pid in passages],
                reason="evidence named by the drafting model; not verified"
                if item.evidence
                else "",
            ),
        )
        for index, item in enumerate(draft.sentences)
    ]
    stats = _difference(llm.stats, before)
    stats.add_time("draft", time.perf_counter() - started)
    return Summary(
        title=draft.title or next((s.title for s in shown if s.title), None) or DEFAULT_TITLE,
        sentences=sentences,
        sources=list(sources),
        stats=stats,
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


# -- helpers -----------------------------------------------------------------------------------
def _with_passages(source: Source) -> Source:
    """A source with text but no segmentation gets one passage spanning all of it."""
    if source.passages:
        return source
    whole = Passage(source_id=source.id, index=0, start=0, end=len(source.text), text=source.text)
    return source.model_copy(update={"passages": [whole]})


def _clean_passage(text: str) -> str:
    text = _PAGE_MARKER.sub("", text)
    text = _FENCE.sub(lambda m: m.group(0).replace("<", "‹"), text)
    return " ".join(text.split())


def _attribute(value: str) -> str:
    cleaned = " ".join(value.split()).replace('"', "'").replace("<", "‹").replace(">", "›")
    return cleaned[:200]


def _span(passage: Passage) -> Span:
    return Span(
        source_id=passage.source_id, start=passage.start, end=passage.end, text=passage.text
    )


def _difference(after: RunStats, before: RunStats) -> RunStats:
    return RunStats(
        llm_calls=after.llm_calls - before.llm_calls,
        cache_hits=after.cache_hits - before.cache_hits,
        prompt_tokens=after.prompt_tokens - before.prompt_tokens,
        completion_tokens=after.completion_tokens - before.completion_tokens,
    )
