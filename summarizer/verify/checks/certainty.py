"""Certainty: a claim must not be surer, or more sweeping, than its evidence.

The overstatement a small judge accepts most often keeps every fact and changes how
sure it is. Two forms, both failing this check:

- a word of certainty or universality the evidence does not use where it states the
  clause: "appeared to have been killed at random" becomes "was certainly a random
  victim", "most of the clients" becomes "all of them", "we do believe" becomes
  "officials have confirmed". Where some passage (a sentence ±1) states the clause
  (covers ≥ ``LOCAL_MIN`` of its content words), the word must be in one of the
  passages about as good as the best; otherwise anywhere in the evidence;
- a hedge dropped: the evidence sentence the clause restates hedges it ("the laws she
  might have violated", "is expected to") and the clause states it flat ("the laws she
  violated"): a hedge right before a word the clause restates. A claim with a hedge of
  its own is not compared.

Words honest summaries use for exact counts ("every one of the 437", "only") are not on
the certainty list: they were the false alarms on the true claims of the paraphrase
set. Reported only when the claim has a certainty word or restates a hedged sentence.
"""

from __future__ import annotations

import re

from summarizer.models import Check
from summarizer.text.lexical import tokenize
from summarizer.verify.checks import context
from summarizer.verify.checks._restate import NEAR_BEST, content, restated, sentences_of
from summarizer.verify.checks._text import words

CERTAINTY = frozenset(
    {"certain", "certainly", "definite", "definitely", "undoubtedly", "surely", "sure",
     "clearly", "reliable", "reliably", "proven", "guaranteed", "confirmed", "all", "always",
     "fully", "entirely", "completely"}
)  # fmt: skip
LOCAL_MIN = context.MIN_BEST  # a passage states the clause from this coverage on
# Words that make a statement less than certain. "may" only in lower case (not the
# month). Verbs of attribution ("believes", "claimed", "reported") are not hedges: a
# summary may say "says" for "believes", or drop "spotters reported".
_HEDGES = re.compile(
    r"\b(?:(?-i:may)|might|could|possibly|perhaps|probably|likely|unlikely|allegedly|"
    r"reportedly|apparently|appear(?:s|ed)? to|seem(?:s|ed)? to|expect(?:s|ed)? to|"
    r"potentially)\b",
    re.IGNORECASE,
)
# Words between a hedge and what it hedges ("might have been", "possibly the highest").
_BETWEEN = frozenset(
    {"have", "has", "had", "be", "been", "being", "to", "the", "a", "an", "also", "even",
     "still", "well", "soon", "now", "yet", "already", "ever", "eventually"}
)  # fmt: skip
MIN_CLAUSE_WORDS = 4


def hedge_in(text: str) -> str | None:
    """The first hedge of ``text``, if it has one."""
    found = _HEDGES.search(text)
    return found.group(0).lower() if found else None


def _hedging(text: str, wanted: set[str]) -> str | None:
    """The first hedge of ``text`` that governs one of the ``wanted`` content words (the
    first word after it, past "have been", "the"…): "the laws she might have violated"
    hedges "violated"; "you may know Mindy Kaling" hedges nothing a summary restates."""
    for found in _HEDGES.finditer(text):
        after = [w.lower() for w in re.findall(r"\w+", text[found.end() :])[:6]]
        governed = next((w for w in after if w not in _BETWEEN), "")
        if governed[:5] in wanted:
            return found.group(0).lower()
    return None


def _unsupported_certainty(claim: str, evidence: str) -> tuple[bool, list[str]]:
    """(whether the claim has a certainty word, the ones its evidence lacks there)."""
    everywhere: frozenset[str] | None = None
    passages = context.passages(evidence)
    found = False
    missing: list[str] = []
    for clause in context.clauses(claim):
        claimed = [w for w in words(clause) if w in CERTAINTY]
        if not claimed:
            continue
        found = True
        wanted = [t for t in tokenize(clause) if t not in CERTAINTY]
        cover = [context.covered(wanted, p) for p in passages] if len(wanted) >= 2 else []
        best = max(cover, default=0.0)
        if best >= LOCAL_MIN:
            near = [p for p, c in zip(passages, cover, strict=True) if c >= best - NEAR_BEST]
            available = frozenset().union(*(p.words for p in near))
        else:
            everywhere = everywhere if everywhere is not None else frozenset(words(evidence))
            available = everywhere
        missing += [w for w in claimed if w not in available]
    return found, list(dict.fromkeys(missing))


def _dropped_hedges(claim: str, evidence: str) -> tuple[bool, list[str]]:
    """(whether a clause restates a hedged sentence, the hedges dropped)."""
    if hedge_in(claim):
        return False, []  # hedged itself: which clause the hedge covers is not read here
    sentences = sentences_of(evidence, _HEDGES)
    compared = False
    dropped: list[str] = []
    for clause in context.clauses(claim):
        wanted = content(clause, _HEDGES)
        if len(wanted) < MIN_CLAUSE_WORDS:
            continue
        candidates = restated(wanted, sentences, _HEDGES)
        hedges = [_hedging(s, wanted) for s in candidates]
        if not candidates or not any(hedges):
            continue
        compared = True
        if all(hedges):
            dropped.append(f"“{hedges[0]}” dropped from: {clause.strip()}")
    return compared, dropped


def check_certainty(claim: str, evidence: str) -> Check | None:
    claimed, missing = _unsupported_certainty(claim, evidence)
    compared, dropped = _dropped_hedges(claim, evidence)
    if not claimed and not compared:
        return None
    return Check(kind="certainty", passed=not missing and not dropped, missing=missing + dropped)
