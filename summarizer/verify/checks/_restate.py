"""Which evidence sentence a clause of a claim restates: the polarity and hedge checks'
common first step.

Both checks compare a word class ("not", "might") between a clause and the sentence it
restates, so both need the same answer to "which sentence is that": the sentences
sharing most of the clause's content words (at least ``MIN_SHARED``, and every one
within ``NEAR_BEST`` of the best), each cut to the clauses that are about the claim.
Content words are compared cut to five letters ("removed" = "removing") with the
compared cues taken out first, so a cue never counts as a shared word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from summarizer.text.lexical import tokenize
from summarizer.verify.checks._text import rough_sentences

MIN_SHARED = 0.6
NEAR_BEST = 0.1
MIN_PIECE_SHARE = 0.5
# Where an evidence sentence is cut into clauses: only the clauses sharing the claim's
# words are compared ("..., though media has not reported a spill" is another fact).
_EVIDENCE_CLAUSES = re.compile(
    r"[,;:()]\s*|\s+[-–—]+\s+|\s+(?:after|before|though|although|while|but|whereas|because)\s+"
)


def content(text: str, cues: re.Pattern[str]) -> set[str]:
    """Content words of ``text`` cut to five letters, with the ``cues`` taken out."""
    return {t[:5] for t in tokenize(cues.sub(" ", text)) if not t.isdigit()}


@lru_cache(maxsize=32)
def sentences_of(evidence: str, cues: re.Pattern[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """The evidence's sentences with their content words (cached: the verifier checks
    each sentence of a brief against the same sources, with two sets of cues)."""
    return tuple((s, frozenset(content(s, cues))) for s in rough_sentences(evidence))


def restated(
    wanted: set[str], sentences: Sequence[tuple[str, frozenset[str]]], cues: re.Pattern[str]
) -> list[str]:
    """The parts of the evidence sentences (``(text, content)`` pairs) that restate a
    clause with content words ``wanted``; none when no sentence shares enough of them."""
    if not wanted or not sentences:
        return []
    shares = [(len(wanted & words) / len(wanted), s) for s, words in sentences]
    best = max(share for share, _ in shares)
    if best < MIN_SHARED:
        return []
    return [_about_claim(s, wanted, cues) for share, s in shares if share >= best - NEAR_BEST]


def _about_claim(sentence: str, wanted: set[str], cues: re.Pattern[str]) -> str:
    """The clauses of ``sentence`` that are about the claim (mostly its content words).

    A piece with no content words of its own ("This isn't" before "because …") is kept
    with the piece after it, so its cue is not cut off from what it governs.
    """
    parts: list[str] = []
    carry = ""
    for piece in _EVIDENCE_CLAUSES.split(sentence):
        if not piece or not piece.strip():
            continue
        if not content(piece, cues):
            carry = f"{carry} {piece}"
            continue
        parts.append(f"{carry} {piece}".strip())
        carry = ""
    return " ".join(p for p in parts if _about(p, wanted, cues)) or sentence


def _about(piece: str, wanted: set[str], cues: re.Pattern[str]) -> bool:
    """Whether at least ``MIN_PIECE_SHARE`` of the piece's content words, and two of them
    unless it has only one, are the claim's: one shared word ("justice" in "obstructed
    justice" and in "not the criminal justice system"; "president" in a piece cut off at
    "Mr.") does not make a clause of the evidence a restatement of the claim."""
    own = content(piece, cues)
    shared = len(own & wanted)
    return bool(own) and shared >= min(2, len(own)) and shared / len(own) >= MIN_PIECE_SHARE
