"""Dates: months, weekdays, years and days of the month, in any spelling.

"Feb. 6" = "February 6" = "6 February" = "6th of February" = "2026-02-06"; a claim's
day-and-month must appear as a pair ("July 12" does not pass on "July 19" just
because a 12 is somewhere else). Relative dates in the evidence ("yesterday",
"on Friday") are resolved against the source's publication date when known, so a
claim may state them absolutely.
"""

from __future__ import annotations

import datetime as dt
import re

from summarizer.models import Check
from summarizer.verify.checks._text import (
    AMBIGUOUS_MONTHS,
    MONTH_ALT,
    MONTHS,
    WEEKDAYS,
    at_sentence_start,
)
from summarizer.verify.checks.numbers import YEAR_MAX, YEAR_MIN, figures_in

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<m1>{MONTH_ALT})\.?[ \t]+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?![,.]?\d{{3}})"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?P<m2>{MONTH_ALT})\b",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
_WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}


def _canonical_day(month: str, day: str | int) -> str | None:
    value = int(day)
    return f"{MONTHS[month.lower()]} {value}" if 1 <= value <= 31 else None


def month_days_in(text: str) -> dict[str, str]:
    """Day-and-month mentions: surface → "july 19" (ISO dates included)."""
    found: dict[str, str] = {}
    for match in _MONTH_DAY_RE.finditer(text):
        month = match.group("m1") or match.group("m2")
        day = match.group("d1") or match.group("d2")
        low = month.lower()
        if low in AMBIGUOUS_MONTHS and not month[0].isupper():
            continue  # "may 2 people" is not a date
        canonical = _canonical_day(month, day)
        if canonical:
            found[match.group(0)] = canonical
    for match in _ISO_RE.finditer(text):
        month_number = int(match.group("m"))
        if 1 <= month_number <= 12:
            month = _MONTH_NAMES[month_number - 1]
            canonical = _canonical_day(month, match.group("d"))
            if canonical:
                found[match.group(0)] = canonical
                found[f"{match.group(0)} (month)"] = month
    return found


def _resolved(text: str, published: dt.date) -> set[str]:
    """Canonical dates that the evidence's relative dates stand for."""
    out: set[str] = set()
    low = text.lower()
    for word, offset in _RELATIVE.items():
        if re.search(rf"\b{word}\b", low):
            out |= _date_forms(published + dt.timedelta(days=offset))
    for match in _WORD_RE.finditer(text):
        weekday = WEEKDAYS.get(match.group(0).lower())
        if weekday is None or not match.group(0)[0].isupper():
            continue
        # A weekday in a news story is the most recent such day, this week or last.
        back = (published.weekday() - _WEEKDAY_NAMES.index(weekday)) % 7
        out |= _date_forms(published - dt.timedelta(days=back))
        out |= _date_forms(published + dt.timedelta(days=(7 - back) % 7))
    return out


def _date_forms(day: dt.date) -> set[str]:
    month = _MONTH_NAMES[day.month - 1]
    return {f"{month} {day.day}", month, str(day.year), _WEEKDAY_NAMES[day.weekday()]}


def dates_in(text: str, *, claim: bool = False, published: dt.date | None = None) -> dict[str, str]:
    """Months, weekdays, years and day-and-month pairs: surface form → canonical form.

    In a claim, words that are dates only when written as one ("may", "march",
    "Sun", "Wed") count only next to a number, or capitalised mid-sentence
    (and for May/March not right after another capitalised word: Theresa May).
    """
    found: dict[str, str] = {}
    for match in _WORD_RE.finditer(text):
        word = match.group(0)
        low = word.lower()
        canonical = MONTHS.get(low) or WEEKDAYS.get(low)
        if canonical is None:
            continue
        if (
            claim
            and (low in AMBIGUOUS_MONTHS or low != canonical)
            and not _written_as_date(text, match.start(), match.end(), low)
        ):
            continue
        found[word] = canonical
    for match in re.finditer(r"(?<![\w.,])(\d{4})(?!\w|[.,]\d)", text):
        value = int(match.group(1))
        if YEAR_MIN <= value <= YEAR_MAX:
            found[match.group(1)] = match.group(1)
    found |= month_days_in(text)
    if published is not None and not claim:
        for canonical in _resolved(text, published):
            found.setdefault(f"~{canonical}", canonical)
    return found


def _written_as_date(text: str, start: int, end: int, low: str) -> bool:
    before = text[max(0, start - 4) : start]
    after = text[end : end + 4]
    if re.search(r"\d\s*$", before) or re.match(r"\.?\s*\d", after):
        return True
    if not text[start].isupper() or at_sentence_start(text, start):
        return False
    if low in AMBIGUOUS_MONTHS:
        previous = re.search(r"([A-Za-z]+)\W*$", text[max(0, start - 30) : start])
        return not (previous and previous.group(1)[0].isupper())
    return after.startswith(".")  # "Sept." / "Wed."


def parse_published(published: str | None) -> dt.date | None:
    """A source's ISO publication date, or None when absent or malformed."""
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def check_dates(claim: str, evidence: str, published: dt.date | None = None) -> Check | None:
    wanted = dates_in(claim, claim=True)
    if not wanted:
        return None
    available = set(dates_in(evidence, published=published).values())
    if any(c.isdigit() for c in wanted.values()):
        # "1800 visitors" reads as a year in the claim; "1,800" in the evidence is the same.
        counts = {v for f in figures_in(evidence) for v in f.values}
        available |= {str(int(v)) for v in counts if v.is_integer()}
    missing = [surface for surface, canonical in wanted.items() if canonical not in available]
    return Check(kind="dates", passed=not missing, missing=missing)
