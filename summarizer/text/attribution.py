"""An attribution the evidence does not make, cut from a written sentence.

Asked to write in its own words, the 1.5B model often ends a sentence with
"…, according to a study." or "…, according to sources." when the evidence names
no study and no source: an addition the verifier's judge rightly rejects, which
costs a repair call and usually the written sentence. Removing that phrase is a
deterministic fix (the sentence then states what the evidence states), so it is
done before verification instead of asking the model again. An attribution whose
words are in the evidence ("according to police" from "police said") is kept.
Only a leading "According to X, " or a trailing ", according to X" is cut; one in
the middle of a sentence is left to the verifier.
"""

from __future__ import annotations

import re

from summarizer.text.lexical import tokenize

# Built from literals only; the sentence is only ever the subject of these patterns.
_LEADING = re.compile(r"^according to (?P<who>[^,;.!?]+),\s*(?=\S)", re.IGNORECASE)
_TRAILING = re.compile(
    r",?\s+according to (?P<who>[^,;.!?]+?)(?P<end>\s*[.!?]?[\"”’']*)$", re.IGNORECASE
)


def _named_in(who: str, evidence: set[str]) -> bool:
    """Whether the evidence has every word of ``who`` ("him", "them": nothing to check)."""
    return all(w in evidence for w in tokenize(who))


def drop_unsupported_attribution(text: str, evidence: str) -> str:
    """``text`` without a leading or trailing "according to X" whose X the evidence lacks."""
    known = set(tokenize(evidence))
    trailing = _TRAILING.search(text)
    if trailing and not _named_in(trailing.group("who"), known):
        head = text[: trailing.start()].rstrip(" ,")
        if len(tokenize(head)) >= 3:
            return head + (trailing.group("end").strip() or ".")
    leading = _LEADING.match(text)
    if leading and not _named_in(leading.group("who"), known):
        rest = text[leading.end() :]
        if len(tokenize(rest)) >= 3:
            return rest[0].upper() + rest[1:]
    return text
