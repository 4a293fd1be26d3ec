"""Extractive baselines: order, length targets, exact citations, redundancy, boilerplate."""

from __future__ import annotations

import numpy as np
import pytest

from summarizer.eval.baselines import (
    central_baseline,
    lead_baseline,
    lexrank_scores,
    sentence_like,
    tfidf_matrix,
)
from summarizer.ingest import make_source
from summarizer.models import Source, Summary
from summarizer.settings import Settings
from summarizer.text.boilerplate import is_boilerplate_line, is_notice

A = (
    "Storm Petra closed the coastal road on Monday morning. "
    "Engineers said the sea wall had been damaged in two places. "
    "The road is expected to reopen on Friday after repairs. "
    "Local shops reported a quiet day."
)
B = (
    "ADVERTISEMENT\n\n"
    "The coastal road was closed on Monday after Storm Petra damaged the sea wall. "
    "Buses were diverted through the hill villages for the week. "
    "Engineers said repairs to the sea wall would take until Friday."
)
C = (
    "Schools in the harbour district stayed open despite the storm warnings. "
    "The coastal road was closed on Monday after Storm Petra damaged the sea wall. "
    "Parents were asked to collect children early on Tuesday."
)


def sources() -> list[Source]:
    return [make_source(i, text, url=f"doc{i}") for i, text in enumerate((A, B, C))]


def assert_exact_citations(summary: Summary, srcs: list[Source]) -> None:
    for sentence in summary.sentences:
        assert len(sentence.citations) == 1
        source = srcs[sentence.citations[0]]
        assert any(" ".join(p.text.split()) == sentence.text for p in source.passages)


def test_sentence_filter_skips_boilerplate() -> None:
    assert not sentence_like("ADVERTISEMENT")
    assert not sentence_like("Storm Petra hits the coast")  # headline: no final punctuation
    assert not sentence_like("Local shops said so.")  # too short to carry a fact
    assert sentence_like("Local shops reported a quiet day.")


def test_a_notice_to_the_reader_is_no_sentence_but_news_about_cookies_is() -> None:
    """Multi-News cluster 0 has a source that is only a sign-up line; it reached a brief."""
    notices = [
        "Just fill in your contact details in the form below to join our mailing list and "
        "keep up to date with the Good Country as it develops.",
        "Follow us on Twitter for even more live coverage of this, ahem, momentous event.",
        "Email Sign Up By signing up you agree to receive email newsletters or alerts.",
        "ABC News' Gerard McNiff and the Associated Press contributed to this report.",
    ]
    for notice in notices:
        assert is_notice(notice) and not sentence_like(notice), notice
    for news in (
        "Girl Scout cookie sales rose by ten percent after the log-in outage ended.",
        "Facebook changed its privacy policy on Monday, a week after the fine.",
        "The company's stock lost two dollars a share on Tuesday.",
    ):
        assert sentence_like(news) and not is_notice(news), news
    assert is_boilerplate_line("We use cookies to improve your experience.")  # page chrome
    long_report = (
        "The council said residents who want updates on the flood defences can sign up for a "
        "text message service, which it launched on Tuesday after complaints that the old "
        "newsletter arrived days after each warning had been lifted."
    )
    assert not is_notice(long_report), "a long sentence that mentions a newsletter is reporting"


def test_lead_is_round_robin_and_cites_its_source() -> None:
    srcs = sources()
    summary = lead_baseline(srcs, Settings(target_sentences=4))
    texts = [s.text for s in summary.sentences]
    assert texts == [
        "Storm Petra closed the coastal road on Monday morning.",
        "The coastal road was closed on Monday after Storm Petra damaged the sea wall.",
        "Schools in the harbour district stayed open despite the storm warnings.",
        "Engineers said the sea wall had been damaged in two places.",
    ]
    assert [s.citations for s in summary.sentences] == [[0], [1], [2], [0]]
    assert_exact_citations(summary, srcs)
    assert summary.options == {"system": "lead"}


def test_lead_skips_verbatim_repeats_and_stops_when_sources_run_out() -> None:
    srcs = sources()
    summary = lead_baseline(srcs, Settings(target_sentences=50))
    texts = [s.text for s in summary.sentences]
    # C's second sentence repeats B's first verbatim: kept once, cited to B (seen first).
    assert (
        texts.count("The coastal road was closed on Monday after Storm Petra damaged the sea wall.")
        == 1
    )
    assert len(texts) == 9  # 4 + 3 + 3 sentence-like passages, minus one repeat
    assert_exact_citations(summary, srcs)


def test_lead_word_target_wins_over_sentence_target() -> None:
    summary = lead_baseline(sources(), Settings(target_sentences=10, target_words=15))
    words = [len(s.text.split()) for s in summary.sentences]
    assert sum(words[:-1]) < 15 <= sum(words)


def test_tfidf_rows_are_unit_vectors_and_identical_sentences_match() -> None:
    matrix = tfidf_matrix([["road", "closed"], ["road", "closed"], ["school", "open"]])
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    similarity = matrix @ matrix.T
    assert similarity[0, 1] == pytest.approx(1.0) and similarity[0, 2] == pytest.approx(0.0)


def test_lexrank_prefers_the_hub_of_the_graph() -> None:
    # Sentence 0 is similar to 1, 2 and 3, which are not similar to each other.
    similarity = np.array(
        [
            [1.0, 0.5, 0.5, 0.5],
            [0.5, 1.0, 0.0, 0.0],
            [0.5, 0.0, 1.0, 0.0],
            [0.5, 0.0, 0.0, 1.0],
        ]
    )
    scores = lexrank_scores(similarity)
    assert scores.sum() == pytest.approx(1.0)
    assert int(np.argmax(scores)) == 0
    assert scores[1] == pytest.approx(scores[2]) == pytest.approx(scores[3])


def test_central_picks_shared_fact_once_and_cites_exactly() -> None:
    srcs = sources()
    summary = central_baseline(srcs, Settings(target_sentences=3))
    texts = [s.text for s in summary.sentences]
    assert len(texts) == 3
    # The closure sentence is repeated by B and C: the most central, but kept only once.
    closure = "The coastal road was closed on Monday after Storm Petra damaged the sea wall."
    assert texts.count(closure) == 1
    assert_exact_citations(summary, srcs)
    # Output is in source-position order: first sentences before later ones.
    positions = []
    for sentence in summary.sentences:
        source = srcs[sentence.citations[0]]
        positions.append(
            next(p.index for p in source.passages if " ".join(p.text.split()) == sentence.text)
        )
    assert positions == sorted(positions)


def test_central_redundancy_filter_drops_near_duplicates() -> None:
    text = "The mayor opened the new bridge on Saturday morning."
    srcs = [
        make_source(0, text + " Crowds cheered along the river bank all day long."),
        make_source(1, text + " Traffic is expected to ease in the city centre soon."),
    ]
    summary = central_baseline(srcs, Settings(target_sentences=4))
    assert [s.text for s in summary.sentences].count(text) == 1
    assert len(summary.sentences) == 3


def test_baselines_on_failed_or_empty_sources() -> None:
    failed = [Source(id=0, url="x", error="404"), make_source(1, "Headline only")]
    for baseline in (lead_baseline, central_baseline):
        summary = baseline(failed, Settings())
        assert summary.sentences == [] and len(summary.sources) == 2
