"""Reading what the endpoint sent back: yes/no logprobs and error reasons.

Pure helpers for ``summarizer.llm.client``; kept apart so the client reads as
the retry/re-ask/cache flow it is.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from summarizer.text.clean import one_line

if TYPE_CHECKING:  # the SDK is imported on the first real request (client.py)
    import openai
    from openai.types.chat import ChatCompletion


def yes_share(response: ChatCompletion) -> float | None:
    logprobs = response.choices[0].logprobs
    if logprobs is None or not logprobs.content:
        return None
    first = logprobs.content[0]
    alternatives = {alt.token: alt.logprob for alt in first.top_logprobs or []}
    alternatives.setdefault(first.token, first.logprob)
    share = yes_share_of(alternatives)
    return 0.5 if share is None else share


def yes_share_of(alternatives: dict[str, float]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over one position's token → logprob alternatives.

    Tokens match after strip + lower ("Yes", " yes"); None when neither word is there.
    """
    yes = no = 0.0
    for token, logprob in alternatives.items():
        word = token.strip().lower()
        if word == "yes":
            yes += math.exp(logprob)
        elif word == "no":
            no += math.exp(logprob)
    if yes + no == 0.0:
        return None
    return yes / (yes + no)


def server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    message: Any = None
    if isinstance(body, dict):
        message = body.get("message")
        if message is None and isinstance(body.get("error"), dict):
            message = body["error"].get("message")
    if message is None:
        message = body if body is not None else exc.response.reason_phrase
    return one_line(str(message))[:160]


def root_reason(exc: BaseException) -> str:
    """The innermost cause's message: 'All connection attempts failed', not 'Connection error.'."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return one_line(str(exc) or type(exc).__name__)[:160]


def describe(exc: BaseException) -> str:
    """What was wrong with the model's output, in one line."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False)
        if not errors:
            return "invalid output"
        first = errors[0]
        loc = ".".join(str(part) for part in first["loc"]) or exc.title
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return one_line(f"{loc}: {first['msg']}{more}")[:300]
    if isinstance(exc, json.JSONDecodeError):
        return f"output is not valid JSON ({exc.msg})"
    return one_line(str(exc) or type(exc).__name__)[:300]
