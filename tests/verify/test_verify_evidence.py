"""Evidence selection: BM25-ranked passages, merged spans with exact offsets, trimming."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.ingest import make_source
from summarizer.models import Source, Span
from summarizer.text.lexical import coverage
from summarizer.verify.evidence import (
    best_passages,
    joint_evidence,
    merge_spans,
    relevance,
    select_evidence,
    trim_span,
)

TEXT = (
    "The council met on Monday evening.\n"
    "It approved a budget of 12 million dollars for the harbour.\n"
    "Fishermen had asked for new moorings for years.\n"
    "The mayor said the work starts in June.\n"
    "A vote on school funding was postponed.\n"
    "Residents can comment until Friday."
)


def source(text: str = TEXT, source_id: int = 0) -> Source:
    return make_source(source_id, text, url=f"https://example.org/{source_id}")


def test_top_passages_by_relevance_in_source_order() -> None:
    src = source()
    chosen = best_passages("The harbour budget is 12 million dollars; work starts in June.", src, 2)
    assert [p.index for p in chosen] == [1, 3]


def test_neighbours_add_the_passage_before() -> None:
    src = source()
    chosen = best_passages(
        "Work on the harbour starts in June, the mayor said.", src, 1, neighbours=1
    )
    assert [p.index for p in chosen] == [2, 3]


def test_adjacent_passages_merge_into_one_span_with_exact_offsets() -> None:
    src = source()
    spans = merge_spans(src, [src.passages[1], src.passages[2], src.passages[4]])
    assert len(spans) == 2
    for span in spans:
        assert src.text[span.start : span.end] == span.text
    assert spans[0].text.startswith("It approved") and spans[0].text.endswith("for years.")


def test_source_without_passages_is_segmented_on_the_fly() -> None:
    bare = Source(id=5, url="notes.txt", text=TEXT)
    spans = select_evidence("Residents can comment until Friday.", bare, 1)
    assert spans == [
        Span(source_id=5, start=TEXT.index("Residents"), end=len(TEXT), text=TEXT.splitlines()[-1])
    ]
    assert select_evidence("anything", Source(id=6, url="x", error="404"), 3) == []


def test_joint_evidence_takes_k_from_each_source() -> None:
    other = source("Moorings for fishermen will be ready in June. Nothing else changed.", 1)
    spans = joint_evidence("Fishermen get moorings in June.", [source(), other], 1)
    assert [s.source_id for s in spans] == [0, 1]


def test_long_passage_is_trimmed_around_the_claim_words() -> None:
    filler = "Lorem ipsum dolor sit amet. " * 60
    text = filler + "The ferry to Kestrel Bay now leaves at noon. " + filler
    span = Span(source_id=0, start=0, end=len(text), text=text)
    trimmed = trim_span("The Kestrel Bay ferry leaves at noon.", span, limit=200)
    assert len(trimmed.text) <= 200 + 80
    assert "ferry to Kestrel Bay now leaves at noon" in trimmed.text
    assert text[trimmed.start : trimmed.end] == trimmed.text


def test_relevance_and_coverage() -> None:
    src = source()
    assert relevance("harbour budget", src) > 0 and relevance("school vote", src) > 0
    assert relevance("zebra", src) == 0.0
    assert coverage("The harbour budget", TEXT) == 1.0
    assert coverage("The harbour zebra", TEXT) == 0.5
    assert coverage("the and of", TEXT) == 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=8), st.text(max_size=60))
def test_spans_always_index_the_source_text(lines: list[str], claim: str) -> None:
    text = "\n".join(lines)
    src = source(text)
    for k in (1, 3):
        for span in select_evidence(claim, src, k, neighbours=1):
            assert src.text[span.start : span.end] == span.text
