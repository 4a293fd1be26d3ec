"""The default judge: the verifier's entailment judge through the real LLM client.

The scripted OpenAI-compatible server answers each yes/no judge request with
first-token logprobs, so the whole path is real: run_eval opens the LLM from
settings, the judge renders the verifier's prompt, the client reads P(yes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.auto_llm import BOGUS, AutoModel
from support.openai_server import Reply, Request, ScriptedOpenAI, last_user_text, text_reply

from summarizer.eval import run_eval
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "evals" / "sample.jsonl"


def claim_of(request: Request) -> str:
    text = last_user_text(request)
    return text.split("<claim>", 1)[1].split("</claim>", 1)[0]


def answer(request: Request) -> Reply:
    """Yes (p ≈ 0.95) to claims mentioning the strike, No (p ≈ 0.05) to everything else."""
    assert request.get("logprobs") is True and request.get("max_tokens") == 1
    if "strike" in claim_of(request).lower():
        return text_reply("Yes", top_logprobs={"Yes": -0.05, "No": -3.0})
    return text_reply("No", top_logprobs={"No": -0.05, "Yes": -3.0})


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(fallback=answer) as srv:
        yield srv


async def test_default_judge_is_the_verifier_judge_over_http(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    settings = Settings(
        home=tmp_path / "home", base_url=server.base_url, model="judge-model", cache=False,
        llm_retries=0,
    )  # fmt: skip
    out = tmp_path / "run"
    run = await run_eval(SAMPLE, ["lead"], settings, out, 1, write_reports=False)

    (result,) = run.results
    assert result.ok, result.error
    requests = list(server.chat_requests())
    # lead sentences cite one source each: one judge call per sentence, no precision sub-checks
    assert len(requests) == len(result.sentences) == result.judge_calls == 6
    assert all(r["model"] == "judge-model" for r in requests)
    expected = [int("strike" in s.text.lower()) for s in result.sentences]
    assert [s.judged.recall for s in result.sentences] == expected
    assert 0 < sum(expected) < len(expected)  # both branches exercised
    assert result.metrics["citation_recall"] == pytest.approx(sum(expected) / len(expected))
    p_yes = math.exp(-0.05) / (math.exp(-0.05) + math.exp(-3.0))
    scores = [s.judged.score for s in result.sentences]
    assert scores == [pytest.approx(p_yes if e else 1 - p_yes) for e in expected]
    # The judge saw the cited source's evidence, fenced, and the sentence as the claim.
    first = last_user_text(requests[0])
    evidence = first.split("<evidence>", 1)[1].split("</evidence>", 1)[0]
    assert result.sentences[0].text in evidence  # lead copies it from the source it cites
    assert claim_of(requests[0]) == result.sentences[0].text

    info = json.loads((out / "run.json").read_text())
    assert info["judge"] == "llm" and info["model_name"] == "judge-model"

    # Resuming: nothing left to do, so the LLM is not even opened.
    before = len(server.requests)
    await run_eval(SAMPLE, ["lead"], settings, out, 1, write_reports=False)
    assert len(server.requests) == before


async def test_freeform_through_the_real_pipeline(tmp_path: Path) -> None:
    """The free-form system on one cluster, with a draft that invents one sentence."""
    model = AutoModel(bogus=True)
    with ScriptedOpenAI(fallback=model) as srv:
        settings = Settings(
            home=tmp_path / "home", base_url=srv.base_url, model="auto", cache=False,
            llm_retries=0,
        )  # fmt: skip
        run = await run_eval(
            SAMPLE, ["freeform"], settings, tmp_path / "run", 1, write_reports=False
        )
    (freeform,) = run.results
    assert freeform.system == "freeform" and freeform.ok
    # the verifier found BOGUS unsupported before repair; repair fixed or dropped it.
    assert freeform.metrics["supported_rate_before"] == pytest.approx(3 / 4)
    assert freeform.metrics["supported_rate"] == 1.0
    assert BOGUS not in [s.text for s in freeform.sentences]
    assert freeform.metrics["citation_recall"] == 1.0
    # Scored by the eval's judge, not by reading the verifier's verdicts: one judge call
    # per shown sentence (nothing is memoised yet).
    assert freeform.judge_calls == len(freeform.sentences)


async def test_full_and_draft_through_the_real_pipeline(tmp_path: Path) -> None:
    """Attribute first: both systems write the same plan; ``full`` also verifies it."""
    with ScriptedOpenAI(fallback=AutoModel()) as srv:
        settings = Settings(
            home=tmp_path / "home", base_url=srv.base_url, model="auto", cache=False,
            llm_retries=0,
        )  # fmt: skip
        run = await run_eval(
            SAMPLE, ["full", "draft"], settings, tmp_path / "run", 1, write_reports=False
        )
    full, draft = run.results
    assert (full.system, draft.system) == ("full", "draft") and full.ok and draft.ok
    assert [s.text for s in full.sentences] == [s.text for s in draft.sentences]
    slots = len(draft.sentences)
    assert 5 <= slots <= 12
    assert draft.metrics["llm_calls"] == slots + 1  # one call per slot, one for the title
    assert draft.metrics["supported_rate"] is None  # no verifier ran
    assert full.metrics["supported_rate_before"] == full.metrics["supported_rate"] == 1.0
    assert full.metrics["citation_recall"] == full.metrics["citation_precision"] == 1.0
    assert full.metrics["source_coverage"] == 1.0  # every source of the cluster is cited
    llm_calls = full.metrics["llm_calls"]
    # The scripted writer copies each slot's evidence sentence word for word, so the verifier
    # accepts every sentence as a copy without a judge call (supported_rate above is 1.0).
    assert llm_calls == slots + 1
