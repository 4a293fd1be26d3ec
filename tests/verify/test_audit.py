"""Auditing a text written elsewhere: [n] → source mapping, uncited and missing citations."""

from __future__ import annotations

import pytest
from fixtures.verify.oracle import HERE, load_sources

from summarizer.audit import audit_text, map_citations
from summarizer.audit.parse import ParsedReference
from summarizer.errors import InputError
from summarizer.llm import LLM
from summarizer.models import Source, Status
from summarizer.settings import Settings
from summarizer.text.urls import url_key


async def test_brief_with_reference_list_maps_by_url(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    text = (HERE / "brief.md").read_text(encoding="utf-8")
    summary = await audit_text(text, sources, llm, settings)
    assert summary.title == "Alder Street bridge back in service"
    got = [(s.text, s.citations, s.status) for s in summary.sentences]
    assert got == [
        (
            "Kestrel Bay council reopened the Alder Street bridge on Tuesday after eight "
            "months of repairs.",
            [0],
            Status.SUPPORTED,
        ),
        ("The repairs were carried out by Dunmore Construction.", [1], Status.SUPPORTED),
        ("The bridge is now the longest in the country.", [], Status.UNCITED),
        ("Cyclists will get a separate lane on the Alder Street bridge.", [2], Status.SUPPORTED),
        ("A new ferry terminal opens in June.", [7], Status.UNSUPPORTED),
    ]
    assert summary.sentences[4].verdict.reason == "cites [7], which is not among the sources"
    assert summary.sentences[2].verdict.reason == "the sentence cites no source"
    assert summary.sentences[1].evidence and summary.sentences[1].evidence[0].source_id == 1
    assert summary.options["citation_map"] == {"1": 0, "2": 1, "3": 2, "7": None}
    assert [s.paragraph for s in summary.sentences] == [0, 0, 0, 1, 1]
    assert not summary.all_supported
    assert "verify" in summary.stats.timings


async def test_plain_text_markers_are_source_ids(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    text = (
        "Cyclists will get a separate lane on the Alder Street bridge [2]. "
        "The work cost 4.2 million dollars. [0] "
        "The repairs cost 5.1 million dollars [0]. "
        "Dunmore Construction carried out the repairs [3]."
    )
    summary = await audit_text(text, sources, llm, settings)
    statuses = [(s.citations, s.status) for s in summary.sentences]
    assert statuses == [
        ([2], Status.SUPPORTED),
        ([0], Status.SUPPORTED),
        ([0], Status.UNSUPPORTED),
        ([3], Status.UNSUPPORTED),
    ]
    assert "missing number 5.1 million" in summary.sentences[2].verdict.reason
    assert "could not be used (HTTP 404 Not Found)" in summary.sentences[3].verdict.reason


async def test_fully_supported_text_passes(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    text = "Kestrel Bay council reopened the Alder Street bridge on Tuesday. [0][1]"
    summary = await audit_text(text, sources, llm, settings)
    assert summary.all_supported
    assert [(c.source_id, c.supports) for c in summary.sentences[0].verdict.citations] == [
        (0, True),
        (1, False),
    ], "per-citation support is reported; the audit never repairs"
    assert summary.sentences[0].citations == [0, 1]


async def test_text_without_sentences_is_an_input_error(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    with pytest.raises(InputError, match="no sentences"):
        await audit_text("   \n", sources, llm, settings)


def test_url_key_is_loose_about_form() -> None:
    assert url_key("https://www.Coastwire.example/2024/05/bridge-corrosion/") == url_key(
        "http://coastwire.example/2024/05/bridge-corrosion#top"
    )
    assert url_key("https://a.example/x") != url_key("https://a.example/y")


def test_reference_url_wins_over_position_and_claims_its_source() -> None:
    sources = load_sources()
    references = {
        0: ParsedReference(id=0, url="https://bay-cyclist.example/posts/pell-point"),
        2: ParsedReference(id=2, url="https://unknown.example/"),
    }
    mapping = map_citations([0, 1, 2, 5], references, sources)
    # [0] → source 2 by URL; [1] → source 1 by position; [2]'s URL matches nothing
    # and source 2 is taken by [0], so [2] names no source; [5] does not exist.
    assert mapping == {0: 2, 1: 1, 2: None, 5: None}
