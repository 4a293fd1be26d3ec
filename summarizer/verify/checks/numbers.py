"""Numbers, amounts and measurements: a figure in a claim must be a figure of its evidence.

Normalised before comparing, so honest rewording passes and changed values do not:

- forms: "1,200" = "1200", "5.3%" = "5.3 percent", "seven" = "7", "twenty-five" = "25",
  "2.6m" = "2.6 million", "half" = "50%";
- rounding: "40,000" or "about 40,000" for 40,127 and "2.6 million" for 2,612,000 (the
  claim's figure is the evidence's rounded to the claim's significant digits; an
  unhedged claim must end in at least two zeros or carry a scale word to count as
  rounded, so "30" never matches "34" while "about 30" does);
- units: "130 km/h" = "130 kilometres per hour" ≈ "80 mph"; "130 mph" against
  "130 km/h" fails the units check (see ``units``).

Day numbers next to a month ("July 19") belong to the dates check; four-digit years
too. In a claim, "one" and "zero" are not checked (mostly pronouns and idiom).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from summarizer.models import Check
from summarizer.verify.checks._text import MONTH_ALT
from summarizer.verify.checks.units import Unit, same_quantity, unit_after

_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
    "mln": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12,
    "tn": 1e12,
}  # fmt: skip
_UNIT_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty",
]  # fmt: skip
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}  # fmt: skip
WORD_VALUES: dict[str, float] = (
    {w: float(i) for i, w in enumerate(_UNIT_WORDS)} | _TENS | {"dozen": 12.0}
)
# Fractions in words: "half the homes" = "50 percent of the homes".
FRACTIONS = {"half": 0.5, "quarter": 0.25}
_CLAIM_SKIP_WORDS = frozenset({"one", "zero"})
# Words that make a figure approximate: "about 40,000" may stand for 40,127.
_HEDGE_RE = re.compile(
    r"(?:about|around|roughly|approximately|nearly|almost|some|over|under|more than|"
    r"less than|fewer than|up to|at least|close to|just over|just under|upwards of|~|"
    r"an estimated|estimated)[ \t]+$",
    re.IGNORECASE,
)
HEDGED_TOLERANCE = 0.05
# A rounded figure is within this of the exact one ("about 100" is not 130 rounded).
ROUNDING_TOLERANCE = 0.1

_SCALE_ALT = "|".join(sorted(_SCALES, key=len, reverse=True))
_WORD_ALT = "|".join(sorted([*WORD_VALUES, "hundred"], key=len, reverse=True))
_PCT = r"(?P<pct>\s?(?:%|percent\b|per cent\b|pc\b|percentage points?\b))?"
_NUMBER_RE = re.compile(
    r"(?<![\w.])"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:st|nd|rd|th)?"
    rf"(?:[ \t-]?(?P<scale>{_SCALE_ALT})\b)?" + _PCT,
    re.IGNORECASE,
)
# "forty-five", "three hundred", "one hundred and three", "two hundred fifty".
_WORD_UNIT = rf"(?:{_WORD_ALT})(?:-(?:{_WORD_ALT}))?"
_NUMBER_WORD_RE = re.compile(
    rf"\b(?P<word>half|quarter|{_WORD_UNIT}"
    rf"(?:[ \t]hundred(?:[ \t](?:and[ \t])?(?!hundred\b){_WORD_UNIT})?)?)\b"
    rf"(?:[ \t](?P<scale>{_SCALE_ALT})\b)?" + _PCT,
    re.IGNORECASE,
)
_CURRENCY_BEFORE = r"(?:[$£€¥₹]|US\$|A\$|C\$|USD ?|EUR ?|GBP ?)"
_CURRENCY_AFTER = r"(?:dollars?|pounds?|euros?|yen|yuan|rupees?|francs?|dinars?|usd|eur|gbp)\b"
_MONEY_RE = re.compile(
    rf"(?P<before>{_CURRENCY_BEFORE})\s?(?P<num>\d[\d,]*(?:\.\d+)?)"
    rf"(?:[ \t]?(?P<scale>{_SCALE_ALT})\b)?"
    rf"|(?P<num2>\d[\d,]*(?:\.\d+)?)(?:[ \t]?(?P<scale2>{_SCALE_ALT}))?[ \t]+(?:of[ \t]+)?"
    rf"{_CURRENCY_AFTER}",
    re.IGNORECASE,
)
_MONTH_BEFORE_RE = re.compile(rf"\b(?:{MONTH_ALT})\.?[ \t]+$", re.IGNORECASE)
_MONTH_AFTER_RE = re.compile(rf"(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?:{MONTH_ALT})\b", re.I)
YEAR_MIN, YEAR_MAX = 1800, 2100


@dataclass(frozen=True)
class Figure:
    """One number as written: the values it may stand for, and how it was written."""

    surface: str
    values: frozenset[float]
    digits: str  # the written digits ("2.6", "40,000"); "" for words
    scaled: bool
    hedged: bool
    unit: Unit | None


def to_float(digits: str) -> float:
    return float(digits.replace(",", ""))


def _word_value(word: str) -> float | None:
    low = word.lower()
    if low in FRACTIONS:
        return FRACTIONS[low]
    total = 0.0
    for part in re.split(r"[-\s]+", low):
        if part == "and":
            continue
        if part == "hundred":
            total = (total or 1.0) * 100
        elif part in WORD_VALUES:
            total += WORD_VALUES[part]
        else:
            return None
    return total


def _scale(name: str | None) -> float:
    return _SCALES.get(name.lower(), 1.0) if name else 1.0


def _is_day_of_month(text: str, start: int, end: int) -> bool:
    return bool(_MONTH_BEFORE_RE.search(text[max(0, start - 12) : start])) or bool(
        _MONTH_AFTER_RE.match(text, end)
    )


def figures_in(text: str, *, claim: bool = False) -> list[Figure]:
    """Every figure of ``text`` (see the module docstring for what a claim skips).

    In a claim only the scaled value is accepted unless no scale was given; evidence
    offers both ("2.6m" in evidence may be quoted as "2.6"). A percentage in evidence
    also offers its fraction (50% → 0.5, for "half").
    """
    found: list[Figure] = []
    for match in _NUMBER_RE.finditer(text):
        digits = match.group("num")
        value = to_float(digits)
        scale = match.group("scale")
        # "2m tall"/"5k run": bare "m"/"b"/"k" is a scale only when written without a space.
        if scale and scale.lower() in {"m", "b", "k"} and match.group(0)[len(digits) :][:1] == " ":
            scale = None
        plain = not scale and not match.group("pct") and digits.isdigit()
        if plain and len(digits) == 4 and YEAR_MIN <= value <= YEAR_MAX and claim:
            continue  # a year: the dates check owns it (in evidence it may be a count)
        if claim and plain and _is_day_of_month(text, match.start(), match.end()):
            continue  # "July 19": the dates check owns it
        end = match.start("scale") + len(scale) if scale else match.end("num")
        found.append(_figure(text, match, digits, value, scale, end, claim))
    for match in _NUMBER_WORD_RE.finditer(text):
        word = match.group("word")
        if claim and word.lower() in _CLAIM_SKIP_WORDS and not match.group("scale"):
            continue
        base = _word_value(word)
        if base is None:
            continue
        scale = match.group("scale")
        end = match.end("scale") if scale else match.end("word")
        found.append(_figure(text, match, "", base, scale, end, claim))
    return found


def _figure(
    text: str, match: re.Match[str], digits: str, value: float, scale: str | None, end: int,
    claim: bool,
) -> Figure:  # fmt: skip
    values = {value * _scale(scale)}
    pct = bool(match.group("pct"))
    word = match.groupdict().get("word")
    if word and word.lower() in FRACTIONS:
        values.add(value * 100)  # "half" = "50 percent"
    if not claim:
        values.add(value)
        if pct:
            values.add(value / 100)
    found_unit = None if pct else unit_after(text, end)
    hedged = bool(_HEDGE_RE.search(text[max(0, match.start() - 16) : match.start()]))
    return Figure(
        surface=match.group(0).strip(),
        values=frozenset(values),
        digits=digits,
        scaled=bool(scale),
        hedged=hedged,
        unit=found_unit[0] if found_unit else None,
    )


def numbers_in(text: str, *, claim: bool = False) -> dict[str, set[float]]:
    """Numbers of ``text`` (years excluded in a claim): surface form → acceptable values."""
    found: dict[str, set[float]] = {}
    for figure in figures_in(text, claim=claim):
        found.setdefault(figure.surface, set()).update(figure.values)
    return found


def money_in(text: str) -> dict[str, float]:
    """Currency amounts of ``text``: surface form → value (currency not compared)."""
    found: dict[str, float] = {}
    for match in _MONEY_RE.finditer(text):
        digits = match.group("num") or match.group("num2")
        scale = match.group("scale") or match.group("scale2")
        try:
            found[match.group(0).strip()] = to_float(digits) * _scale(scale)
        except ValueError:
            continue
    return found


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


def _significant(digits: str, scaled: bool) -> int | None:
    """Significant digits a written figure claims: "40,000" → 1, "2.6" (million) → 2."""
    plain = digits.replace(",", "")
    if not plain:
        return None
    if "." in plain:
        return len(plain.replace(".", "").lstrip("0")) or 1
    stripped = plain.lstrip("0")
    if not stripped:
        return None
    trailing = len(stripped) - len(stripped.rstrip("0"))
    if not scaled and trailing < 2:
        return None  # "30" is exact unless hedged
    return len(stripped) - trailing


def _rounds_to(claimed: float, actual: float, significant: int) -> bool:
    if actual == 0 or claimed == 0:
        return False
    magnitude = math.floor(math.log10(abs(actual)))
    step = 10.0 ** (magnitude - significant + 1)
    return close(round(actual / step) * step, claimed)


def _other_unit(figure: Figure, other: Figure) -> bool:
    """Both measured in units of one kind, but different ones: compare only converted."""
    return (
        figure.unit is not None
        and other.unit is not None
        and figure.unit.dimension == other.unit.dimension
        and figure.unit.alias != other.unit.alias
    )


def matches(figure: Figure, available: list[Figure]) -> bool:
    """Whether ``figure`` (from a claim) is stated, rounded or converted, by ``available``."""
    values = {v for f in available if not _other_unit(figure, f) for v in f.values}
    if any(close(v, a) for v in figure.values for a in values):
        return True
    if figure.unit is not None:
        for other in available:
            if other.unit is not None and any(
                same_quantity(v, figure.unit, a, other.unit)
                for v in figure.values
                for a in other.values
            ):
                return True
    significant = _significant(figure.digits, figure.scaled)
    if significant is None and figure.hedged:
        significant = len(figure.digits.replace(",", "").replace(".", "").lstrip("0")) or None
    for v in figure.values:
        for a in values:
            near = abs(v - a) <= ROUNDING_TOLERANCE * max(abs(v), abs(a))
            if significant is not None and near and _rounds_to(v, a, significant):
                return True
            if figure.hedged and abs(v - a) <= HEDGED_TOLERANCE * max(abs(v), abs(a)):
                return True
    return False


def check_numbers(claim: str, evidence: str) -> Check | None:
    wanted = figures_in(claim, claim=True)
    if not wanted:
        return None
    available = figures_in(evidence)
    missing = [f.surface for f in wanted if not matches(f, available)]
    return Check(kind="numbers", passed=not missing, missing=list(dict.fromkeys(missing)))


def check_money(claim: str, evidence: str) -> Check | None:
    wanted = money_in(claim)
    if not wanted:
        return None
    values = set(money_in(evidence).values())
    for figure in figures_in(evidence):
        values |= figure.values  # "costs 20 million" without a currency sign still counts
    missing = [s for s, value in wanted.items() if not any(close(value, a) for a in values)]
    return Check(kind="money", passed=not missing, missing=missing)


def check_units(claim: str, evidence: str) -> Check | None:
    """A measurement whose value the evidence gives in another unit of the same kind only.

    "130 mph" against "gusts of 130 km/h": the numbers check passes (130 is there),
    this one does not. Reported only for claim figures with a unit.
    """
    wanted = [f for f in figures_in(claim, claim=True) if f.unit is not None]
    if not wanted:
        return None
    available = figures_in(evidence)
    missing = []
    for figure in wanted:
        assert figure.unit is not None
        same_value = [
            a for a in available if any(close(v, x) for v in figure.values for x in a.values)
        ]
        compatible = any(
            a.unit is not None and same_quantity(v, figure.unit, x, a.unit)
            for a in available
            for v in figure.values
            for x in a.values
        )
        clash = any(
            a.unit is not None and a.unit.dimension == figure.unit.dimension for a in same_value
        )
        if clash and not compatible:
            missing.append(figure.surface + " " + figure.unit.alias)
    return Check(kind="units", passed=not missing, missing=missing)
