"""Judges for the citation metrics: ``await judge(claim, evidence) -> P(supported)``.

The default is the verifier's LLM entailment judge, so one model decides
"supported" for every system. ``overlap_judge`` is a cheap deterministic stand-in
(share of the claim's content words found in the evidence, as the verifier's
lexical layer computes it): good enough for
extractive baselines, whose sentences are verbatim copies, and for an offline CI
gate; it cannot detect a changed number or a negation, so never report it as
faithfulness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.eval.metrics import Judge
from summarizer.models import Span
from summarizer.settings import Settings
from summarizer.text.lexical import coverage

if TYPE_CHECKING:
    from summarizer.llm import LLM


async def overlap_judge(claim: str, evidence: list[str]) -> float:
    """Share of the claim's content words found in the evidence: the verifier's own
    lexical layer (``summarizer.text.lexical.coverage``), so the two never disagree."""
    return coverage(claim, "\n".join(evidence))


def llm_judge(llm: LLM, settings: Settings) -> Judge:
    """The verifier's entailment judge (P(yes) of one token) bound to ``llm``.

    The raw judge, not the verifier's combined score (judge x deterministic checks):
    ``full`` repairs against that combined score, so scoring with it would grade
    the system by its own criterion. Answers are cached by the LLM's disk cache.
    Each line of an evidence text (one per span) becomes one evidence line of the
    judge prompt, labelled by the citation's position when several are judged.
    """
    from summarizer.verify.judge import judge as entailment

    async def judge(claim: str, evidence: list[str]) -> float:
        spans = [
            Span(source_id=i, start=0, end=len(line), text=line)
            for i, text in enumerate(evidence)
            for line in text.split("\n")
            if line.strip()
        ]
        return await entailment(claim, spans, llm)

    judge.__name__ = "llm"
    return judge


def judge_name(judge: Judge) -> str:
    """A stable label for run metadata and the run fingerprint."""
    return str(getattr(judge, "__name__", type(judge).__name__))
