"""Cutting an "according to X" that the evidence does not make (text.attribution)."""

from __future__ import annotations

from summarizer.text.attribution import drop_unsupported_attribution

EVIDENCE = (
    '"Is there something wrong with it?" fan Jordan Deuschleman asked, according to the '
    "Associated Press. Police said the stadium was closed on Monday."
)


def test_a_trailing_or_leading_attribution_naming_nobody_in_the_evidence_is_cut() -> None:
    assert (
        drop_unsupported_attribution(
            "The stadium was closed on Monday, according to a study.", EVIDENCE
        )
        == "The stadium was closed on Monday."
    )
    assert (
        drop_unsupported_attribution(
            "According to sources, the stadium was closed on Monday.", EVIDENCE
        )
        == "The stadium was closed on Monday."
    )
    both = (
        "A fan asked if something was wrong, according to both the Associated Press and a source."
    )
    assert drop_unsupported_attribution(both, EVIDENCE) == "A fan asked if something was wrong."


def test_an_attribution_the_evidence_makes_is_kept() -> None:
    for text in (
        "The stadium was closed on Monday, according to police.",
        "According to the Associated Press, a fan asked if something was wrong with it.",
        "A fan asked if something was wrong, according to the Associated Press!",
        "The stadium was closed on Monday, according to them.",
    ):
        assert drop_unsupported_attribution(text, EVIDENCE) == text


def test_what_is_left_must_still_be_a_sentence_and_the_middle_is_left_alone() -> None:
    assert drop_unsupported_attribution("Closed, according to sources.", EVIDENCE) == (
        "Closed, according to sources."
    )
    middle = "The stadium, according to a study, was closed on Monday."
    assert drop_unsupported_attribution(middle, EVIDENCE) == middle
