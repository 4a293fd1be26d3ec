"""parse_brief: our markdown, plain text with markers in all forms, reference lists."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.audit.parse import ParsedBrief, parse_brief
from summarizer.models import Source, Status, Summary, SummarySentence, Verdict
from summarizer.render import to_markdown


def pairs(brief: ParsedBrief) -> list[tuple[str, list[int]]]:
    return [(s.text, s.citations) for s in brief.sentences]


def test_parses_our_markdown_back() -> None:
    summary = Summary(
        title="Storm hits coast",
        sentences=[
            SummarySentence(
                text="A storm hit the coast on Monday.",
                citations=[0, 2],
                verdict=Verdict(status=Status.SUPPORTED),
            ),
            SummarySentence(
                text="Power was cut to 40,000 homes.",
                citations=[2],
                verdict=Verdict(status=Status.REPAIRED),
            ),
            SummarySentence(
                text="Damage may exceed $1B.",
                citations=[0],
                paragraph=1,
                verdict=Verdict(status=Status.UNSUPPORTED),
            ),
            SummarySentence(
                text="Schools closed.", paragraph=1, verdict=Verdict(status=Status.REMOVED)
            ),
            SummarySentence(
                text="Residents fled.", paragraph=1, verdict=Verdict(status=Status.UNCITED)
            ),
            SummarySentence(text="Rain continues.", citations=[1], paragraph=2),
        ],
        sources=[
            Source(
                id=0,
                url="https://a.example/storm",
                title="Storm “Ada” hits",
                outlet="Coast, Inc. News",
                published="2024-09-01",
            ),
            Source(id=1, url="https://b.example/x", error="timeout"),
            Source(id=2, url="https://c.example/power?id=1&x=[2]", outlet="Grid Daily"),
        ],
    )
    text = to_markdown(summary)
    parsed = parse_brief(text)
    assert parsed.title == "Storm hits coast"
    assert pairs(parsed) == [
        ("A storm hit the coast on Monday.", [0, 2]),
        ("Power was cut to 40,000 homes.", [2]),
        ("Damage may exceed $1B.", [0]),
        ("Residents fled.", []),
        ("Rain continues.", [1]),
    ]
    assert [s.paragraph for s in parsed.sentences] == [0, 0, 1, 1, 2]
    assert sorted(parsed.references) == [0, 2]
    ref0 = parsed.references[0]
    assert (ref0.title, ref0.outlet, ref0.published, ref0.url) == (
        "Storm “Ada” hits",
        "Coast, Inc. News",
        "2024-09-01",
        "https://a.example/storm",
    )
    ref2 = parsed.references[2]
    assert (ref2.title, ref2.outlet, ref2.published, ref2.url) == (
        None,
        "Grid Daily",
        None,
        "https://c.example/power?id=1&x=[2]",
    )
    for sentence in parsed.sentences:
        assert text[sentence.start : sentence.end] == sentence.text


def test_plain_text_marker_forms() -> None:
    text = (
        "Prices rose 5% in March [1]. Rates were held [1, 2]. "
        "Unemployment fell.[2][3] Exports grew [1,3]. Imports shrank [2]; [4]. "
        "Nothing cited here."
    )
    assert pairs(parse_brief(text)) == [
        ("Prices rose 5% in March.", [1]),
        ("Rates were held.", [1, 2]),
        ("Unemployment fell.", [2, 3]),
        ("Exports grew.", [1, 3]),
        ("Imports shrank.", [2, 4]),
        ("Nothing cited here.", []),
    ]
    parsed = parse_brief(text)
    assert parsed.title is None and parsed.references == {}
    first = parsed.sentences[0]
    assert text[first.start : first.end] == "Prices rose 5% in March [1]."


def test_markers_mid_sentence_belong_to_it() -> None:
    text = "According to Reuters [3], prices rose [1] while wages fell. Then [2] markets calmed."
    assert pairs(parse_brief(text)) == [
        ("According to Reuters, prices rose while wages fell.", [3, 1]),
        ("Then markets calmed.", [2]),
    ]


def test_marker_and_capital_ends_sentence_without_full_stop() -> None:
    text = "Prices rose sharply [1] The central bank held rates. [2]"
    assert pairs(parse_brief(text)) == [
        ("Prices rose sharply", [1]),
        ("The central bank held rates.", [2]),
    ]


def test_leading_marker_and_empty_paragraphs() -> None:
    text = "[4] Opening claim here.\n\n[1][2]\n\n   \n"
    assert pairs(parse_brief(text)) == [("Opening claim here.", [4])]


def test_escaped_brackets_are_not_citations() -> None:
    text = r"Section \[3\] of the act applies. [1] Law \\[2] holds."
    assert pairs(parse_brief(text)) == [
        ("Section [3] of the act applies.", [1]),
        ("Law \\ holds.", [2]),
    ]


def test_non_markers_are_text() -> None:
    text = "Items [a] and [1-2] and [] and [99999999999] stay. [ 5 ]"
    assert pairs(parse_brief(text)) == [("Items [a] and [1-2] and [] and [99999999999] stay.", [5])]


def test_multiline_paragraphs_and_headings() -> None:
    text = "# Title\n\n## Background\nFirst line of a\nwrapped sentence. [0]\nSecond one. [1]\n"
    parsed = parse_brief(text)
    assert parsed.title == "Title"
    assert pairs(parsed) == [("First line of a wrapped sentence.", [0]), ("Second one.", [1])]
    assert {s.paragraph for s in parsed.sentences} == {0}


def test_brief_with_fake_reference_list() -> None:
    text = (
        "The drug cut deaths by 90% [1]. It was approved in 2023 [2].\n\n"
        "References:\n"
        "[1] “A miracle cure” Journal of Imaginary Medicine, 2023-05-01, https://fake.example/cure\n"
        "[2] Ministry of Health press release, https://gov.example/press\n"
        "[3] Smith J. Unpublished notes.\n"
    )
    parsed = parse_brief(text)
    assert pairs(parsed) == [
        ("The drug cut deaths by 90%.", [1]),
        ("It was approved in 2023.", [2]),
    ]
    assert sorted(parsed.references) == [1, 2, 3]
    one, two, three = (parsed.references[i] for i in (1, 2, 3))
    assert (one.title, one.outlet, one.published, one.url) == (
        "A miracle cure",
        "Journal of Imaginary Medicine",
        "2023-05-01",
        "https://fake.example/cure",
    )
    assert (two.title, two.outlet, two.url) == (
        None,
        "Ministry of Health press release",
        "https://gov.example/press",
    )
    assert (three.outlet, three.url) == ("Smith J. Unpublished notes.", None)


def test_markdown_reference_heading_numbered_list() -> None:
    text = (
        "Claim one. [1]\n\n## References\n\n1. https://x.example/a\n"
        "2) “T” Out, 2020-01\n- [3] www.y.example\n"
    )
    parsed = parse_brief(text)
    assert pairs(parsed) == [("Claim one.", [1])]
    assert {k: v.url for k, v in parsed.references.items()} == {
        1: "https://x.example/a",
        2: None,
        3: "www.y.example",
    }
    assert parsed.references[2].published == "2020-01"


def test_trailing_reference_block_without_heading() -> None:
    text = "Claim one [1]. Claim two [2].\n\n[1] https://x.example/a\n[2] Some outlet, 2024-01-02\n"
    parsed = parse_brief(text)
    assert pairs(parsed) == [("Claim one.", [1]), ("Claim two.", [2])]
    assert parsed.references[1].url == "https://x.example/a"
    assert parsed.references[2].outlet == "Some outlet"
    assert parsed.references[2].published == "2024-01-02"


def test_single_block_starting_with_marker_is_text_not_references() -> None:
    parsed = parse_brief("[1] The only claim.")
    assert pairs(parsed) == [("The only claim.", [1])]
    assert parsed.references == {}


def test_empty_and_odd_inputs() -> None:
    for text in ("", "   \n\n", "#", "## Sources", "[1]", "⚠ *uncited*", "\x00\x1b[31m"):
        parsed = parse_brief(text)
        assert parsed.sentences == []
    assert parse_brief("\x1b[31mRed text.\x1b[0m [1]").sentences[0].citations == [1]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    parsed = parse_brief(text)
    for sentence in parsed.sentences:
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert sentence.text and sentence.text == sentence.text.strip()
        assert all(c >= 0 for c in sentence.citations)


_BRIEFISH = st.lists(
    st.sampled_from(
        [
            *"ab A.!?,;:-*_#\\<>&\"'“”()0123456789\n\t",
            *["[1]", "[2, 3]", "[4][5]", "⚠ *uncited*", "## Sources\n", "\n1. ", "\n[1] "],
            "<!-- -->",
        ]
    ),
    max_size=60,
).map(lambda parts: "".join(parts))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BRIEFISH)
def test_never_raises_on_brief_like_text(text: str) -> None:
    parsed = parse_brief(text)
    for sentence in parsed.sentences:
        assert 0 <= sentence.start < sentence.end <= len(text)
    for ref_id, ref in parsed.references.items():
        assert ref.id == ref_id


def test_long_paragraph_is_split_in_windows_without_losing_sentences() -> None:
    # pysbd is quadratic in length, so long text is cut at clear sentence ends first.
    line = "Prices rose 5% in March [1]. Mr. Lee held rates [1, 2]. The bank said so [3].\n"
    parsed = parse_brief(line * 400)
    assert len(parsed.sentences) == 1200
    assert pairs(parsed)[-3:] == [
        ("Prices rose 5% in March.", [1]),
        ("Mr. Lee held rates.", [1, 2]),
        ("The bank said so.", [3]),
    ]
    assert {tuple(s.citations) for s in parsed.sentences} == {(1,), (1, 2), (3,)}
    # Pathological input (no clear sentence ends) still parses in bounded windows.
    assert parse_brief("a. " * 5000).sentences
