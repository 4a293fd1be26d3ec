"""Sentence segmentation: exact offsets, paragraph breaks, no empty passages."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.ingest import make_source, segment
from summarizer.models import Passage
from summarizer.text.sentences import MAX_PASSAGE_CHARS, PYSBD_MAX_CHARS, WINDOW_CHARS


def _check(text: str, passages: list[Passage]) -> None:
    previous_end = 0
    for index, passage in enumerate(passages):
        assert text[passage.start : passage.end] == passage.text
        assert passage.text.strip() == passage.text != ""
        assert passage.index == index
        assert passage.start >= previous_end
        previous_end = passage.end
    covered = "".join(p.text for p in passages)
    assert "".join(covered.split()) == "".join(text.split()), "text was lost"


def test_abbreviations_and_offsets() -> None:
    text = (
        "Dr. Ana Ruiz arrived at 5 p.m. on Jan. 3 to meet U.S. officials. "
        'She said: "The plan is sound." Growth was 3.5% last year!  Was it enough?'
    )
    passages = segment(text, 4)
    _check(text, passages)
    assert [p.text for p in passages] == [
        "Dr. Ana Ruiz arrived at 5 p.m. on Jan. 3 to meet U.S. officials.",
        'She said: "The plan is sound."',
        "Growth was 3.5% last year!",
        "Was it enough?",
    ]
    assert {p.source_id for p in passages} == {4}


def test_sentences_glued_by_a_missing_space_are_split() -> None:
    """Extracted pages join paragraphs without a space ("for Ebola.The CDC says")."""
    text = (
        "A passenger was evaluated for possible symptoms of Ebola.The CDC says he was "
        "identified at the airport. He moved to the U.S.The rest followed. Is it over?Yes. "
        'The doctors "were gonna let me die."It started in 2011.“We knew,” she said.'
        '"I would not wish it on anyone.""It was long."'
    )
    passages = segment(text, 0)
    _check(text, passages)
    assert [p.text for p in passages] == [
        "A passenger was evaluated for possible symptoms of Ebola.",
        "The CDC says he was identified at the airport.",
        "He moved to the U.S.The rest followed.",  # an abbreviation's dot is not an end
        "Is it over?",
        "Yes.",
        'The doctors "were gonna let me die."',  # the closing quote stays with its sentence
        "It started in 2011.",
        "“We knew,” she said.",
        '"I would not wish it on anyone."',
        '"It was long."',
    ]


def test_a_possessive_after_an_abbreviation_does_not_open_a_sentence() -> None:
    """pysbd cut "Donald Trump Sr.’s direct involvement" after "Sr." (curly apostrophe
    only), and the planner chose the fragment "We don’t know exactly what Donald Trump Sr."
    as a fact (Multi-News mn-val-009)."""
    for apostrophe in ("’", "'"):
        text = (
            "Nobody knows how it fits together. We don't know what Donald Trump "
            f"Sr.{apostrophe}s role is, or how aware he was. That is the question."
        )
        passages = segment(text, 0)
        _check(text, passages)
        assert [p.text for p in passages] == [
            "Nobody knows how it fits together.",
            f"We don't know what Donald Trump Sr.{apostrophe}s role is, or how aware he was.",
            "That is the question.",
        ]


def test_paragraph_breaks_end_sentences() -> None:
    # Extracted web text: one paragraph per line, headings without full stops.
    text = "Bridge repair approved\nThe council voted 7-2 on Wednesday\nWork starts in June."
    passages = segment(text, 0)
    _check(text, passages)
    assert [p.text for p in passages] == [
        "Bridge repair approved",
        "The council voted 7-2 on Wednesday",
        "Work starts in June.",
    ]


def test_hard_wrapped_plain_text_joins_wrapped_lines() -> None:
    text = (
        "The county ferry will run once an hour on\nweekends from next month, the board said.\n"
        "\n- The last boat leaves at 9 p.m.\n- Tickets stay valid.\n"
    )
    passages = segment(text, 0)
    _check(text, passages)
    assert passages[0].text == (
        "The county ferry will run once an hour on\nweekends from next month, the board said."
    )
    assert [p.text for p in passages[1:]] == [
        "- The last boat leaves at 9 p.m.",
        "- Tickets stay valid.",
    ]


def test_repeated_sentences_get_their_own_offsets() -> None:
    text = "It rained. It rained. It rained."
    passages = segment(text, 0)
    _check(text, passages)
    assert [p.start for p in passages] == [0, 11, 22]


def test_empty_and_whitespace_only() -> None:
    assert segment("", 0) == []
    assert segment(" \n\n\t \n", 0) == []


def test_very_long_run_on_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 1200)  # 5999 chars, no punctuation at all
    passages = segment(text, 0)
    _check(text, passages)
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)


def test_long_paragraphs_are_split_in_windows_without_losing_sentences() -> None:
    sentences = [
        f"Witness number {i} said the ferry left at {i % 12 + 1} p.m. sharp." for i in range(120)
    ]
    text = " ".join(sentences)  # one paragraph, several windows long
    assert len(text) > 2 * WINDOW_CHARS
    passages = segment(text, 0)
    _check(text, passages)
    assert [p.text for p in passages] == sentences


def test_huge_text_uses_the_fast_splitter() -> None:
    sentence = "The council met again on Tuesday. "
    text = sentence * (PYSBD_MAX_CHARS // len(sentence) + 10)
    passages = segment(text, 0)
    _check(text, passages)
    assert {p.text for p in passages} == {sentence.strip()}


def test_make_source_segments_raw_text() -> None:
    text = "First sentence here. Second one follows.\nA new paragraph."
    source = make_source(2, text, url="doc-2", title="T", outlet="O", published="2024-01-02")
    assert (source.id, source.url, source.title, source.outlet, source.published) == (
        2,
        "doc-2",
        "T",
        "O",
        "2024-01-02",
    )
    assert source.ok and source.text == text
    _check(text, source.passages)
    assert [p.text for p in source.passages] == [
        "First sentence here.",
        "Second one follows.",
        "A new paragraph.",
    ]
    assert all(p.source_id == 2 for p in source.passages)


_pieces = st.lists(
    st.one_of(
        st.text("abcdefgh ABC", min_size=1, max_size=12),
        st.sampled_from(
            [". ", "! ", "? ", "...", "\n", "\n\n", "  ", "\t", "Mr. ", "U.S. ", '"', "”", "3.5"]
        ),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pieces)
def test_offsets_hold_for_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    _check(text, segment(text, 0))
