"""Negation: a claim must not flip the polarity of the evidence sentence it restates.

A small judge reads "was not malignant" against "discovered it was malignant" as
a near-copy. This check finds the evidence sentences that share most of the
claim's content words (the restated statement) and compares polarity: negation
cues ("not", "n't", "never", "no", "failed to", "denied"…) present on one side and
absent on the other fail it. Reported only when some evidence sentence shares at
least ``_restate.MIN_SHARED`` of the claim's content words and a negation cue is on either
side (otherwise there is nothing to compare), and the claim is split at clause
boundaries first, so a fusion's two halves are compared with their own sources.
A claim that is word for word one of the evidence sentences has that sentence's
polarity by construction; its clauses are not compared (a copied "…had no effect on
X, but it increased Y" is not a flip of its own "no").
"""

from __future__ import annotations

import re

from summarizer.models import Check
from summarizer.verify.checks._restate import content, restated, sentences_of
from summarizer.verify.checks._text import words

_CUES = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|"
    r"no longer|fail(?:s|ed|ing)? to|refus(?:e|es|ed|ing) to|den(?:y|ies|ied|ying)|unable|"
    r"lack(?:s|ed)?)\b|n['’]t\b",
    re.IGNORECASE,
)
# Clause boundaries a fused claim is split at (each half restates one sentence).
_CLAUSES = re.compile(
    r";|,\s*(?:and|but|while|yet|although|though|whereas)\s+|\s+but\s+|,\s*yet\s+"
)
MIN_CLAUSE_WORDS = 4


def negated(text: str) -> bool:
    """Whether ``text`` carries an odd number of negation cues."""
    return len(_CUES.findall(text)) % 2 == 1


def _content(text: str) -> set[str]:
    return content(text, _CUES)


def _clauses(claim: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSES.split(claim) if p and p.strip()]
    kept = [p for p in parts if len(_content(p)) >= MIN_CLAUSE_WORDS]
    return kept or [claim]


def check_negation(claim: str, evidence: str) -> Check | None:
    sentences = sentences_of(evidence, _CUES)
    if words(claim) in (words(s) for s, _ in sentences):
        return Check(kind="negation", passed=True)  # a copy cannot flip its own sentence
    compared = False
    flipped: list[str] = []
    for clause in _clauses(claim):
        candidates = restated(_content(clause), sentences, _CUES)
        if not candidates:
            continue
        polarity = negated(clause)
        if not polarity and not any(negated(s) for s in candidates):
            continue  # no negation on either side: nothing to compare
        compared = True
        if all(negated(s) != polarity for s in candidates):
            flipped.append(clause)
    if not compared:
        return None
    return Check(kind="negation", passed=not flipped, missing=flipped)
