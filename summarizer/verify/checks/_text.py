"""Text helpers the fact checks share: folding, word lists, sentence starts.

Every check compares a claim with its evidence after the same folding (case,
accents: "Zürich" = "Zurich"), so they live in one place.
"""

from __future__ import annotations

import re
import unicodedata

_SENTENCE_BREAK_RE = re.compile(r"(?:^|[.!?:;]\s+|[\"“‘(\[]\s*|\n)$")
# Lower-cased corpora (CNN/DM as SummaC ships it) have no capital after a full stop.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’)']*\s+|\n+")
_TITLE_END_RE = re.compile(
    r"(?<![\w.])(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Rev|Hon|St|Sr|Jr)\.$"
)


# Letters NFKD does not decompose: "Sørensen" = "Sorensen", "Łódź" = "Lodz".
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d",
     "Đ": "D", "ð": "d", "þ": "th", "œ": "oe"}
)  # fmt: skip


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Folded word tokens of ``text``."""
    return [w for w in re.findall(r"\w+", fold(text)) if w]


def at_sentence_start(text: str, position: int) -> bool:
    """Whether ``position`` opens a sentence (or a quote, bracket or line)."""
    return bool(_SENTENCE_BREAK_RE.search(text[max(0, position - 3) : position]))


def rough_sentences(text: str) -> list[str]:
    """Sentences cut at end punctuation: cheap, for checks that compare one sentence.

    Not after a title ("Mr. Comey", "Sen. Graham"): a sentence cut there leaves its
    negation in one half and what it negates in the other."""
    sentences: list[str] = []
    for piece in _SENTENCE_END_RE.split(text):
        piece = piece.strip() if piece else ""
        if not piece:
            continue
        if sentences and _TITLE_END_RE.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Month and weekday spellings → canonical names (dates own them; numbers skip day numbers).
MONTHS = {
    "january": "january", "jan": "january", "february": "february", "feb": "february",
    "march": "march", "mar": "march", "april": "april", "apr": "april", "may": "may",
    "june": "june", "jun": "june", "july": "july", "jul": "july", "august": "august",
    "aug": "august", "september": "september", "sept": "september", "sep": "september",
    "october": "october", "oct": "october", "november": "november", "nov": "november",
    "december": "december", "dec": "december",
}  # fmt: skip
WEEKDAYS = {
    "monday": "monday", "tuesday": "tuesday", "wednesday": "wednesday", "thursday": "thursday",
    "friday": "friday", "saturday": "saturday", "sunday": "sunday", "mon": "monday",
    "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
    "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}  # fmt: skip
# Full month names that are also common words: "may" the verb, "march" the walk.
AMBIGUOUS_MONTHS = frozenset({"may", "march"})

MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
