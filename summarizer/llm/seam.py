"""What a stage may ask of a model: a structured answer, free text, or P(yes).

Stages depend on this protocol, not on the HTTP client: ``summarizer.llm.LLM``
(any OpenAI-compatible endpoint, the embedded server included) implements it,
and tests may pass an in-process fake. An implementation reports each answer
to :func:`summarizer.llm.usage.record` so the caller's meter can bill it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from summarizer.prompts import Prompt

T = TypeVar("T", bound=BaseModel)


class Model(Protocol):
    """The model seam every stage uses."""

    model_name: str

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        prompts: Sequence[Prompt],
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> T:
        """A validated ``response_model``; validators see ``context`` as ``info.context``."""
        ...

    async def text(
        self,
        messages: list[dict[str, str]],
        *,
        prompts: Sequence[Prompt],
        max_tokens: int | None = None,
    ) -> str:
        """Free text from the model."""
        ...

    async def yes_probability(
        self, messages: list[dict[str, str]], *, prompts: Sequence[Prompt]
    ) -> float:
        """P(yes) / (P(yes) + P(no)) of the first answer token."""
        ...
