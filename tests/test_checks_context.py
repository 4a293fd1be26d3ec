"""The context and certainty checks: swaps inside one article, and hedges made certain.

Hand-written evidence in the shape of the paraphrase set's errors: a second person
or figure the article mentions elsewhere takes the place of the right one; the
names and numbers checks pass such a claim (every word is in the article), the
context check must not.
"""

from __future__ import annotations

import pytest

from summarizer.verify.checks import describe_failures, run_checks
from summarizer.verify.checks.certainty import check_certainty
from summarizer.verify.checks.context import check_context

HOUSE = (
    "Rep. Jackie Speier will host an hour-long session on June 15 in which members read the "
    "full statement of the survivor. Lawmakers from both parties are expected to take part. "
    "The statement has been read by millions of people online since it was published. "
    "Several universities have since revised their policies on campus assault. "
    "On Thursday, Rep. Ted Poe of Texas read excerpts of it on the House floor."
)
COUNCIL = (
    "The council has 60 days to appoint a replacement or to call a special election. "
    "City Manager June Catalano said the appointment would be made in public. "
    "The resignation takes effect on Friday. "
    "Residents voted last year on the clerk's post. "
    "That ballot measure, which made the post appointed, cost about $19,000."
)


@pytest.mark.parametrize(
    ("claim", "evidence", "moved"),
    [
        (
            "Ted Poe will host an hour-long session on June 15 where members read the "
            "survivor's full statement.",
            HOUSE,
            "Ted Poe",
        ),
        (
            "The council has 60 days to appoint someone or to call a special election "
            "costing about $19,000.",
            COUNCIL,
            "19,000",
        ),
    ],
)
def test_a_name_or_figure_moved_to_another_fact_fails(
    claim: str, evidence: str, moved: str
) -> None:
    names_and_numbers = [c for c in run_checks(claim, evidence) if c.kind in ("names", "numbers")]
    assert names_and_numbers and all(c.passed for c in names_and_numbers)  # all words present
    check = check_context(claim, evidence)
    assert check is not None and not check.passed
    assert moved in check.missing
    assert f"{moved} not where the evidence states this" in describe_failures([check])


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        (
            "Jackie Speier will lead a one-hour reading of the survivor's statement on June 15.",
            HOUSE,
        ),
        ("Poe, a Texas Republican, read parts of the statement on Thursday.", HOUSE),
        ("Councillors have 60 days to fill the post or set a special election.", COUNCIL),
        # a fusion: each clause placed in its own sentence
        (
            "Speier will host the June 15 reading, and Poe read excerpts on Thursday.",
            HOUSE,
        ),
        # a demonym is placed by the country's name
        (
            "The Ethiopian records ran from 1993 to 2005.",
            "Records from Ethiopia cover 1993 to 2005. Colombia's ran from 1990.",
        ),
    ],
)
def test_a_name_or_figure_where_its_fact_is_passes(claim: str, evidence: str) -> None:
    check = check_context(claim, evidence)
    assert check is None or check.passed, check


def test_nothing_to_place_is_not_reported() -> None:
    # no name or figure; a name the evidence lacks is the names check's business
    assert check_context("The session will be long.", HOUSE) is None
    assert check_context("Nancy Pelosi will host an hour-long session.", HOUSE) is None
    # a possessive is skipped: articles name their subject once and then say "his"
    assert check_context("Doctors found a growth on Lima's adrenal gland.", "Lima sang. " * 3 +
                         "Doctors found a growth on his adrenal gland.") is None  # fmt: skip


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        ("Lawmakers from both parties are certain to take part.", ["certain"]),
        ("All lawmakers will certainly take part.", ["all", "certainly"]),
    ],
)
def test_certainty_the_evidence_lacks_fails(claim: str, missing: list[str]) -> None:
    check = check_certainty(claim, HOUSE)
    assert check is not None and not check.passed
    assert check.missing[: len(missing)] == missing  # then the hedge they drop: "expected to"
    assert "surer than the evidence" in describe_failures([check])


def test_certainty_the_evidence_has_passes_and_a_hedge_is_not_reported() -> None:
    evidence = "Officials confirmed that all 12 crew members were rescued."
    passed = check_certainty("All 12 crew were rescued, officials confirmed.", evidence)
    assert passed is not None and passed.passed
    assert check_certainty("Lawmakers from both parties are expected to join.", HOUSE) is None


IRS = (
    "In all, the committee says the laws Lerner might have violated are punishable by up "
    "to 11 years in prison. "
    "She retired last year. "
    "Her lawyer says she did nothing wrong. "
    "The committee voted along party lines on Wednesday. "
    "Lerner joined the IRS in 2012 as head of the exempt organisations unit. "
    "The unit reviews applications for tax-exempt status. "
    "Republicans have criticised it for years. "
    "Emails released by the committee show she took a special interest in Crossroads GPS "
    "in early 2013, asking staff why the group had not been audited."
)


def test_a_year_moved_to_another_fact_fails() -> None:
    claim = "In early 2012 she took a special interest in Crossroads GPS, emails show."
    assert [c.passed for c in run_checks(claim, IRS) if c.kind == "dates"] == [True]
    check = check_context(claim, IRS)
    assert check is not None and not check.passed and check.missing == ["2012"]
    honest = check_context(claim.replace("2012", "2013"), IRS)
    assert honest is not None and honest.passed


def test_a_certainty_word_counts_only_where_the_clause_is_stated() -> None:
    # "all" is in the article ("In all, ..."), but not where the laws are described
    claim = "All the emails show Lerner took a special interest in Crossroads GPS."
    check = check_certainty(claim, IRS)
    assert check is not None and not check.passed and check.missing == ["all"]
    kept = check_certainty("In all, the laws Lerner might have violated carry 11 years.", IRS)
    assert kept is not None and kept.passed


@pytest.mark.parametrize(
    ("claim", "evidence", "hedge"),
    [
        ("The laws Lerner violated are punishable by up to 11 years in prison.", IRS, "might"),
        ("Lawmakers from both parties will take part in the session.", HOUSE, "expected to"),
    ],
)
def test_a_hedge_dropped_from_the_restated_sentence_fails(
    claim: str, evidence: str, hedge: str
) -> None:
    check = check_certainty(claim, evidence)
    assert check is not None and not check.passed
    assert check.missing == [f"“{hedge}” dropped from: {claim}"]
    assert f"surer than the evidence: “{hedge}” dropped" in describe_failures([check])


@pytest.mark.parametrize(
    "claim",
    [
        # the claim keeps a hedge of its own
        "The laws Lerner may have violated are punishable by up to 11 years in prison.",
        "Lawmakers from both parties are likely to take part.",
        # the hedge governs something the claim does not restate
        "Lerner retired last year after heading the exempt organisations unit.",
    ],
)
def test_a_hedge_kept_or_not_restated_passes(claim: str) -> None:
    check = check_certainty(claim, IRS + " " + HOUSE)
    assert check is None or check.passed, check


def test_an_attribution_verb_or_a_rhetorical_may_is_not_a_hedge() -> None:
    evidence = (
        "You may know Mindy Kaling from The Mindy Project, in which she plays a doctor. "
        "Carragher believes Rodgers is still the right man to lead Liverpool forward."
    )
    for claim in (
        "Mindy Kaling plays a doctor in The Mindy Project.",
        "Carragher says Rodgers is still the right man to lead Liverpool forward.",
    ):
        assert check_certainty(claim, evidence) is None
