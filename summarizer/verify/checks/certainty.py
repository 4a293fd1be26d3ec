"""Certainty: a claim must not be surer, or more sweeping, than its evidence.

The overstatement a small judge accepts most often keeps every fact and drops the
hedge: "appeared to have been killed at random" becomes "was certainly a random
victim", "are expected to participate" becomes "are certain to join", "most of the
clients" becomes "all of them". A word of certainty or universality in the claim that
the evidence never uses fails the check. Reported only when the claim has such a word.
Words that honest summaries use for exact counts ("every one of the 437", "only") are
not on the list: they were the false alarms on the true claims of the paraphrase set.
"""

from __future__ import annotations

from summarizer.models import Check
from summarizer.verify.checks._text import words

CERTAINTY = frozenset(
    {"certain", "certainly", "definite", "definitely", "undoubtedly", "surely", "sure",
     "clearly", "reliable", "reliably", "proven", "guaranteed", "confirmed", "all", "always",
     "fully", "entirely", "completely"}
)  # fmt: skip


def check_certainty(claim: str, evidence: str) -> Check | None:
    claimed = [w for w in words(claim) if w in CERTAINTY]
    if not claimed:
        return None
    available = set(words(evidence))
    missing = [w for w in dict.fromkeys(claimed) if w not in available]
    return Check(kind="certainty", passed=not missing, missing=missing)
