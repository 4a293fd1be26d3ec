"""The drafting model's response schema and its provenance validators.

Validators get the shown sources through the validation context
(``info.context["sources"]``) and *raise* on anything that breaks provenance (no
citation, unknown source, empty text, two sentences in one item, citation
markers typed into the text), so instructor re-asks with the error. The rules
for sentence text are the text kernel's (``summarizer.text.cited``), shared with
the rewrite in repair. Evidence IDs are hints: unknown ones are dropped, never
re-asked.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from summarizer.draft.context import passage_id
from summarizer.models import Source
from summarizer.text.cited import CitedSentence, remove_markers

_PASSAGE_ID = re.compile(r"S?\s*(\d+)\s*\.\s*(\d+)", re.IGNORECASE)


def _sources(info: ValidationInfo) -> list[Source] | None:
    context = info.context
    if not isinstance(context, dict):
        return None
    sources = context.get("sources")
    return list(sources) if isinstance(sources, list) else None


class DraftSentence(CitedSentence):
    """One sentence of the brief and the sources that state it."""

    source_ids: list[int] = Field(
        description="Ids of the sources that state the facts of this sentence (at least one)."
    )
    evidence: list[str] = Field(
        default_factory=list, description='IDs of the passages that state it, like "S0.2".'
    )

    @classmethod
    def valid_ids(cls, info: ValidationInfo) -> list[int] | None:
        sources = _sources(info)
        return sorted(s.id for s in sources) if sources is not None else None

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
        return remove_markers(value)

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
        sentence_model = DraftSentence.offering(source_ids)
    return create_model(
        "Draft",
        __base__=Draft,
        __doc__=Draft.__doc__,
        sentences=(
            list[sentence_model],  # type: ignore[valid-type]  # a class made at run time
            Field(
                json_schema_extra={"minItems": low, "maxItems": high},
                description=f"The brief in reading order, one sentence per item "
                f"({target_sentences} sentences).",
            ),
        ),
    )
