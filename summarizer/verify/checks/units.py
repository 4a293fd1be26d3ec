"""Units of measure: one spelling per unit, and conversion between units of one kind.

"130 km/h", "130 kph" and "130 kilometres per hour" are one fact; "80 mph" is the
same speed in other units (a paraphrase may convert); "130 mph" is a different
fact. Each alias maps to (dimension, factor to a base unit); temperatures are
affine and handled apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# dimension → {alias: factor to the dimension's base unit}
_TABLE: dict[str, dict[str, float]] = {
    "speed": {
        "km/h": 1 / 3.6, "kph": 1 / 3.6, "kmh": 1 / 3.6, "kmph": 1 / 3.6,
        "kilometres per hour": 1 / 3.6, "kilometers per hour": 1 / 3.6,
        "kilometres an hour": 1 / 3.6, "kilometers an hour": 1 / 3.6, "km per hour": 1 / 3.6,
        "mph": 0.44704, "miles per hour": 0.44704, "miles an hour": 0.44704,
        "knots": 0.514444, "knot": 0.514444,
        "m/s": 1.0, "metres per second": 1.0, "meters per second": 1.0,
    },
    "area": {
        "sq km": 1e6, "square kilometres": 1e6, "square kilometers": 1e6, "km2": 1e6,
        "km²": 1e6, "square kilometre": 1e6, "square kilometer": 1e6,
        "sq mi": 2.589988e6, "sq miles": 2.589988e6, "square miles": 2.589988e6,
        "square mile": 2.589988e6, "hectares": 1e4, "hectare": 1e4, "ha": 1e4,
        "acres": 4046.856, "acre": 4046.856, "square metres": 1.0, "square meters": 1.0,
        "sq m": 1.0, "m²": 1.0, "square feet": 0.092903, "sq ft": 0.092903,
    },
    "length": {
        "km": 1e3, "kilometres": 1e3, "kilometers": 1e3, "kilometre": 1e3, "kilometer": 1e3,
        "metres": 1.0, "meters": 1.0, "metre": 1.0, "meter": 1.0,
        "cm": 0.01, "centimetres": 0.01, "centimeters": 0.01, "centimetre": 0.01,
        "centimeter": 0.01, "mm": 0.001, "millimetres": 0.001, "millimeters": 0.001,
        "miles": 1609.344, "mile": 1609.344, "mi": 1609.344,
        "feet": 0.3048, "foot": 0.3048, "ft": 0.3048, "inches": 0.0254, "inch": 0.0254,
        "yards": 0.9144, "yard": 0.9144,
    },
    "mass": {
        "kg": 1.0, "kilograms": 1.0, "kilogram": 1.0, "kilogrammes": 1.0, "kilos": 1.0,
        "kilo": 1.0, "tonnes": 1e3, "tonne": 1e3, "metric tons": 1e3, "tons": 1e3, "ton": 1e3,
        "lb": 0.453592, "lbs": 0.453592, "grams": 0.001, "gram": 0.001,
    },
    "volume": {
        "litres": 1.0, "liters": 1.0, "litre": 1.0, "liter": 1.0,
        "gallons": 3.78541, "gallon": 3.78541, "barrels": 158.987, "barrel": 158.987,
    },
    "time": {
        "seconds": 1.0, "second": 1.0, "secs": 1.0, "minutes": 60.0, "minute": 60.0,
        "mins": 60.0, "hours": 3600.0, "hour": 3600.0, "hrs": 3600.0, "days": 86400.0,
        "day": 86400.0, "weeks": 604800.0, "week": 604800.0, "months": 2629800.0,
        "month": 2629800.0, "years": 31557600.0, "year": 31557600.0,
    },
    "temperature": {
        "°c": 1.0, "degrees celsius": 1.0, "degrees c": 1.0, "celsius": 1.0, "c": 1.0,
        "°f": 1.0, "degrees fahrenheit": 1.0, "degrees f": 1.0, "fahrenheit": 1.0, "f": 1.0,
    },
}  # fmt: skip
_FAHRENHEIT = frozenset({"°f", "degrees fahrenheit", "degrees f", "fahrenheit", "f"})
# Bare one-letter aliases are read as units only right after a degree sign or "degrees".
_NEEDS_DEGREES = frozenset({"c", "f"})
UNITS: dict[str, tuple[str, float]] = {
    alias: (dimension, factor)
    for dimension, table in _TABLE.items()
    for alias, factor in table.items()
}
_UNIT_RE = re.compile(
    r"[ \t]?-?(?:(?P<deg>°|degrees?[ \t]))?(?P<unit>"
    + "|".join(re.escape(a).replace(r"\ ", r"[ \t]+") for a in sorted(UNITS, key=len, reverse=True))
    + r")(?![\w/²])",
    re.IGNORECASE,
)
# A converted figure is rounded by whoever converted it: "130 km/h (80 mph)" is 1.6 % off.
CONVERSION_TOLERANCE = 0.03


@dataclass(frozen=True)
class Unit:
    """One unit as written: its canonical alias, dimension and factor to the base unit."""

    alias: str
    dimension: str
    factor: float

    def to_base(self, value: float) -> float:
        if self.dimension == "temperature":
            return (value - 32.0) * 5.0 / 9.0 if self.alias in _FAHRENHEIT else value
        return value * self.factor


def unit_after(text: str, position: int) -> tuple[Unit, int] | None:
    """The unit written right after ``position`` (a number's end) and where it ends."""
    match = _UNIT_RE.match(text, position)
    if match is None:
        return None
    alias = re.sub(r"\s+", " ", match.group("unit").lower())
    if match.group("deg"):
        alias = {"c": "°c", "f": "°f"}.get(alias, alias)
        if alias.startswith("°") is False and alias not in UNITS:
            return None
    elif alias in _NEEDS_DEGREES:
        return None
    dimension, factor = UNITS[alias]
    return Unit(alias, dimension, factor), match.end()


def same_quantity(a: float, unit_a: Unit, b: float, unit_b: Unit) -> bool:
    """Whether two measurements agree once converted (within the rounding of a conversion)."""
    if unit_a.dimension != unit_b.dimension:
        return False
    x, y = unit_a.to_base(a), unit_b.to_base(b)
    same_scale = (unit_a.alias in _FAHRENHEIT) == (unit_b.alias in _FAHRENHEIT)
    if unit_a.factor == unit_b.factor and same_scale:
        return abs(x - y) <= 1e-9 * max(1.0, abs(x))
    return abs(x - y) <= CONVERSION_TOLERANCE * max(abs(x), abs(y), 1e-9)
