"""Repair over real HTTP: re-cite, rewrite (instructor TOOLS), remove; policies; the trail."""

from __future__ import annotations

import re

import pytest
from fixtures.verify.oracle import Oracle, user_text
from support.openai_server import ScriptedOpenAI, tool_name

from summarizer.errors import VerificationFailed
from summarizer.eval.metrics import originally_supported, supported_rate, supported_rate_before
from summarizer.llm import LLM
from summarizer.models import RepairAction, Source, Status, Summary, SummarySentence
from summarizer.settings import Settings
from summarizer.verify import verify_summary
from summarizer.verify.repair import Rewrite, repair_summary

SUPPORTED = "Kestrel Bay council reopened the Alder Street bridge on Tuesday."
OTHER_SOURCE = "Dunmore Construction carried out the repairs."
STITCHED = "The bridge reopened on Tuesday after engineers found corrosion in its steel cables."
UNSUPPORTED = "The bridge will be painted red next year."
HOPELESS = "The bridge will be painted blue next year."
CYCLISTS = "Cyclists will get a separate lane on the Alder Street bridge."


@pytest.fixture
def oracle() -> Oracle:
    return Oracle(
        rewrites={
            UNSUPPORTED: [{"text": CYCLISTS, "source_ids": [2]}],
            HOPELESS: [
                {"text": "The bridge will be painted soon.", "source_ids": [0]},
                {"text": "The bridge will be repainted.", "source_ids": ["S0"]},
            ],
        }
    )


async def verified(
    sentences: list[tuple[str, list[int]]], sources: list[Source], llm: LLM, settings: Settings
) -> Summary:
    draft = Summary(
        title="Bridge",
        sentences=[SummarySentence(text=t, citations=c) for t, c in sentences],
        sources=sources,
    )
    return await verify_summary(draft, llm, settings)


async def test_claim_supported_by_another_source_is_recited(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(OTHER_SOURCE, [0])], sources, llm, settings)
    assert summary.sentences[0].status is Status.UNSUPPORTED
    fixed = (await repair_summary(summary, llm, settings)).sentences[0]
    assert fixed.status is Status.REPAIRED
    assert fixed.citations == [1] and fixed.text == OTHER_SOURCE
    assert fixed.original_citations == [0] and fixed.original_text == OTHER_SOURCE
    assert [(a.action, a.citations) for a in fixed.attempts] == [
        ("recite", [0, 1]),
        ("recite", [1]),
    ]
    assert fixed.attempts[0].verdict.status is Status.SUPPORTED  # jointly, but [0] adds nothing
    assert all(span.source_id == 1 for span in fixed.evidence)


async def test_stitched_sentence_gets_its_missing_citation(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(STITCHED, [0])], sources, llm, settings)
    fixed = (await repair_summary(summary, llm, settings)).sentences[0]
    assert fixed.status is Status.REPAIRED
    assert fixed.citations == [0, 1]
    assert [(c.source_id, c.supports) for c in fixed.verdict.citations] == [(0, False), (1, False)]


async def test_superfluous_citation_of_a_supported_sentence_is_dropped(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(SUPPORTED, [0, 2]), (CYCLISTS, [2])], sources, llm, settings)
    assert [s.status for s in summary.sentences] == [Status.SUPPORTED, Status.SUPPORTED]
    repaired = await repair_summary(summary, llm, settings)
    first, second = repaired.sentences
    assert first.citations == [0] and first.status is Status.REPAIRED
    assert first.original_citations == [0, 2]
    assert second == summary.sentences[1], "a sentence with nothing to fix is left alone"
    assert [a.action for a in first.attempts] == [RepairAction.TRIM]


async def test_eval_counts_a_trimmed_sentence_as_supported_before_repair(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    """The metric reads the trail that real repair writes (not one built by hand): a
    supported sentence whose extra citation was trimmed was supported before repair,
    one that needed re-citing was not."""
    summary = await verified([(SUPPORTED, [0, 2]), (OTHER_SOURCE, [0])], sources, llm, settings)
    repaired = await repair_summary(summary, llm, settings)
    trimmed, recited = repaired.sentences
    assert trimmed.status is Status.REPAIRED and recited.status is Status.REPAIRED
    assert originally_supported(trimmed) and not originally_supported(recited)
    assert supported_rate_before(repaired) == pytest.approx(1 / 2)
    assert supported_rate(repaired) == 1.0


async def test_unsupported_sentence_is_rewritten_from_evidence_then_verified(
    sources: list[Source], llm: LLM, settings: Settings, oracle: Oracle
) -> None:
    summary = await verified([(UNSUPPORTED, [0])], sources, llm, settings)
    fixed = (await repair_summary(summary, llm, settings)).sentences[0]
    assert fixed.status is Status.REPAIRED
    assert fixed.text == CYCLISTS and fixed.citations == [2]
    assert fixed.original_text == UNSUPPORTED
    actions = [a.action for a in fixed.attempts]
    assert actions[-1] == "rewrite" and set(actions[:-1]) == {"recite"}
    request = oracle.rewrite_requests[0]
    assert tool_name(request) == "Rewrite"
    prompt = user_text(request)
    assert f"<sentence>{UNSUPPORTED}</sentence>" in prompt
    assert '<source id="0">' in prompt and '<source id="2">' in prompt
    assert request["messages"][0]["role"] == "system"


async def test_rewrite_that_never_verifies_is_removed_after_the_rounds(
    sources: list[Source], llm: LLM, settings: Settings, oracle: Oracle
) -> None:
    summary = await verified([(HOPELESS, [0]), (SUPPORTED, [0])], sources, llm, settings)
    repaired = await repair_summary(summary, llm, settings)
    gone = repaired.sentences[0]
    assert gone.status is Status.REMOVED and not gone.shown
    assert gone.text == HOPELESS, "a removed sentence keeps its draft text"
    rewrites = [a for a in gone.attempts if a.action == "rewrite"]
    assert [a.text for a in rewrites] == [
        "The bridge will be painted soon.",
        "The bridge will be repainted.",
    ]
    assert rewrites[1].citations == [0], "'S0' coerced to source 0"
    assert gone.attempts[-1].action == "remove"
    second_prompt = user_text(oracle.rewrite_requests_for(HOPELESS)[1])
    assert "A previous correction was rejected" in second_prompt
    assert "The bridge will be painted soon." in second_prompt
    assert repaired.all_supported
    assert [s.text for s in repaired.shown_sentences] == [SUPPORTED]


async def test_uncited_sentence_is_recited(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(CYCLISTS, [])], sources, llm, settings)
    assert summary.sentences[0].status is Status.UNCITED
    fixed = (await repair_summary(summary, llm, settings)).sentences[0]
    assert fixed.status is Status.REPAIRED and fixed.citations == [2]


async def test_citation_of_a_missing_source_is_dropped(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(SUPPORTED, [0, 7])], sources, llm, settings)
    assert summary.sentences[0].verdict.reason == "cites [7], which is not among the sources"
    fixed = (await repair_summary(summary, llm, settings)).sentences[0]
    assert fixed.status is Status.REPAIRED and fixed.citations == [0]


@pytest.mark.parametrize("policy", ["mark", "remove"])
async def test_mark_and_remove_policies_call_no_model(
    policy: str, sources: list[Source], llm: LLM, settings: Settings, server: ScriptedOpenAI
) -> None:
    summary = await verified(
        [(SUPPORTED, [0]), (UNSUPPORTED, [0]), (CYCLISTS, [])], sources, llm, settings
    )
    server.requests.clear()
    chosen = settings.model_copy(update={"on_unsupported": policy})
    result = await repair_summary(summary, llm, chosen)
    assert server.requests == []
    statuses = [s.status for s in result.sentences]
    if policy == "mark":
        assert statuses == [Status.SUPPORTED, Status.UNSUPPORTED, Status.UNCITED]
        assert len(result.shown_sentences) == 3 and not result.all_supported
    else:
        assert statuses == [Status.SUPPORTED, Status.REMOVED, Status.REMOVED]
        assert len(result.shown_sentences) == 1 and result.all_supported
    for changed in result.sentences[1:]:
        assert [a.action for a in changed.attempts] == [policy]
        assert changed.original_text == changed.text


async def test_fail_policy_lists_the_sentences(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified(
        [(SUPPORTED, [0]), (UNSUPPORTED, [0]), (CYCLISTS, [])], sources, llm, settings
    )
    with pytest.raises(VerificationFailed) as caught:
        await repair_summary(summary, llm, settings.model_copy(update={"on_unsupported": "fail"}))
    message = caught.value.one_line()
    assert message.startswith("2 sentences not supported by their sources:")
    assert f"#2 “{UNSUPPORTED}”" in message and "#3" in message and "#1" not in message


async def test_fail_policy_passes_a_clean_summary(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    summary = await verified([(SUPPORTED, [0])], sources, llm, settings)
    result = await repair_summary(
        summary, llm, settings.model_copy(update={"on_unsupported": "fail"})
    )
    assert result.sentences == summary.sentences


async def test_trail_survives_json(sources: list[Source], llm: LLM, settings: Settings) -> None:
    summary = await verified(
        [(OTHER_SOURCE, [0]), (UNSUPPORTED, [0]), (HOPELESS, [0])], sources, llm, settings
    )
    repaired = await repair_summary(summary, llm, settings)
    data = repaired.model_dump(mode="json")
    first = data["sentences"][0]
    assert first["status"] == "repaired" and first["original_citations"] == [0]
    assert [a["action"] for a in first["attempts"]] == ["recite", "recite"]
    assert first["attempts"][0]["verdict"]["citations"][1] == {
        "source_id": 1,
        "supports": True,
        "score": pytest.approx(0.95),
    }
    assert data["sentences"][2]["status"] == "removed"
    back = Summary.model_validate_json(repaired.model_dump_json())
    assert back.sentences == repaired.sentences


def test_rewrite_model_validators() -> None:
    context = {"source_ids": [0, 2], "language": "en"}
    ok = Rewrite.model_validate(
        {"text": " A  sentence. ", "source_ids": ["[2]", 2]}, context=context
    )
    assert ok.text == "A sentence." and ok.source_ids == [2]
    for bad, says in (
        ({"text": "Two sentences here. And here.", "source_ids": [0]}, "write exactly one"),
        ({"text": "A sentence [2].", "source_ids": [2]}, "citation marker '[2]'"),
        ({"text": "A sentence.", "source_ids": [5]}, "source id 5 is not in the evidence"),
        ({"text": "A sentence.", "source_ids": []}, "source_ids is empty"),
        ({"text": "  ", "source_ids": [0]}, "the sentence text is empty"),
    ):
        with pytest.raises(ValueError, match=re.escape(says)):
            Rewrite.model_validate(bad, context=context)
