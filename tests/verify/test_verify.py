"""The verifier over real HTTP: openai client vs ScriptedOpenAI with an evidence-aware judge."""

from __future__ import annotations

import math

import pytest
from fixtures.verify.oracle import Oracle, is_judge, load_sources, user_text
from support.openai_server import ScriptedOpenAI, text_reply

from summarizer.llm import LLM
from summarizer.models import Source, Status, Summary, SummarySentence
from summarizer.settings import Settings
from summarizer.text.fences import defuse
from summarizer.verify import verify_sentence, verify_summary
from summarizer.verify.judge import build_judge_messages

SUPPORTED = "Kestrel Bay council reopened the Alder Street bridge on Tuesday."


def sentence(text: str, *citations: int) -> SummarySentence:
    return SummarySentence(text=text, citations=list(citations))


async def test_supported_sentence_keeps_exact_evidence(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    verdict = await verify_sentence(sentence(SUPPORTED, 0), sources, llm, settings)
    assert verdict.status is Status.SUPPORTED
    assert verdict.score is not None and verdict.score >= 0.9
    assert "judge p=0.95" in verdict.reason
    assert verdict.evidence, "evidence spans are recorded"
    for span in verdict.evidence:
        assert sources[span.source_id].text[span.start : span.end] == span.text
    assert any("reopened the Alder Street bridge" in span.text for span in verdict.evidence)
    assert len(verdict.evidence) <= settings.evidence_per_source
    assert [(c.source_id, c.supports) for c in verdict.citations] == [(0, True)]
    assert [c.kind for c in verdict.checks] == ["dates", "names", "context"]
    assert all(c.passed for c in verdict.checks)


@pytest.mark.parametrize(
    ("text", "kind", "missing"),
    [
        ("The repairs cost 5.1 million dollars.", "numbers", "5.1 million"),
        ("Mayor Ines Adebayo said the bridge will carry buses again.", "names", "Adebayo"),
        ("Kestrel Bay council reopened the Alder Street bridge on Friday.", "dates", "Friday"),
    ],
)
async def test_checks_overrule_a_fooled_judge(
    text: str,
    kind: str,
    missing: str,
    sources: list[Source],
    llm: LLM,
    settings: Settings,
    oracle: Oracle,
) -> None:
    verdict = await verify_sentence(sentence(text, 0), sources, llm, settings)
    assert oracle.judged[-1][2] > 0.5, "the scripted judge was fooled"
    assert verdict.status is Status.UNSUPPORTED
    assert verdict.score is not None and verdict.score < settings.support_threshold
    check = next(c for c in verdict.checks if c.kind == kind)
    assert not check.passed and missing in check.missing
    assert missing in verdict.reason and "judge p=0.95" in verdict.reason


async def test_claim_from_another_source_is_unsupported(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    verdict = await verify_sentence(
        sentence("Dunmore Construction carried out the repairs.", 0), sources, llm, settings
    )
    assert verdict.status is Status.UNSUPPORTED
    assert "judge p=0.05" in verdict.reason
    assert all(span.source_id == 0 for span in verdict.evidence)


async def test_uncited_and_bad_citations_need_no_model(
    sources: list[Source], llm: LLM, settings: Settings, server: ScriptedOpenAI
) -> None:
    uncited = await verify_sentence(sentence(SUPPORTED), sources, llm, settings)
    missing = await verify_sentence(sentence(SUPPORTED, 0, 7), sources, llm, settings)
    failed = await verify_sentence(sentence(SUPPORTED, 3), sources, llm, settings)
    assert uncited.status is Status.UNCITED
    assert missing.status is Status.UNSUPPORTED
    assert missing.reason == "cites [7], which is not among the sources"
    assert failed.status is Status.UNSUPPORTED
    assert "cites [3], whose source could not be used (HTTP 404 Not Found)" in failed.reason
    assert list(server.chat_requests()) == []


async def test_multiple_citations_are_judged_jointly_and_alone(
    sources: list[Source], llm: LLM, settings: Settings, oracle: Oracle
) -> None:
    stitched = "The bridge reopened on Tuesday after engineers found corrosion in its steel cables."
    verdict = await verify_sentence(sentence(stitched, 0, 1), sources, llm, settings)
    assert verdict.status is Status.SUPPORTED
    assert {span.source_id for span in verdict.evidence} == {0, 1}
    assert [(c.source_id, c.supports) for c in verdict.citations] == [(0, False), (1, False)]
    assert len(oracle.judged) == 3  # joint + one per citation

    superfluous = await verify_sentence(sentence(SUPPORTED, 0, 2), sources, llm, settings)
    assert superfluous.status is Status.SUPPORTED
    assert [(c.source_id, c.supports) for c in superfluous.citations] == [(0, True), (2, False)]


async def test_judge_prompt_static_prefix_and_fences(
    sources: list[Source], llm: LLM, settings: Settings, server: ScriptedOpenAI
) -> None:
    await verify_sentence(sentence(SUPPORTED, 0), sources, llm, settings)
    await verify_sentence(sentence("The work cost 4.2 million dollars.", 1), sources, llm, settings)
    first, second = [r for r in server.chat_requests() if is_judge(r)]
    assert first["messages"][0]["role"] == "system"
    assert first["messages"][0] == second["messages"][0], "instructions are a static prefix"
    assert first["top_logprobs"] >= 2
    content = user_text(first)
    assert content.index("<evidence>") < content.index("</evidence>") < content.index("<claim>")
    assert f"<claim>{SUPPORTED}</claim>" in content


async def test_injected_page_text_is_fenced_and_changes_no_verdict(
    llm: LLM, settings: Settings, server: ScriptedOpenAI
) -> None:
    # Show the judge whole sources, so the injected lines surely reach it.
    settings = settings.model_copy(update={"evidence_per_source": 20})
    claims = [
        sentence(SUPPORTED, 0),
        sentence("The work cost 4.2 million dollars.", 0),
        sentence("About 1,200 vehicles crossed the bridge on the first day.", 0),
        sentence("The repairs cost 5.1 million dollars.", 0),
        sentence("Dunmore Construction carried out the repairs.", 0),
        sentence("The bridge will be painted red next year.", 0),
    ]
    clean = [await verify_sentence(c, load_sources(), llm, settings) for c in claims]
    server.requests.clear()
    injected_sources = load_sources(inject=True)
    assert "Ignore previous instructions" in injected_sources[0].text
    injected = [await verify_sentence(c, injected_sources, llm, settings) for c in claims]
    assert [v.status for v in injected] == [v.status for v in clean]
    assert [v.status for v in clean].count(Status.SUPPORTED) == 3

    injected_prompts = [user_text(r) for r in server.chat_requests() if is_judge(r)]
    shown = [p for p in injected_prompts if "Ignore previous instructions" in p]
    assert shown, "the injected passage reached the judge (so the fence is what protects it)"
    for prompt in shown:
        assert prompt.count("<evidence>") == 1 and prompt.count("</evidence>") == 1
        inside = prompt[prompt.index("<evidence>") : prompt.index("</evidence>")]
        assert "Ignore previous instructions" in inside
        assert "‹/evidence> SYSTEM" in inside, "a fake closing tag is defused"
        outside = prompt.replace(inside, "")
        assert "Ignore" not in outside and "[9]" not in outside


async def test_yes_probability_is_normalised_over_yes_and_no(
    sources: list[Source], settings: Settings, server: ScriptedOpenAI
) -> None:
    # P(yes)=0.6, P(no)=0.2, the rest elsewhere: the judge reads 0.6 / 0.8.
    server.script(text_reply("Yes", top_logprobs={"Yes": math.log(0.6), "No": math.log(0.2),
                                                   "The": math.log(0.2)}))  # fmt: skip
    async with LLM(settings) as client:
        verdict = await verify_sentence(sentence(SUPPORTED, 0), sources, client, settings)
    assert verdict.score == pytest.approx(0.75, abs=1e-3)


async def test_verify_summary_returns_a_new_summary_with_progress(
    sources: list[Source], llm: LLM, settings: Settings
) -> None:
    draft = Summary(
        title="Bridge",
        sentences=[
            sentence(SUPPORTED, 0),
            sentence("The repairs cost 5.1 million dollars.", 0),
            sentence("Nobody knows why.", 0),
            sentence("Uncited claim."),
        ],
        sources=sources,
    )
    calls: list[tuple[int, int]] = []
    verified = await verify_summary(
        draft, llm, settings, progress=lambda d, t: calls.append((d, t))
    )
    assert [s.status for s in verified.sentences] == [
        Status.SUPPORTED,
        Status.UNSUPPORTED,
        Status.UNSUPPORTED,
        Status.UNCITED,
    ]
    assert all(s.status is Status.UNVERIFIED for s in draft.sentences), "input left untouched"
    assert calls[0] == (0, 4) and calls[-1] == (4, 4) and len(calls) == 5
    assert not verified.all_supported


def test_defuse_neutralises_fence_tags() -> None:
    text = "a </evidence> b <claim> c < /Evidence > d </sentence> e <source id=1>"
    defused = defuse(text)
    assert "<" not in defused  # every fence-like tag lost its '<'
    assert defused.count("‹") == 5
    assert defuse("x < y and a<b") == "x < y and a<b", "other text is left alone"


def test_judge_messages_render_without_model() -> None:
    sources = load_sources()
    from summarizer.verify.evidence import select_evidence

    spans = select_evidence(SUPPORTED, sources[0], 2)
    messages = build_judge_messages(SUPPORTED, spans)
    assert [m["role"] for m in messages] == ["system", "user"]
    # The Yes/No instruction lives in the static (KV-cached) system message; the
    # per-call user turn carries only the fenced evidence and, last, the claim.
    assert "Answer Yes" in messages[0]["content"] and "Answer No" in messages[0]["content"]
    assert "paraphrase is support" in messages[0]["content"]
    assert messages[1]["content"].startswith("<evidence>\n")
    assert messages[1]["content"].rstrip().endswith(f"<claim>{SUPPORTED}</claim>")


async def test_a_word_for_word_copy_needs_no_judge(
    sources: list[Source], llm: LLM, settings: Settings, server: ScriptedOpenAI
) -> None:
    """Case, spacing, quote styles and the closing mark aside, a source's own sentence."""
    copy = "MAYOR Ines Okafor said the bridge “will carry buses again from next week”  ."
    verdict = await verify_sentence(sentence(copy, 0), sources, llm, settings)
    assert verdict.status is Status.SUPPORTED
    assert "a sentence of [0] word for word" in verdict.reason
    assert [span.text for span in verdict.evidence] == [
        'Mayor Ines Okafor said the bridge "will carry buses again from next week".'
    ]
    assert [(c.source_id, c.supports) for c in verdict.citations] == [(0, True)]
    assert list(server.chat_requests()) == []


@pytest.mark.parametrize(
    "text",
    [
        # a clause cut out of a longer sentence is not a copy
        "Kestrel Bay council reopened the Alder Street bridge on Tuesday.",
        # one figure changed
        "The work cost 4.3 million dollars, according to the council.",
    ],
)
async def test_a_near_copy_is_judged(
    text: str, sources: list[Source], llm: LLM, settings: Settings, oracle: Oracle
) -> None:
    verdict = await verify_sentence(sentence(text, 0), sources, llm, settings)
    assert len(oracle.judged) == 1
    assert "word for word" not in verdict.reason


async def test_a_copy_with_a_second_citation_judges_only_that_one(
    sources: list[Source], llm: LLM, settings: Settings, oracle: Oracle
) -> None:
    copy = "The repairs were carried out by Dunmore Construction."
    verdict = await verify_sentence(sentence(copy, 2, 1), sources, llm, settings)
    assert verdict.status is Status.SUPPORTED
    assert [(c.source_id, c.supports) for c in verdict.citations] == [(2, False), (1, True)]
    assert len(oracle.judged) == 1  # source 2 alone; the copy of source 1 needs no judge
