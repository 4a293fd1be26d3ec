"""An in-process model behind the stages' seam (``summarizer.llm.seam.Model``).

No HTTP, no instructor: answers come from Python callables, and every answer is
reported to the usage meter exactly as the real client reports one response, so
stage attribution can be tested without a server. Structured answers are
validated with the caller's validation context (the provenance validators run);
an answer they reject raises ``LLMResponseError``, as the real client does once
its re-asks are spent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.errors import LLMResponseError
from summarizer.llm import usage
from summarizer.prompts import Prompt

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]


class FakeModel:
    model_name = "fake"

    def __init__(
        self,
        *,
        answer: Callable[[str, Messages], dict[str, Any]] | None = None,
        judge: Callable[[Messages], float] | None = None,
        prompt_tokens: int = 10,
        completion_tokens: int = 2,
    ) -> None:
        self._answer = answer or (lambda name, messages: {})
        self._judge = judge or (lambda messages: 1.0)
        self._tokens = (prompt_tokens, completion_tokens)
        self.calls: list[str] = []  # kind of each call, in order

    def _bill(self, kind: str) -> None:
        self.calls.append(kind)
        usage.record(usage.Call(prompt_tokens=self._tokens[0], completion_tokens=self._tokens[1]))

    async def structured(
        self,
        response_model: type[T],
        messages: Messages,
        *,
        prompts: Sequence[Prompt],
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> T:
        self._bill("structured")
        data = self._answer(response_model.__name__, messages)
        try:
            return response_model.model_validate(data, context=context)
        except ValidationError as exc:
            raise LLMResponseError(f"fake answer invalid: {exc.error_count()} error(s)") from exc

    async def text(
        self, messages: Messages, *, prompts: Sequence[Prompt], max_tokens: int | None = None
    ) -> str:
        self._bill("text")
        return "ok"

    async def yes_probability(self, messages: Messages, *, prompts: Sequence[Prompt]) -> float:
        self._bill("yes_probability")
        return self._judge(messages)
