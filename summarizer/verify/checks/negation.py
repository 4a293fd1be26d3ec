"""Negation: a claim must not flip the polarity of the evidence sentence it restates.

A small judge reads "was not malignant" against "discovered it was malignant" as
a near-copy. This check finds the evidence sentences that share most of the
claim's content words (the restated statement) and compares polarity: negation
cues ("not", "n't", "never", "no", "failed to", "denied"…) present on one side and
absent on the other fail it. Reported only when some evidence sentence shares at
least ``MIN_SHARED`` of the claim's content words and a negation cue is on either
side (otherwise there is nothing to compare), and the claim is split at clause
boundaries first, so a fusion's two halves are compared with their own sources.
A claim that is word for word one of the evidence sentences has that sentence's
polarity by construction; its clauses are not compared (a copied "…had no effect on
X, but it increased Y" is not a flip of its own "no").
"""

from __future__ import annotations

import re

from summarizer.models import Check
from summarizer.text.lexical import tokenize
from summarizer.verify.checks._text import rough_sentences, words

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
# Where an evidence sentence is cut into clauses: only the clauses sharing the claim's
# words are compared ("..., though media has not reported a spill" is another fact).
_EVIDENCE_CLAUSES = re.compile(
    r"[,;:()]\s*|\s+[-–—]+\s+|\s+(?:after|before|though|although|while|but|whereas|because)\s+"
)
MIN_SHARED = 0.6
MIN_CLAUSE_WORDS = 4
MIN_PIECE_SHARE = 0.5


def negated(text: str) -> bool:
    """Whether ``text`` carries an odd number of negation cues."""
    return len(_CUES.findall(text)) % 2 == 1


def _content(text: str) -> set[str]:
    """Content words cut to five letters: "removed" and "removing" are one word here."""
    return {t[:5] for t in tokenize(_CUES.sub(" ", text)) if not t.isdigit()}


def _clauses(claim: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSES.split(claim) if p and p.strip()]
    kept = [p for p in parts if len(_content(p)) >= MIN_CLAUSE_WORDS]
    return kept or [claim]


def _restating(sentence: str, wanted: set[str]) -> str:
    """The clauses of ``sentence`` that are about the claim (mostly its content words).

    A piece with no content words of its own ("This isn't" before "because …") is kept
    with the piece after it, so its negation is not cut off from what it negates.
    """
    parts: list[str] = []
    carry = ""
    for piece in _EVIDENCE_CLAUSES.split(sentence):
        if not piece or not piece.strip():
            continue
        if not _content(piece):
            carry = f"{carry} {piece}"
            continue
        parts.append(f"{carry} {piece}".strip())
        carry = ""
    return " ".join(p for p in parts if _about(p, wanted)) or sentence


def _about(piece: str, wanted: set[str]) -> bool:
    """Whether at least ``MIN_PIECE_SHARE`` of the piece's content words, and two of them
    unless it has only one, are the claim's: one shared word ("justice" in "obstructed
    justice" and in "not the criminal justice system"; "president" in a piece cut off at
    "Mr.") does not make a clause of the evidence a restatement of the claim."""
    own = _content(piece)
    shared = len(own & wanted)
    return bool(own) and shared >= min(2, len(own)) and shared / len(own) >= MIN_PIECE_SHARE


def check_negation(claim: str, evidence: str) -> Check | None:
    evidence_sentences = rough_sentences(evidence)
    if words(claim) in (words(s) for s in evidence_sentences):
        return Check(kind="negation", passed=True)  # a copy cannot flip its own sentence
    sentences = [(s, _content(s)) for s in evidence_sentences]
    compared = False
    flipped: list[str] = []
    for clause in _clauses(claim):
        wanted = _content(clause)
        if not wanted or not sentences:
            continue
        shares = [(len(wanted & words) / len(wanted), s) for s, words in sentences]
        best = max(share for share, _ in shares)
        if best < MIN_SHARED:
            continue
        # Every sentence about as close as the best one is a candidate restatement.
        candidates = [s for share, s in shares if share >= best - 0.1]
        candidates = [_restating(s, wanted) for s in candidates]
        polarity = negated(clause)
        if not polarity and not any(negated(s) for s in candidates):
            continue  # no negation on either side: nothing to compare
        compared = True
        if all(negated(s) != polarity for s in candidates):
            flipped.append(clause)
    if not compared:
        return None
    return Check(kind="negation", passed=not flipped, missing=flipped)
