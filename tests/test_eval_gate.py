"""CI eval gate: the baselines on evals/sample.jsonl must not fall below evals/floors.json.

A change to segmentation, tokenization or the baselines that silently costs quality
fails here. LLM systems listed in the floors file need a model and are skipped in CI.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.eval import SYSTEMS, EvalRun, overlap_judge, run_eval
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FLOORS = json.loads((ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))
GATED = sorted(set(FLOORS["floors"]) | set(FLOORS.get("ceilings", {})))


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


def _mean(run: EvalRun, system: str, metric: str) -> Any:
    interval = run.aggregates[system][metric]
    assert interval.n == len(run.info.case_ids), f"{system} did not score every case"
    return interval.mean


@pytest.mark.parametrize("system", GATED)
def test_metrics_stay_within_their_floors_and_ceilings(gate_run: EvalRun, system: str) -> None:
    if SYSTEMS[system].needs_llm:
        pytest.skip(f"{system} needs an LLM; the CI gate covers offline systems only")
    assert not gate_run.failures(system), gate_run.failures(system)
    problems = []
    for metric, floor in FLOORS["floors"].get(system, {}).items():
        value = _mean(gate_run, system, metric)
        if value < floor:
            problems.append(f"{metric} {value:.4f} < floor {floor}")
    for metric, ceiling in FLOORS.get("ceilings", {}).get(system, {}).items():
        value = _mean(gate_run, system, metric)
        if value > ceiling:
            problems.append(f"{metric} {value:.4f} > ceiling {ceiling}")
    assert not problems, f"{system}: " + "; ".join(problems)
