"""The eval runner: reports, resume without recomputation, per-case failures, compare."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from summarizer.errors import InputError, LLMResponseError
from summarizer.eval import (
    System,
    compare,
    comparison_markdown,
    comparison_table,
    load_run,
    overlap_judge,
    print_table,
    run_eval,
)
from summarizer.eval.baselines import lead_baseline
from summarizer.eval.compare import compare_systems
from summarizer.eval.records import CaseResult, ResultStore
from summarizer.eval.scoring import METRICS
from summarizer.models import Source, Summary
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "evals" / "sample.jsonl"
CASES = 4
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(home=tmp_path / "home", cache=False, **overrides)  # type: ignore[arg-type]


class CountingJudge:
    """The overlap judge, counting calls: proves what was (not) re-scored."""

    __name__ = "counting-overlap"

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, claim: str, evidence: list[str]) -> float:
        self.calls += 1
        return await overlap_judge(claim, evidence)


class CountingSystem:
    """A lead baseline that counts its runs and can be made to stall or fail per case."""

    def __init__(self, *, stall_after: int | None = None, fail_on: str | None = None) -> None:
        self.runs: list[str] = []
        self.stall_after = stall_after
        self.fail_on = fail_on

    async def __call__(self, sources: list[Source], settings: Settings, llm: object) -> Summary:
        if self.stall_after is not None and len(self.runs) >= self.stall_after:
            await asyncio.Event().wait()  # "still working" when the run is interrupted
        self.runs.append(sources[0].text[:20])
        if self.fail_on and self.fail_on in sources[0].text:
            raise LLMResponseError("model output still invalid after 2 re-asks")
        return lead_baseline(sources, settings)

    def system(self) -> System:
        return System("counting", self)


async def test_baselines_run_writes_every_report(tmp_path: Path) -> None:
    out = tmp_path / "run"
    seen: list[tuple[str, int, int]] = []
    run = await run_eval(
        SAMPLE, ["lead", "central"], settings(tmp_path), out, None,
        lambda *event: seen.append(event), judge=overlap_judge,
    )  # fmt: skip
    assert run.systems == ["lead", "central"] and len(run.results) == 2 * CASES
    assert all(r.ok for r in run.results)
    assert ("lead", CASES, CASES) in seen and ("central", CASES, CASES) in seen

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["systems"]) == {"lead", "central"}
    for system in ("lead", "central"):
        metrics = summary["systems"][system]
        assert set(metrics) == set(METRICS)
        for interval in metrics.values():
            assert set(interval) == {"mean", "lo", "hi", "n"}
        assert metrics["rouge1"]["n"] == CASES
        assert metrics["rouge1"]["lo"] <= metrics["rouge1"]["mean"] <= metrics["rouge1"]["hi"]
        assert metrics["supported_rate"]["n"] == 0  # baselines do not verify
        assert metrics["llm_calls"]["mean"] == 0
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2 * CASES
    first = json.loads(lines[0])
    assert first["ok"] and first["sentences"][0]["judged"]["recall"] in (0, 1)

    report = (out / "report.md").read_text()
    for needle in ("## Settings", "## Results", "## Metrics", "## Worst cases", "ROUGE-1 F1"):
        assert needle in report
    for name in ("metrics.png", "cost_quality.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000

    console = Console(record=True, width=160)
    print_table(run, console)
    text = console.export_text()
    assert "ROUGE-1 F1" in text and "lead" in text and "central" in text


async def test_run_info_records_provenance_without_secrets(tmp_path: Path) -> None:
    s = settings(
        tmp_path, base_url="http://user:pw@127.0.0.1:9/v1?api-key=SECRET", api_key="sk-SECRET"
    )
    await run_eval(
        SAMPLE, ["lead"], s, tmp_path / "run", 2, judge=overlap_judge, write_reports=False
    )
    raw = (tmp_path / "run" / "run.json").read_text()
    assert "SECRET" not in raw and "pw" not in raw
    info = json.loads(raw)
    assert info["base_url"] == "http://***@127.0.0.1:9/v1?api-key=***"
    assert info["case_ids"] == ["ferry-strike", "river-crab"] and info["limit"] == 2
    assert len(info["dataset_sha256"]) == 64 and info["dataset"] == str(SAMPLE)
    assert "rouge-score" in info["packages"] and "summarizer" in info["packages"]
    prompts = sorted(p.stem for p in (ROOT / "prompts").glob("*.txt"))
    assert sorted(info["prompt_hashes"]) == prompts
    assert info["judge"] == "overlap_judge" and info["created"]


async def test_citation_metrics_use_the_judges_threshold_not_the_verifiers(
    tmp_path: Path,
) -> None:
    async def lukewarm(claim: str, evidence: list[str]) -> float:
        return 0.8  # a judge's P(yes) on a verbatim sentence, under the verifier's bar

    async def recall(**thresholds: float) -> float | None:
        out = tmp_path / "-".join(f"{k}{v}" for k, v in thresholds.items())
        run = await run_eval(
            SAMPLE, ["lead"], settings(tmp_path, **thresholds), out, 1, judge=lukewarm,
            write_reports=False,
        )  # fmt: skip
        assert run.info.judge_threshold == thresholds["judge_threshold"]
        return run.aggregates["lead"]["citation_recall"].mean

    assert await recall(judge_threshold=0.75, support_threshold=0.95) == 1.0
    assert await recall(judge_threshold=0.85, support_threshold=0.5) == 0.0


async def test_interrupted_run_resumes_without_recomputing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    s = settings(tmp_path)
    first = CountingSystem(stall_after=2)
    first_judge = CountingJudge()
    task = asyncio.create_task(
        run_eval(
            SAMPLE, [first.system()], s, out, judge=first_judge, concurrency=1, write_reports=False
        )
    )
    store = ResultStore(out / "results.jsonl")
    for _ in range(500):  # wait until two cases are stored and the third is in progress
        await asyncio.sleep(0.01)
        if len(store.load()) == 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(first.runs) == 2 and len(store.load()) == 2
    judged_before = first_judge.calls
    assert judged_before > 0

    second = CountingSystem()
    second_judge = CountingJudge()
    run = await run_eval(
        SAMPLE, [second.system()], s, out, judge=second_judge, concurrency=1, write_reports=False
    )
    assert len(second.runs) == CASES - 2  # only the two unfinished cases ran
    assert all(r.ok for r in run.results) and len(run.results) == CASES
    assert [r.case_id for r in run.results] == [
        "ferry-strike", "river-crab", "water-rates", "ebike-recall"
    ]  # fmt: skip
    assert second_judge.calls > 0

    third = CountingSystem()
    third_judge = CountingJudge()
    again = await run_eval(SAMPLE, [third.system()], s, out, judge=third_judge, write_reports=False)
    assert third.runs == [] and third_judge.calls == 0  # nothing recomputed, nothing re-judged
    assert again.aggregates == run.aggregates
    assert len(ResultStore(out / "results.jsonl").load()) == CASES


async def test_failures_are_recorded_per_case_and_retried_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    s = settings(tmp_path)
    flaky = CountingSystem(fail_on="Biologists")  # the river-crab case
    run = await run_eval(SAMPLE, [flaky.system(), "lead"], s, out, judge=overlap_judge)
    failed = run.failures("counting")
    assert [r.case_id for r in failed] == ["river-crab"]
    assert failed[0].error == "LLMResponseError: model output still invalid after 2 re-asks"
    assert run.aggregates["counting"]["rouge1"].n == CASES - 1
    assert run.aggregates["lead"]["rouge1"].n == CASES
    assert "river-crab" in (out / "report.md").read_text()

    fixed = CountingSystem()
    rerun = await run_eval(SAMPLE, [fixed.system(), "lead"], s, out, judge=overlap_judge)
    assert len(fixed.runs) == 1  # only the failed pair is retried
    assert not rerun.failures("counting") and rerun.aggregates["counting"]["rouge1"].n == CASES


async def test_a_folder_from_another_configuration_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_eval(
        SAMPLE, ["lead"], settings(tmp_path), out, 1, judge=overlap_judge, write_reports=False
    )
    with pytest.raises(InputError, match="different settings"):
        await run_eval(
            SAMPLE,
            ["lead"],
            settings(tmp_path, target_sentences=3),
            out,
            1,
            judge=overlap_judge,
            write_reports=False,
        )
    # Operational settings (timeouts, concurrency) do not change results: still resumable.
    await run_eval(
        SAMPLE, ["lead"], settings(tmp_path, llm_timeout=5.0), out, 1, judge=overlap_judge
    )


async def test_unknown_system_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match="unknown system 'best'; choose from full, freeform, draft, lead"
    ):
        await run_eval(SAMPLE, ["best"], settings(tmp_path), tmp_path / "r", judge=overlap_judge)


async def test_torn_last_line_is_dropped_and_recomputed(tmp_path: Path) -> None:
    out = tmp_path / "run"
    s = settings(tmp_path)
    await run_eval(SAMPLE, ["lead"], s, out, judge=CountingJudge(), write_reports=False)
    results = out / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    results.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # crash mid-write
    counter = CountingJudge()
    run = await run_eval(SAMPLE, ["lead"], s, out, judge=counter, write_reports=False)
    assert counter.calls == 6  # the last case's six single-citation sentences, judged again
    assert len(run.results) == CASES
    stored = [CaseResult.model_validate_json(x) for x in results.read_text().splitlines()]
    assert len(stored) == CASES and stored[-1].case_id == "ebike-recall"


async def test_compare_two_runs(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    await run_eval(
        SAMPLE,
        ["lead", "central"],
        settings(tmp_path, target_sentences=6),
        a_dir,
        judge=overlap_judge,
        write_reports=False,
    )
    await run_eval(
        SAMPLE, ["lead"], settings(tmp_path, target_sentences=2), b_dir, judge=overlap_judge
    )
    comparison = compare(a_dir, b_dir)
    assert [s.system for s in comparison.systems] == ["lead"]
    assert comparison.only_a == ["central"] and comparison.only_b == []
    lead = comparison.systems[0]
    assert lead.cases == CASES
    sentences = lead.deltas["sentences"]
    assert sentences.delta == pytest.approx(2 - 6) and sentences.n == CASES
    words = lead.deltas["words"]
    assert words.delta is not None and words.delta < 0
    assert words.hi is not None and words.hi < 0  # every case got shorter
    assert lead.deltas["supported_rate"].n == 0 and lead.deltas["supported_rate"].delta is None
    for delta in lead.deltas.values():
        assert delta.p_value is None or 0.0 < delta.p_value <= 1.0

    markdown = comparison_markdown(comparison)
    assert "| lead | sentences | 4 | 6 | 2 | -4.00" in markdown
    assert "Only in A: central" in markdown
    console = Console(record=True, width=200)
    console.print(comparison_table(comparison))
    assert "ROUGE-1 F1" in console.export_text()

    # Compare reads folders, so it also works after the run folder moved.
    moved = tmp_path / "moved"
    shutil.copytree(a_dir, moved)
    assert load_run(moved).aggregates == load_run(a_dir).aggregates


async def test_two_systems_of_one_run_are_compared_case_by_case(tmp_path: Path) -> None:
    run = await run_eval(
        SAMPLE,
        ["lead", "central"],
        settings(tmp_path, target_sentences=3),
        tmp_path / "run",
        judge=overlap_judge,
        write_reports=False,
    )
    paired = compare_systems(run, "lead", "central")
    assert paired.system == "central" and paired.cases == CASES
    rouge = paired.deltas["rouge1"]
    lead = [r.metrics["rouge1"] for r in run.for_system("lead")]
    central = [r.metrics["rouge1"] for r in run.for_system("central")]
    assert rouge.n == CASES
    assert rouge.delta == pytest.approx(sum(central) / CASES - sum(lead) / CASES)
    assert paired.deltas["sentences"].delta == pytest.approx(0.0)  # same target length


async def test_compare_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an eval run folder"):
        compare(tmp_path, tmp_path)


class OneWorkerPerJob:
    """Another executor behind the same interface: a fresh worker context per job, jobs
    in reverse order, as a process pool would open one per worker. The runner is unchanged."""

    def __init__(self) -> None:
        self.opened = 0

    async def run(self, task, jobs, on_result):  # type: ignore[no-untyped-def]
        for job in reversed(list(jobs)):
            async with task.open() as context:
                self.opened += 1
                on_result(job, await task.run(context, job))


async def test_another_executor_gives_the_local_results(tmp_path: Path) -> None:
    local = await run_eval(
        SAMPLE, ["lead", "central"], settings(tmp_path), tmp_path / "local",
        judge=overlap_judge, write_reports=False,
    )  # fmt: skip
    other = OneWorkerPerJob()
    elsewhere = await run_eval(
        SAMPLE, ["lead", "central"], settings(tmp_path), tmp_path / "other",
        judge=overlap_judge, write_reports=False, executor=other,
    )  # fmt: skip
    assert other.opened == 2 * CASES

    def key(run: object) -> list[tuple[str, str, dict[str, float | None]]]:
        timeless = [  # wall seconds are the one figure two runs cannot share
            (r.case_id, r.system, {k: v for k, v in r.metrics.items() if k != "seconds"})
            for r in run.results  # type: ignore[attr-defined]
        ]
        return timeless

    assert key(elsewhere) == key(local) and len(key(local)) == 2 * CASES
