"""Long-input budgeting (summarizer.context) and the BM25 it relies on (summarizer.lexical)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.draft.context import (
    estimate_tokens,
    passage_cost,
    passage_id,
    pseudo_query,
    select_passages,
    source_cost,
    total_cost,
)
from summarizer.models import Passage, Source
from summarizer.text.lexical import BM25, frequent_terms, tokenize


def make_source(
    source_id: int, title: str, sentences: list[str], *, error: str | None = None
) -> Source:
    passages: list[Passage] = []
    offset = 0
    for index, sentence in enumerate(sentences):
        passages.append(
            Passage(
                source_id=source_id,
                index=index,
                start=offset,
                end=offset + len(sentence),
                text=sentence,
            )
        )
        offset += len(sentence) + 1
    return Source(
        id=source_id,
        url=f"https://n.example/{source_id}",
        title=title,
        text=" ".join(sentences),
        passages=passages,
        error=error,
    )


FILLER = [f"Council minutes item {i} covered parking permits and park benches." for i in range(40)]


def quake_cluster() -> list[Source]:
    relevant = "The earthquake in Lisbon damaged the old cathedral."
    return [
        make_source(0, "Earthquake shakes Lisbon", [*FILLER[:7], relevant, *FILLER[7:]]),
        make_source(1, "Lisbon quake: cathedral damaged", ["Tremors were felt in Porto.", *FILLER]),
        make_source(2, "Short wire report", ["A strong earthquake struck Lisbon."]),
        make_source(3, "Broken page", ["Lisbon earthquake."], error="HTTP 500"),
    ]


# -- token estimates ---------------------------------------------------------------------------
def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 10) == 10  # chars / 4
    assert estimate_tokens("a b c d e") == 7  # words * 1.3 = 6.5 beats 9 chars / 4
    assert estimate_tokens("x") == 2  # ceil(1 word * 1.3)


def test_costs() -> None:
    source = make_source(0, "Title", ["abcd" * 10])
    assert passage_cost(source.passages[0]) == 10 + 6
    assert source_cost(source) == estimate_tokens("Title") + 20
    assert total_cost([source]) == source_cost(source) + 16
    assert passage_id(source.passages[0]) == "S0.0"


# -- selection ---------------------------------------------------------------------------------
def test_everything_fits() -> None:
    sources = quake_cluster()
    chosen = select_passages(sources, total_cost(sources), None)
    assert set(chosen) == {0, 1, 2}  # the failed source is never shown
    for source in sources[:3]:
        assert chosen[source.id] == source.passages


def test_trimmed_selection_keeps_every_source_and_the_relevant_passage() -> None:
    sources = quake_cluster()
    budget = total_cost(sources) // 4
    chosen = select_passages(sources, budget, "earthquake damage in Lisbon")
    assert set(chosen) == {0, 1, 2}
    assert all(chosen[sid] for sid in (0, 1, 2))  # each source represented
    spent = sum(source_cost(s) + sum(passage_cost(p) for p in chosen[s.id]) for s in sources[:3])
    assert spent <= budget
    assert sum(len(v) for v in chosen.values()) < sum(len(s.passages) for s in sources[:3])
    texts = [p.text for p in chosen[0]]
    assert "The earthquake in Lisbon damaged the old cathedral." in texts
    assert chosen[1][0].text == "Tremors were felt in Porto."  # the lead survives
    for sid, passages in chosen.items():
        assert [p.index for p in passages] == sorted(p.index for p in passages)
        original = {p.index: p for p in sources[sid].passages}
        assert all(original[p.index] == p for p in passages)  # IDs and offsets untouched


def test_round_robin_does_not_let_one_source_crowd_out_another() -> None:
    long = make_source(0, "Long", [f"Lisbon earthquake report line {i}." for i in range(50)])
    short = make_source(1, "Short", ["Cats nap.", "Dogs bark.", "Birds sing."])
    budget = source_cost(long) + source_cost(short) + 8 * 20
    chosen = select_passages([long, short], budget, "Lisbon earthquake")
    assert len(chosen[1]) == 3  # the unrelated short source still gets all its passages in
    assert len(chosen[0]) >= 3


def test_nothing_fits() -> None:
    sources = quake_cluster()
    assert select_passages(sources, 5, None) == {0: [], 1: [], 2: []}
    assert select_passages([], 100, None) == {}


def test_pseudo_query_uses_titles_focus_and_shared_terms() -> None:
    query = pseudo_query(quake_cluster(), "cathedral damage")
    assert query.count("cathedral") >= 3  # title of source 1 + the focus counted twice
    assert "lisbon" in query and "earthquake" in query
    assert "the" not in query


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lengths=st.lists(st.lists(st.integers(1, 60), min_size=1, max_size=12), min_size=1, max_size=5),
    budget=st.integers(0, 800),
)
def test_selection_never_exceeds_the_budget(lengths: list[list[int]], budget: int) -> None:
    sources = [
        make_source(sid, f"Source {sid}", [" ".join(["word"] * n) + "." for n in sizes])
        for sid, sizes in enumerate(lengths)
    ]
    chosen = select_passages(sources, budget, "word")
    spent = sum(
        (source_cost(s) if chosen[s.id] else 0) + sum(passage_cost(p) for p in chosen[s.id])
        for s in sources
    )
    if total_cost(sources) <= budget:
        assert all(chosen[s.id] == s.passages for s in sources)
    else:
        assert spent <= budget
    for source in sources:
        indices = [p.index for p in chosen[source.id]]
        assert indices == sorted(set(indices))


# -- lexical -------------------------------------------------------------------------------------
def test_tokenize() -> None:
    assert tokenize("The strikes in U.K. cost £3.5 billion, 1,200 jobs!") == [
        "strike",
        "u",
        "k",
        "cost",
        "3.5",
        "billion",
        "1,200",
        "job",
    ]
    assert tokenize("the cities", keep_stopwords=True) == ["the", "city"]
    assert tokenize("Zürich Straße") == ["zürich", "straße"]


def test_bm25_ranks_and_scores() -> None:
    docs = [
        tokenize("Earthquake hits Lisbon"),
        tokenize("Parking permits discussed at council"),
        tokenize("Lisbon earthquake earthquake damage cathedral"),
    ]
    bm25 = BM25(docs)
    scores = bm25.scores(tokenize("Lisbon earthquake damage"))
    assert scores[1] == 0.0
    assert scores[2] > scores[0] > 0.0
    assert bm25.top(tokenize("Lisbon earthquake damage"), 2) == [2, 0]
    assert all(v > 0 for v in bm25.idf.values())
    # Hand-computed: "damage" occurs in 1 of 3 docs -> idf = ln((3 - 1 + .5) / (1 + .5) + 1).
    assert bm25.idf["damage"] == math.log(2.5 / 1.5 + 1)
    assert len(bm25) == 3
    assert BM25([]).scores(["x"]) == []


def test_frequent_terms_prefers_terms_shared_across_documents() -> None:
    docs = [["storm", "storm", "storm", "rain"], ["rain", "flood"], ["rain", "flood", "storm"]]
    assert frequent_terms(docs, 2) == ["rain", "storm"]
