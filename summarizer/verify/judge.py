"""The entailment judge: P(the evidence supports the claim) from one yes/no token.

Why a yes/no token and not a generated explanation: one output token is the
cheapest call a local model can answer, and its log-probabilities give a
graded score that a threshold (chosen on labelled data, see bench/verifier.py)
turns into a verdict.

The prompt is built for llama.cpp's prefix cache: the instructions are a static
system message, identical on every call, so only the evidence and the claim
are new tokens. Evidence and claim are fenced as data (``<evidence>``,
``<claim>``); any fence-like tag inside them is defused first
(``summarizer.text.fences``), so page text cannot close the fence and talk to
the model as the user.
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.llm.seam import Model
from summarizer.models import Span
from summarizer.prompts import Prompt, load_prompt
from summarizer.text.fences import defuse

SYSTEM_PROMPT = "judge_system"
USER_PROMPT = "judge"


def render_evidence(spans: Sequence[Span]) -> str:
    """One line per span in the order given; labelled by source when there are several.

    A single source's evidence renders the same whether it is judged jointly or
    alone, so the per-citation call of a one-source sentence is a cache hit.
    """
    if len({span.source_id for span in spans}) <= 1:
        return "\n".join(defuse(span.text) for span in spans)
    return "\n".join(f"(source {span.source_id}) {defuse(span.text)}" for span in spans)


def judge_prompts() -> list[Prompt]:
    return [load_prompt(SYSTEM_PROMPT), load_prompt(USER_PROMPT)]


def build_judge_messages(claim: str, spans: Sequence[Span]) -> list[dict[str, str]]:
    """System (static: reusable KV cache), then fenced evidence, then the claim."""
    system, user = judge_prompts()
    return [
        {"role": "system", "content": system.render()},
        {
            "role": "user",
            "content": user.render(
                evidence=render_evidence(spans) or "(none)", claim=defuse(claim)
            ),
        },
    ]


async def judge(claim: str, spans: Sequence[Span], llm: Model) -> float:
    """P(yes): the judge's belief that ``spans`` entail ``claim``. 0.0 without evidence."""
    if not spans:
        return 0.0
    return await llm.yes_probability(build_judge_messages(claim, spans), prompts=judge_prompts())
