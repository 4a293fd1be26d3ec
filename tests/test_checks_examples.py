"""Hand-written paraphrases of the examples/ articles, true and corrupted, through the checks.

The honest brief restates each article's facts in other words (units, number words,
rounding, a relative date made absolute, an accented name); the corrupted copy
changes one fact per sentence (a figure or name moved to another fact of the same
article, a hedge made certain and a hedge dropped among them). The checks run on the
real ingested articles (publication dates included), then ``summarizer check`` runs
end to end on both briefs against a scripted endpoint whose judge says Yes to everything, so what it
flags is the checks' doing alone. ``test_check_on_the_local_model`` repeats the
CLI run with the real judge.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.openai_server import Reply, Request, ScriptedOpenAI, text_reply

from summarizer.ingest import ingest
from summarizer.llm.local import llama_cpp_available
from summarizer.models import Source
from summarizer.settings import Settings
from summarizer.verify.checks import parse_published, run_checks

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ARTICLES = [str(EXAMPLES / n) for n in ("harbor-gazette.html", "coastal-times.html",
                                        "northern-ledger.html")]  # fmt: skip

# (honest paraphrase, corrupted copy, the check that must catch it, cited source)
SENTENCES: list[tuple[str, str, str, int]] = [
    (
        "Lindqvist Bay's new tidal barrier shut for the first time on March 13 as a storm "
        "surge lifted the sea 1.8 m above its usual level.",
        "Lindqvist Bay's new tidal barrier shut for the first time on March 12 as a storm "
        "surge lifted the sea 1.8 m above its usual level.",
        "dates",  # the source says "on Friday night" and is dated Saturday 14 March
        0,
    ),
    (
        "Built over six years for €410m, the barrier has nine steel gates that close as "
        "the water rises.",
        "Built over six years for €510m, the barrier has nine steel gates that close as "
        "the water rises.",
        "money",
        0,
    ),
    (
        "Storm Vela's gusts reached 130 km/h on Friday, and roughly 40,000 households lost "
        "electricity.",
        "Storm Vela's gusts reached 130 mph on Friday, and roughly 40,000 households lost "
        "electricity.",
        "units",
        1,
    ),
    (
        "Harbour master Ilse Brandt said the gates shut in 38 minutes, two minutes ahead of "
        "the engineers' target.",
        "Harbour master Ilse Brandt said the gates shut in 48 minutes, two minutes ahead of "
        "the engineers' target.",
        "numbers",
        0,
    ),
    (
        "Grid operator Nordlys said most customers had their electricity back by Saturday "
        "afternoon.",
        "Grid operator Nordlys said most customers did not have their electricity back by "
        "Saturday afternoon.",
        "negation",
        1,
    ),
    (
        "The national government paid seventy percent of the bill and the city paid the remainder.",
        "The national government paid sixty percent of the bill and the city paid the remainder.",
        "numbers",
        2,
    ),
    (
        "Every closure costs around 90,000 euros for staff, fuel and inspections, city "
        "budget papers show.",
        "Every closure costs around 190,000 euros for staff, fuel and inspections, city "
        "budget papers show.",
        "money",
        2,
    ),
    (
        "Councillor Henrik Aalto said the price was worth it after floods in 2019 did an "
        "estimated 120 million euros of damage.",
        "Councillor Henrik Aalto said the price was worth it after floods in 2017 did an "
        "estimated 120 million euros of damage.",
        "dates",
        2,
    ),
    (
        "Mayor Anneli Sørensen thanked the emergency crews and said the barrier had passed "
        "its first real test.",
        "Mayor Anneli Lindgren thanked the emergency crews and said the barrier had passed "
        "its first real test.",
        "names",
        1,
    ),
    (
        "As a precaution the city evacuated two care homes, and no flooding was reported in "
        "the protected area by Saturday morning.",
        "As a precaution the city evacuated 38 care homes, and no flooding was reported in "
        "the protected area by Saturday morning.",
        "context",  # 38 is in the article: the minutes the gates took to close
        0,
    ),
    (
        "The national government financed the barrier, paying 70 percent of its 410 million "
        "euro cost.",
        "The group Tidewatch financed the barrier, paying 70 percent of its 410 million euro cost.",
        "context",  # Tidewatch is in the article, four sentences after who paid
        2,
    ),
    (
        "Engineers expect the gates to close five to eight times a year, possibly twice as "
        "often by 2060 as the sea rises.",
        "Engineers are certain the gates will close five to eight times a year, possibly "
        "twice as often by 2060 as the sea rises.",
        "certainty",  # the source: "Engineers expect"
        2,
    ),
    (
        "Critics such as the environmental group Tidewatch warned that frequent closures "
        "could harm fish migration in the bay.",
        "Critics such as the environmental group Tidewatch warned that frequent closures "
        "harm fish migration in the bay.",
        "certainty",  # the source: "could harm"; the corrupted copy drops the hedge
        1,
    ),
    (
        "Gusts of up to 80 mph hit the coast as Storm Vela passed.",
        "Gusts of up to 100 mph hit the coast as Storm Vela passed.",
        "numbers",
        1,
    ),
]


def brief(index: int) -> str:
    """The honest (0) or corrupted (1) brief in the [n] style ``check`` reads."""
    return "\n".join(f"{s[index]} [{s[3]}]" for s in SENTENCES) + "\n"


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return asyncio.run(ingest(ARTICLES, Settings(cache=False)))


@pytest.mark.parametrize(("honest", "corrupted", "kind", "cited"), SENTENCES)
def test_paraphrase_passes_and_corruption_fails_its_check(
    sources: list[Source], honest: str, corrupted: str, kind: str, cited: int
) -> None:
    source = sources[cited]
    published = parse_published(source.published)
    assert published is not None, "the examples carry their publication dates"
    passed = run_checks(honest, source.text, published=published)
    assert [c for c in passed if not c.passed] == [], passed
    caught = run_checks(corrupted, source.text, published=published)
    assert kind in {c.kind for c in caught if not c.passed}, caught


def _yes_judge(auto: AutoModel) -> object:
    def answer(request: Request) -> Reply:
        if request.get("logprobs"):
            return text_reply("Yes", top_logprobs={"Yes": -0.01, "No": -4.6})
        return auto(request)

    return answer


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with ScriptedOpenAI(fallback=_yes_judge(AutoModel())) as server:  # type: ignore[arg-type]
        clean = {
            k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))
        }
        clean.update(
            OPENAI_BASE_URL=server.base_url,
            OPENAI_API_KEY="sk-test",
            SUMMARIZER_MODEL="scripted",
            SUMMARIZER_HOME=str(tmp_path / "home"),
            SUMMARIZER_RETRY_MAX_WAIT="0",
            SUMMARIZER_LLM_TIMEOUT="5",
            # the score is the judge's (always Yes) times the check penalty: checks decide
            SUMMARIZER_LEXICAL_WEIGHT="0",
        )
        yield clean


def run_check(
    path: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", "check", str(path), *ARTICLES, "-f", "json"],
        capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT,
    )  # fmt: skip


def _statuses(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [s["status"] for s in json.loads(result.stdout)["sentences"]]


def test_check_honest_brief_no_false_alarm_corrupted_each_flagged(
    env: dict[str, str], tmp_path: Path
) -> None:
    honest, corrupted = tmp_path / "honest.md", tmp_path / "corrupted.md"
    honest.write_text(brief(0), encoding="utf-8")
    corrupted.write_text(brief(1), encoding="utf-8")
    ok = run_check(honest, env)
    assert ok.returncode == 0, ok.stdout[-3000:]
    assert _statuses(ok) == ["supported"] * len(SENTENCES)
    bad = run_check(corrupted, env)
    assert bad.returncode == 1
    data = json.loads(bad.stdout)["sentences"]
    assert [s["status"] for s in data] == ["unsupported"] * len(SENTENCES)
    for sentence, (_, _, kind, _) in zip(data, SENTENCES, strict=True):
        assert kind in {c["kind"] for c in sentence["verdict"]["checks"] if not c["passed"]}


@pytest.mark.local_model
@pytest.mark.skipif(
    not llama_cpp_available(), reason="needs the local extra: pip install '.[local]'"
)
def test_check_on_the_local_model(tmp_path: Path) -> None:
    """The same two briefs with the real judge and the shipped defaults.

    Every corrupted sentence is flagged. The honest brief is not yet free of false
    alarms on this 1.5B judge: on 2026-12-02 it rejected 4 of 10 (the relative date
    made absolute, "seventy percent", the 2019 floods, 80 mph for 130 km/h; judge
    P(yes) 0.39-0.81 < 0.85). The checks raise none of them; this test holds both
    facts and fails if the judge's false alarms grow.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    if "SUMMARIZER_HOME" in os.environ:  # else the default home, where the model file is
        env["SUMMARIZER_HOME"] = os.environ["SUMMARIZER_HOME"]
    honest, corrupted = tmp_path / "honest.md", tmp_path / "corrupted.md"
    honest.write_text(brief(0), encoding="utf-8")
    corrupted.write_text(brief(1), encoding="utf-8")
    bad = run_check(corrupted, env, timeout=1800)
    assert bad.returncode == 1
    assert _statuses(bad) == ["unsupported"] * len(SENTENCES)
    ok = run_check(honest, env, timeout=1800)
    sentences = json.loads(ok.stdout)["sentences"]
    rejected = [s for s in sentences if s["status"] != "supported"]
    assert len(rejected) <= 4, [s["verdict"]["reason"] for s in rejected]
    for sentence in sentences:
        assert all(c["passed"] for c in sentence["verdict"]["checks"]), sentence["verdict"]
