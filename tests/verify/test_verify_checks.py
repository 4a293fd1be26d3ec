"""Deterministic checks: numbers, money, dates, quotes and names, with their normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.models import Check
from summarizer.verify.checks import (
    check_dates,
    check_money,
    check_names,
    check_numbers,
    check_quotes,
    dates_in,
    describe_failures,
    names_in,
    numbers_in,
    run_checks,
)

EVIDENCE = (
    "Kestrel Bay council reopened the Alder Street bridge on Tuesday after eight months of "
    "repairs. The work cost $4.2m, the council said. About 1200 vehicles crossed it, and "
    'trade fell by 15 per cent in March 2023. Mayor Ines Okafor said the bridge "will carry '
    'buses again from next week".'
)


@pytest.mark.parametrize(
    "claim",
    [
        "About 1,200 vehicles crossed the bridge.",
        "The repairs took eight months.",
        "The repairs took 8 months.",
        "Trade fell by 15%.",
        "Trade fell by 15 percent.",
        "The work cost 4.2 million dollars.",
        "The work cost 4.2 million.",
        "One bridge reopened.",  # "one" is not checked: usually a pronoun
    ],
)
def test_numbers_found_in_any_written_form(claim: str) -> None:
    result = check_numbers(claim, EVIDENCE)
    assert result is None or result.passed, result


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        ("About 1,300 vehicles crossed the bridge.", "1,300"),
        ("The repairs took nine months.", "nine"),
        ("Trade fell by 16%.", "16%"),
        ("The work cost 4.2 billion dollars.", "4.2 billion"),
        ("The work cost 42 million.", "42 million"),
    ],
)
def test_changed_numbers_are_missing(claim: str, missing: str) -> None:
    result = check_numbers(claim, EVIDENCE)
    assert result is not None and not result.passed
    assert result.missing == [missing]


def test_years_belong_to_the_dates_check() -> None:
    assert check_numbers("It happened in 2023.", EVIDENCE) is None
    assert numbers_in("In 2023, 1,200 cars.", claim=True) == {"1,200": {1200.0}}


def test_money_compares_values_not_currency_spelling() -> None:
    passed = check_money("The work cost 4.2 million dollars.", EVIDENCE)
    assert passed == Check(kind="money", passed=True, missing=[])
    failed = check_money("The work cost $5m.", EVIDENCE)
    assert failed is not None and failed.missing == ["$5m"]
    assert check_money("No amount here.", EVIDENCE) is None


@pytest.mark.parametrize(
    ("claim", "passed"),
    [
        ("The bridge reopened on Tuesday.", True),
        ("The bridge reopened on Friday.", False),
        ("Corrosion was found in March 2023.", True),
        ("Corrosion was found in 2022.", False),
        ("Corrosion was found in April.", False),
        ("corrosion was found in march 2023.", True),  # lowercased but next to a year
    ],
)
def test_dates(claim: str, passed: bool) -> None:
    result = check_dates(claim, EVIDENCE)
    assert result is not None and result.passed is passed


def test_ambiguous_month_words_are_not_dates() -> None:
    assert dates_in("The council may march on.", claim=True) == {}
    assert dates_in("Theresa May spoke.", claim=True) == {}
    assert dates_in("It opens in May.", claim=True) == {"May": "may"}
    assert dates_in("It opened on May 3.", claim=True) == {"May": "may", "May 3": "may 3"}
    assert dates_in("born in 2013, she said", claim=True) == {"2013": "2013"}


def test_quotes_must_appear_near_verbatim() -> None:
    near = check_quotes('She said the bridge "will carry buses from next week".', EVIDENCE)
    assert near is not None and near.passed  # one word dropped out of eight
    invented = check_quotes('She said the bridge "is the finest in the land".', EVIDENCE)
    assert invented is not None and invented.missing == ["is the finest in the land"]
    curly = check_quotes("She said it “will carry buses again from next week”.", EVIDENCE)
    assert curly is not None and curly.passed


def test_names_skip_sentence_openers_and_common_words() -> None:
    assert names_in("The bridge reopened. Officials praised Ines Okafor.") == ["Ines Okafor"]
    assert names_in("Paul Merson met the Bank of England and U.S. officials.") == [
        "Paul Merson",
        "Bank of England",
        "U.S.",
    ]
    assert names_in("He said Monday that President Okafor's team won.") == ["Okafor's"]


def test_names_match_case_and_possessive_insensitively() -> None:
    ok = check_names("Mayor Okafor's bridge is in Kestrel Bay.", EVIDENCE)
    assert ok is not None and ok.passed
    wrong = check_names("The bridge was opened by Mayor Ines Adebayo.", EVIDENCE)
    assert wrong is not None and wrong.missing == ["Adebayo"]


def test_run_checks_reports_only_applicable_kinds_and_explains() -> None:
    assert run_checks("the bridge reopened after repairs.", EVIDENCE) == []
    checks = run_checks("Mayor Ines Adebayo said 1,300 cars crossed on Friday.", EVIDENCE)
    assert [c.kind for c in checks] == ["numbers", "dates", "names"]
    assert (
        describe_failures(checks)
        == "missing number 1,300; missing date Friday; missing name Adebayo"
    )


@given(st.integers(min_value=1000, max_value=10**9))
def test_thousands_separators_never_matter(value: int) -> None:
    with_commas = f"{value:,}"
    claim = f"There were {with_commas} visitors."
    assert check_numbers(claim, f"Visitors: {value}.") == Check(kind="numbers", passed=True)
    # A bare 4-digit count may read as a year: then the dates check accepts "1,800".
    checks = run_checks(f"There were {value} visitors.", f"Visitors: {with_commas}.")
    assert checks and all(c.passed for c in checks)


@given(st.text(max_size=200))
def test_checks_never_crash(text: str) -> None:
    for check in run_checks(text, EVIDENCE):
        assert check.passed or check.missing
