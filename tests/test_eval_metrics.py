"""Metric functions against hand-computed values, and every branch of ALCE's definition."""

from __future__ import annotations

import pytest

from summarizer.eval.judges import overlap_judge
from summarizer.eval.metrics import (
    SentenceCitations,
    citation_precision,
    citation_recall,
    copied_rate,
    length,
    rouge,
    score_citations,
    score_sentence_citations,
    summary_text,
    supported_rate,
    supported_rate_before,
    uncited_rate,
)
from summarizer.models import (
    RepairAction,
    RepairAttempt,
    Source,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.text.lexical import coverage

# --- ROUGE ---------------------------------------------------------------------------


def test_rouge_equal_length_hand_computed() -> None:
    # reference: the cat lay on the mat   (6 tokens)
    # prediction: the cat sat on the mat  (6 tokens)
    # unigrams shared: the, the, cat, on, mat = 5  -> P = R = 5/6 -> F = 5/6
    # bigrams: ref {the-cat, cat-lay, lay-on, on-the, the-mat},
    #          pred {the-cat, cat-sat, sat-on, on-the, the-mat}: 3 shared of 5 -> F = 0.6
    # LCS: "the cat on the mat" = 5 -> P = R = 5/6
    scores = rouge("The cat sat on the mat.", "The cat lay on the mat.")
    assert scores["rouge1"] == pytest.approx(5 / 6)
    assert scores["rouge2"] == pytest.approx(0.6)
    assert scores["rougeL"] == pytest.approx(5 / 6)


def test_rouge_unequal_length_hand_computed() -> None:
    # reference: police arrested the two men on friday  (7 tokens)
    # prediction: police arrested two men               (4 tokens)
    # R1: 4 shared -> P = 1, R = 4/7, F = 2*(4/7)/(1 + 4/7) = 8/11
    # R2: pred {police-arrest, arrest-two, two-men}; ref has police-arrest and two-men -> P = 2/3,
    #     R = 2/6 -> F = 2*(2/3)*(1/3)/(2/3 + 1/3) = 4/9
    # RL: LCS = police arrested two men = 4 -> same as R1 = 8/11
    # "arrested" is stemmed to "arrest" on both sides, so it matches.
    scores = rouge("Police arrested two men.", "Police arrested the two men on Friday.")
    assert scores["rouge1"] == pytest.approx(8 / 11)
    assert scores["rouge2"] == pytest.approx(4 / 9)
    assert scores["rougeL"] == pytest.approx(8 / 11)


def test_rouge_stems_and_ignores_case() -> None:
    # "Strikes" and "strike" share the Porter stem; case is folded: a full match.
    assert rouge("STRIKES ended", "strike ended")["rouge1"] == pytest.approx(1.0)


def test_rouge_disjoint_is_zero() -> None:
    assert rouge("alpha beta", "gamma delta") == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


# --- ALCE citation recall / precision -------------------------------------------------


class SetJudge:
    """Entailment as set inclusion: the claim is supported iff the evidence contains one of
    its supporting sets. Records every call so tests can check which sub-checks ALCE runs."""

    def __init__(self, support: dict[str, list[set[str]]]) -> None:
        self.support = support
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    async def __call__(self, claim: str, evidence: list[str]) -> float:
        self.calls.append((claim, tuple(evidence)))
        have = set(evidence)
        return 1.0 if any(need <= have for need in self.support.get(claim, [])) else 0.0


EVIDENCE = {0: "E0", 1: "E1", 2: "E2", 3: "E3"}


async def _score(judge: SetJudge, claim: str, cites: list[int]) -> SentenceCitations:
    return await score_sentence_citations(claim, cites, EVIDENCE, judge, threshold=0.5)


async def test_uncited_sentence_has_recall_zero_and_no_citations() -> None:
    judge = SetJudge({"c": [set()]})  # would be "supported" by anything: never asked
    scored = await _score(judge, "c", [])
    assert (scored.recall, scored.citations, scored.relevant) == (0, [], [])
    assert judge.calls == []


async def test_citation_without_evidence_is_out_of_range() -> None:
    # ALCE: a citation past the document list makes recall 0 and adds nothing to precision.
    judge = SetJudge({"c": [{"E0"}]})
    scored = await _score(judge, "c", [0, 9])
    assert scored.recall == 0 and not scored.valid and scored.citations == []
    assert judge.calls == []


async def test_single_supporting_citation_is_relevant() -> None:
    judge = SetJudge({"c": [{"E1"}]})
    scored = await _score(judge, "c", [1])
    assert (scored.recall, scored.relevant) == (1, [True])
    assert judge.calls == [("c", ("E1",))]  # one call: no (a)/(b) for a single citation


async def test_unsupported_sentence_citations_all_irrelevant_without_subchecks() -> None:
    judge = SetJudge({"c": [{"E3"}]})
    scored = await _score(judge, "c", [0, 1])
    assert scored.recall == 0
    assert scored.citations == [0, 1] and scored.relevant == [False, False]
    assert judge.calls == [("c", ("E0", "E1"))]  # precision sub-checks only when recall = 1


async def test_each_citation_alone_supports_both_relevant() -> None:
    # condition (a) holds for both: each is relevant without asking (b).
    judge = SetJudge({"c": [{"E0"}, {"E1"}]})
    scored = await _score(judge, "c", [0, 1])
    assert (scored.recall, scored.relevant) == (1, [True, True])
    assert judge.calls == [("c", ("E0", "E1")), ("c", ("E0",)), ("c", ("E1",))]


async def test_redundant_citation_is_irrelevant() -> None:
    # E0 alone supports. Citation 1: (a) E1 alone does not support AND (b) without it, E0
    # still supports -> irrelevant. Citation 0 is relevant by (a).
    judge = SetJudge({"c": [{"E0"}]})
    scored = await _score(judge, "c", [0, 1])
    assert (scored.recall, scored.relevant) == (1, [True, False])
    assert ("c", ("E0",)) in judge.calls and ("c", ("E1",)) in judge.calls


async def test_jointly_needed_citations_are_both_relevant() -> None:
    # Only E0+E1 together support: (a) fails for each, but (b) fails too (the rest alone
    # does not support), so neither is irrelevant.
    judge = SetJudge({"c": [{"E0", "E1"}]})
    scored = await _score(judge, "c", [0, 1])
    assert (scored.recall, scored.relevant) == (1, [True, True])


async def test_three_citations_one_redundant() -> None:
    # Support needs E0+E1. 0 and 1: (a) no, (b) removing either breaks support -> relevant.
    # 2: (a) no, (b) {E0, E1} still supports -> irrelevant.
    judge = SetJudge({"c": [{"E0", "E1"}]})
    scored = await _score(judge, "c", [0, 1, 2])
    assert scored.relevant == [True, True, False]


async def test_only_first_three_citations_scored_and_duplicates_dropped() -> None:
    judge = SetJudge({"c": [{"E3"}]})
    # [0, 0, 1, 2, 3] -> deduplicated [0, 1, 2, 3] -> ALCE keeps the first 3: E3 is not seen.
    scored = await _score(judge, "c", [0, 0, 1, 2, 3])
    assert scored.citations == [0, 1, 2] and scored.recall == 0
    unlimited = await score_sentence_citations(
        "c", [0, 1, 2, 3], EVIDENCE, judge, threshold=0.5, max_citations=None
    )
    assert unlimited.recall == 1


async def test_threshold_is_inclusive() -> None:
    async def half(claim: str, evidence: list[str]) -> float:
        return 0.5

    assert (await score_sentence_citations("c", [0], EVIDENCE, half, threshold=0.5)).recall == 1
    assert (await score_sentence_citations("c", [0], EVIDENCE, half, threshold=0.51)).recall == 0


async def test_aggregate_recall_and_precision_hand_computed() -> None:
    judge = SetJudge(
        {
            "uncited": [set()],
            "single-ok": [{"E0"}],
            "single-bad": [{"E3"}],
            "redundant": [{"E0"}],
            "joint": [{"E0", "E1"}],
        }
    )
    scored = await score_citations(
        [
            ("uncited", [], EVIDENCE),  # recall 0, 0 citations
            ("single-ok", [0], EVIDENCE),  # recall 1, 1 of 1 relevant
            ("single-bad", [1], EVIDENCE),  # recall 0, 0 of 1 relevant
            ("redundant", [0, 1], EVIDENCE),  # recall 1, 1 of 2 relevant
            ("joint", [0, 1], EVIDENCE),  # recall 1, 2 of 2 relevant
        ],
        judge,
        threshold=0.5,
    )
    # recall = 3 / 5 sentences; precision = (0+1+0+1+2) / (0+1+1+2+2) = 4 / 6
    assert citation_recall(scored) == pytest.approx(3 / 5)
    assert citation_precision(scored) == pytest.approx(4 / 6)


def test_empty_summary_has_no_citation_scores_and_uncited_only_is_zero_precision() -> None:
    assert citation_recall([]) is None and citation_precision([]) is None
    uncited = [SentenceCitations(recall=0, citations=[], relevant=[])]
    assert citation_recall(uncited) == 0.0
    assert citation_precision(uncited) == 0.0  # ALCE: no citations at all -> precision 0


# --- rates read from the summary ------------------------------------------------------


def _sentence(
    text: str,
    cites: list[int],
    status: Status,
    *,
    attempts: int = 0,
    original: str | None = None,
    action: RepairAction = RepairAction.RECITE,
) -> SummarySentence:
    verdict = Verdict(status=status)
    trail = [RepairAttempt(action=action, text=text, citations=cites, verdict=verdict)] * attempts
    return SummarySentence(
        text=text, citations=cites, verdict=verdict, attempts=trail, original_text=original
    )


def test_rates_from_a_repaired_summary() -> None:
    summary = Summary(
        title="t",
        sentences=[
            _sentence("One two three.", [0], Status.SUPPORTED),  # supported from the start
            _sentence("Four five [1].", [1], Status.REPAIRED, attempts=1, original="Four six."),
            _sentence("Seven.", [0], Status.REMOVED, attempts=1),  # dropped: not shown
            _sentence("Eight nine.", [], Status.UNCITED),
            # supported all along; repair only dropped a superfluous citation
            _sentence("Ten eleven.", [2], Status.REPAIRED, attempts=1, action=RepairAction.TRIM),
        ],
    )
    # shown: 4 sentences; supported or repaired: 3 -> 3/4
    assert supported_rate(summary) == pytest.approx(3 / 4)
    # before repair: all 5 draft sentences; the first and the trimmed one were supported
    assert supported_rate_before(summary) == pytest.approx(2 / 5)
    assert uncited_rate(summary) == pytest.approx(1 / 4)
    # markers are stripped: "One two three." (3) + "Four five" (2) + 2 + 2
    assert length(summary) == (9, 4)
    assert summary_text(summary) == "One two three. Four five. Eight nine. Ten eleven."


def test_unverified_summary_has_no_verifier_rates() -> None:
    summary = Summary(title="t", sentences=[_sentence("A b c.", [0], Status.UNVERIFIED)])
    assert supported_rate(summary) is None and supported_rate_before(summary) is None
    assert uncited_rate(summary) == 0.0
    empty = Summary(title="t")
    assert uncited_rate(empty) is None and length(empty) == (0, 0)


def test_copied_rate_counts_word_for_word_repeats_of_a_usable_source_sentence() -> None:
    text = "The ferry left at noon. Its crew of twelve stayed aboard. Nobody was hurt."
    sources = [
        Source(id=0, url="a.txt", text=text),
        Source(id=1, url="b.txt", text="The mayor resigned on Monday.", error="HTTP 404"),
    ]
    summary = Summary(
        title="t",
        sources=sources,
        sentences=[
            _sentence("The ferry left at noon [0].", [0], Status.SUPPORTED),  # a copy
            _sentence("“Its crew of twelve stayed aboard”", [0], Status.SUPPORTED),  # quotes aside
            _sentence("Twelve crew members stayed on the ferry.", [0], Status.SUPPORTED),
            _sentence("Nobody was hurt.", [0], Status.REMOVED),  # not shown
            _sentence("The mayor resigned on Monday.", [1], Status.UNSUPPORTED),  # failed source
            _sentence("The ferry left at noon on Friday.", [0], Status.SUPPORTED),  # a word added
        ],
    )
    assert copied_rate(summary) == pytest.approx(2 / 5)
    assert copied_rate(Summary(title="t", sources=sources)) is None


async def test_overlap_judge_counts_content_words() -> None:
    # claim content tokens: ferry, crew, struck, monday; the evidence lacks "monday": 3/4
    score = await overlap_judge("The ferry crews struck on Monday", ["Ferry crew struck today."])
    assert score == pytest.approx(3 / 4)
    # One overlap score: the offline judge and the verifier's lexical layer agree,
    # also on a claim with no content words (nothing to check: never decided by overlap).
    assert score == coverage("The ferry crews struck on Monday", "Ferry crew struck today.")
    assert await overlap_judge("the of and", ["anything"]) == 1.0 == coverage("the of and", "x")
