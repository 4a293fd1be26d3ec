"""The rules for the text of a cited sentence, shared by drafting, rewriting and planning.

A sentence the model writes must be one sentence, carry no citation marker typed
into its text (citations travel as typed IDs, never parsed from prose) and cite
at least one source it was allowed to cite. These are the checks the response
models' validators run; each raises ``ValueError`` with the fix, so instructor
re-asks the model with it. Every pattern here is built from escaped literal
pieces; nothing model-written ever goes into a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from summarizer.text.sentences import count_sentences

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
_LENIENT_ID = re.compile(
    r"^\s*[\[(]?\s*(?:source\s*)?S?(\d+)(?:\.\d+)?\s*[\])]?\s*$", re.IGNORECASE
)


def find_marker(text: str) -> str | None:
    """The first citation marker typed into ``text`` ('[3]', '【3】', '(source 2)', ...)."""
    match = _MARKER.search(text)
    return match.group(0) if match else None


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


def unique(ids: Iterable[int]) -> list[int]:
    """Citation IDs in order, without repeats (``[1][1]`` says nothing more)."""
    return list(dict.fromkeys(ids))


def remove_markers(text: str) -> str:
    """``text`` without typed citation markers, whitespace normalised (for titles)."""
    return " ".join(_MARKER.sub(" ", text).split())


class CitedSentence(BaseModel):
    """Base of the response models that carry one cited sentence (draft items, rewrites).

    Subclasses give ``source_ids`` its description and say which IDs are valid
    (:meth:`valid_ids`, read from the validation context); the rules are the ones above.
    """

    text: str = Field(description="Exactly one sentence. No source numbers or brackets in it.")
    source_ids: list[int]

    many_sentences_fix: ClassVar[str] = ""  # "" = "put each sentence in its own item"
    unknown_id: ClassVar[str] = "does not exist"

    @classmethod
    def valid_ids(cls, info: ValidationInfo) -> list[int] | None:
        """The IDs this sentence may cite: ``context["source_ids"]`` (``None``: unchecked)."""
        context = info.context if isinstance(info.context, dict) else {}
        allowed = context.get("source_ids")
        return allowed if isinstance(allowed, list) else None

    @classmethod
    def offering(cls, source_ids: Sequence[int]) -> type[Self]:
        """This model with a schema that offers only ``source_ids`` (an ``enum``, which a
        grammar-constrained server such as llama.cpp enforces while sampling)."""
        field = cls.model_fields["source_ids"]
        return create_model(
            cls.__name__,
            __base__=cls,
            __doc__=cls.__doc__,
            source_ids=(
                list[int],
                Field(
                    json_schema_extra={
                        "items": {"type": "integer", "enum": list(source_ids)},
                        "minItems": 1,
                    },
                    description=field.description,
                ),
            ),
        )

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str, info: ValidationInfo) -> str:
        return check_sentence_text(value, info, fix=cls.many_sentences_fix)

    @field_validator("source_ids", mode="before")
    @classmethod
    def _coerce_ids(cls, value: Any) -> Any:
        return coerce_source_ids(value)

    @field_validator("source_ids")
    @classmethod
    def _check_ids(cls, value: list[int], info: ValidationInfo) -> list[int]:
        return check_source_ids(value, cls.valid_ids(info), cls.unknown_id)
