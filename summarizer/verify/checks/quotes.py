"""Quotations: text in double quotes must appear near-verbatim in the evidence."""

from __future__ import annotations

import difflib
import re

from summarizer.models import Check
from summarizer.verify.checks._text import words

_QUOTE_RE = re.compile(r"[\"“”„]([^\"“”„]{2,400}?)[\"“”„]|``(.{2,400}?)''")
QUOTE_MATCH = 0.85


def quotes_in(text: str) -> list[str]:
    """Double-quoted passages of ``text`` with at least one word."""
    quotes = []
    for match in _QUOTE_RE.finditer(text):
        inner = (match.group(1) or match.group(2) or "").strip()
        if words(inner):
            quotes.append(inner)
    return quotes


def check_quotes(claim: str, evidence: str) -> Check | None:
    quotes = quotes_in(claim)
    if not quotes:
        return None
    haystack = words(evidence)
    missing = [q for q in quotes if not near_verbatim(words(q), haystack)]
    return Check(kind="quotes", passed=not missing, missing=missing)


def near_verbatim(quote: list[str], haystack: list[str]) -> bool:
    """At least QUOTE_MATCH of the quote's words appear, in order, in one stretch."""
    if not quote:
        return True
    size = len(quote)
    needed = QUOTE_MATCH * size
    first_words = set(quote[: max(1, size // 4 + 1)])
    slack = max(2, size // 5)
    for start, word in enumerate(haystack):
        if word not in first_words:
            continue
        window = haystack[start : start + size + slack]
        matcher = difflib.SequenceMatcher(None, quote, window, autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        if matched >= needed:
            return True
    return False
