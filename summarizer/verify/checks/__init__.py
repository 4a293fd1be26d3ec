"""Deterministic checks: facts in a sentence that must appear in what it cites.

A small judge model is weakest exactly where news summaries most often go wrong:
a changed number, date, amount, unit, name, quotation or polarity. These checks
are cheap, need no model and explain themselves (``missing=["1,200"]``). One
module per kind of fact, each normalising before it compares:

- ``numbers``: figures, amounts and measurements (number words, rounding, units);
- ``units``: unit spellings and conversions (km/h = kilometres per hour ≈ mph);
- ``dates``: months, weekdays, years, day-and-month pairs, relative dates;
- ``entities``: names, accent- and transliteration-tolerant;
- ``quotes``: quoted text near-verbatim;
- ``negation``: the polarity of the restated evidence sentence;
- ``context``: a name, figure or year placed where the evidence states the clause's
  fact (a swap inside the same article: another person's act, another item's amount);
- ``certainty``: no certainty or universality ("certainly", "all") the evidence lacks
  where it states the clause, and no hedge ("might have violated") dropped.

A check is reported only when the claim contains that kind of fact, so an
absent check means "nothing to check", never "passed by default". Matching is
lenient on form and strict on value: the aim is no false alarms on paraphrase.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from summarizer.models import Check
from summarizer.verify.checks._text import short
from summarizer.verify.checks.certainty import check_certainty
from summarizer.verify.checks.context import check_context
from summarizer.verify.checks.dates import check_dates, dates_in, parse_published
from summarizer.verify.checks.entities import check_names, names_in
from summarizer.verify.checks.negation import check_negation
from summarizer.verify.checks.numbers import (
    check_money,
    check_numbers,
    check_units,
    money_in,
    numbers_in,
)
from summarizer.verify.checks.quotes import check_quotes, quotes_in

__all__ = [
    "KINDS",
    "check_certainty",
    "check_context",
    "check_dates",
    "check_money",
    "check_names",
    "check_negation",
    "check_numbers",
    "check_quotes",
    "check_units",
    "dates_in",
    "describe_failures",
    "failed",
    "money_in",
    "names_in",
    "numbers_in",
    "parse_published",
    "quotes_in",
    "run_checks",
]

_LABELS = {"numbers": "number", "money": "amount", "units": "unit", "dates": "date",
           "quotes": "quote", "names": "name", "negation": "polarity of",
           "context": "context for", "certainty": "basis for"}  # fmt: skip
KINDS = tuple(_LABELS)


def run_checks(
    claim: str,
    evidence: str,
    *,
    published: dt.date | None = None,
    kinds: Iterable[str] = KINDS,
) -> list[Check]:
    """Every applicable check of ``claim`` against ``evidence``, in a fixed order.

    ``published``: the source's date, to resolve the evidence's relative dates.
    ``kinds``: which checks to run (all by default).
    """
    wanted = set(kinds)
    results = [
        check_numbers(claim, evidence) if "numbers" in wanted else None,
        check_money(claim, evidence) if "money" in wanted else None,
        check_units(claim, evidence) if "units" in wanted else None,
        check_dates(claim, evidence, published) if "dates" in wanted else None,
        check_quotes(claim, evidence) if "quotes" in wanted else None,
        check_names(claim, evidence) if "names" in wanted else None,
        check_negation(claim, evidence) if "negation" in wanted else None,
        check_context(claim, evidence) if "context" in wanted else None,
        check_certainty(claim, evidence) if "certainty" in wanted else None,
    ]
    return [c for c in results if c is not None]


def failed(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if not c.passed]


def describe_failures(checks: Iterable[Check]) -> str:
    """'missing number 1,200; missing name Townsend' for a verdict's reason."""
    parts = []
    for check in failed(checks):
        items = ", ".join(short(m) for m in check.missing)
        if check.kind == "negation":
            parts.append(f"polarity flipped in {items}")
            continue
        if check.kind == "context":
            parts.append(f"{items} not where the evidence states this")
            continue
        if check.kind == "certainty":
            parts.append(f"surer than the evidence: {items}")
            continue
        label = _LABELS.get(check.kind, check.kind)
        parts.append(f"missing {label}{'s' if len(check.missing) > 1 else ''} {items}")
    return "; ".join(parts)
