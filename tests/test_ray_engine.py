"""The Ray engine gives what the local one gives, with the work done in other processes.

One local Ray instance for the module (``ray.init(num_cpus=2)``); the batch jobs
go to the scripted OpenAI-compatible server over real HTTP from the Ray worker
processes, and their sources come from a PageServer on 127.0.0.1. Each engine
gets a fresh home, so the Ray workers really call the model instead of reading
what the local run cached. The eval runner is run on the same executor.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support.batch import PAGES
from support.cli import EXAMPLES, ROOT, cli_env, run_cli
from support.openai_server import ScriptedOpenAI
from support.pages import PageServer

from summarizer.batch import load_jobs, run_batch
from summarizer.errors import InputError
from summarizer.eval.judges import overlap_judge
from summarizer.eval.runner import run_eval
from summarizer.executors import LocalExecutor, RayExecutor, Task
from summarizer.models import Summary
from summarizer.settings import Settings

ray = pytest.importorskip(
    "ray", reason="Ray is not installed (pip install 'summarizer[ray]'); Ray engine not tested"
)

SAMPLE = ROOT / "evals" / "sample.jsonl"


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 2**20)
    # The workers cannot import this test module: its own functions travel by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


def settings(home: Path, base_url: str) -> Settings:
    return Settings(
        base_url=base_url, model="scripted", home=home, allow_private=True, retry_max_wait=0
    )


def write_jobs(path: Path, pages: PageServer) -> Path:
    urls = [pages.url(f"/{name}") for name in PAGES]
    lines = [
        f'{{"id": "all", "sources": ["{urls[0]}", "{urls[1]}", "{urls[2]}"]}}',
        f'{{"id": "two", "sources": ["{urls[0]}", "{urls[2]}"], "options": {{"sentences": 3}}}}',
        f'{{"id": "one", "sources": ["{urls[1]}"], "options": {{"focus": "power cuts"}}}}',
        f'{{"id": "gone", "sources": ["{pages.url("/missing.html")}"]}}',
        f'{{"id": "files", "sources": ["{EXAMPLES / PAGES[0]}", "{EXAMPLES / PAGES[1]}"]}}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def brief_content(folder: Path, job_id: str) -> list[tuple[str, list[int], str]]:
    brief = Summary.model_validate_json((folder / f"{job_id}.json").read_text(encoding="utf-8"))
    return [(s.text, s.citations, s.status.value) for s in brief.sentences]


def comparable(record: Any) -> dict[str, Any]:
    """A record without what two runs cannot share (time, worker, cache state)."""
    skip = {"seconds", "finished", "worker"}
    skip |= {"llm_calls", "cache_hits", "prompt_tokens", "completion_tokens"}  # jobs share a cache
    return {k: v for k, v in record.model_dump().items() if k not in skip}


async def test_ray_and_local_engines_give_the_same_results(
    tmp_path: Path, model: ScriptedOpenAI, pages: PageServer
) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", pages)
    local = await run_batch(
        jobs, settings(tmp_path / "home-local", model.base_url), tmp_path / "local",
        executor=LocalExecutor(2),
    )  # fmt: skip
    local_calls = len(list(model.chat_requests()))
    on_ray = await run_batch(
        jobs, settings(tmp_path / "home-ray", model.base_url), tmp_path / "ray",
        executor=RayExecutor(2),
    )  # fmt: skip

    assert [r.id for r in on_ray.records] == ["all", "two", "one", "gone", "files"]
    assert [comparable(r) for r in on_ray.records] == [comparable(r) for r in local.records]
    assert [r.status for r in on_ray.records] == ["ok", "ok", "ok", "failed", "ok"]
    assert on_ray.records[1].sentences == 3
    for job_id in ("all", "two", "one", "files"):
        assert brief_content(tmp_path / "ray", job_id) == brief_content(tmp_path / "local", job_id)

    # The Ray jobs ran in worker processes, each with its own model client, and called
    # the model themselves (a fresh home: nothing cached), each call billed to one job.
    workers = {r.worker for r in on_ray.records}
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)
    assert {r.worker for r in local.records} == {f"{os.uname().nodename}:{os.getpid()}"}
    ray_calls = len(list(model.chat_requests())) - local_calls
    assert ray_calls > 0 and sum(r.llm_calls for r in on_ray.records) == ray_calls


async def test_ray_resumes_a_local_run(
    tmp_path: Path, model: ScriptedOpenAI, pages: PageServer
) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", pages)
    chosen = settings(tmp_path / "home", model.base_url)
    await run_batch(jobs, chosen, tmp_path / "out", executor=LocalExecutor())
    calls = len(list(model.chat_requests()))
    again = await run_batch(jobs, chosen, tmp_path / "out", executor=RayExecutor(2))
    assert again.skipped == 4 and again.ran == 1  # only the failed job is retried
    assert [r.id for r in again.failed] == ["gone"]
    assert len(list(model.chat_requests())) == calls


async def test_a_worker_error_comes_back_as_itself(tmp_path: Path) -> None:
    """An error raised in a Ray worker reaches the caller as the same error, one line."""
    task: Task[str, None, str] = Task(_no_context, _refuse)
    with pytest.raises(InputError, match=r"^job 'x' refused$"):
        await RayExecutor(1).run(task, ["x"], lambda job, result: None)


@asynccontextmanager
async def _no_context() -> AsyncIterator[None]:
    yield None


async def _refuse(context: None, job: str) -> str:
    raise InputError(f"job {job!r} refused")


async def test_eval_runner_on_ray_gives_the_local_results(tmp_path: Path) -> None:
    chosen = Settings(home=tmp_path / "home")
    local = await run_eval(
        SAMPLE, ["lead", "central"], chosen, tmp_path / "local",
        judge=overlap_judge, write_reports=False,
    )  # fmt: skip
    on_ray = await run_eval(
        SAMPLE, ["lead", "central"], chosen, tmp_path / "ray",
        judge=overlap_judge, write_reports=False, executor=RayExecutor(2),
    )  # fmt: skip

    def key(run: Any) -> list[tuple[str, str, dict[str, float | None]]]:
        return [
            (r.case_id, r.system, {k: v for k, v in r.metrics.items() if k != "seconds"})
            for r in run.results
        ]

    assert key(on_ray) == key(local) and len(key(local)) == 2 * len(load_cases())


async def test_an_eval_on_ray_records_the_model_its_workers_used(
    tmp_path: Path, model: ScriptedOpenAI
) -> None:
    """The model is opened in the Ray workers, not the driver: run.json still names it."""
    chosen = settings(tmp_path / "home", model.base_url)
    run = await run_eval(
        SAMPLE, ["lead"], chosen, tmp_path / "ray", limit=1, write_reports=False,
        executor=RayExecutor(2),
    )  # fmt: skip
    assert [r.model_name for r in run.results] == ["scripted"]
    info = json.loads((tmp_path / "ray" / "run.json").read_text(encoding="utf-8"))
    assert info["model_name"] == "scripted" and run.info.model_name == "scripted"


def load_cases() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_jobs_hash_the_same_in_every_process(tmp_path: Path, pages: PageServer) -> None:
    """The content hash is what resume compares: it must not depend on the process."""
    jobs = write_jobs(tmp_path / "jobs.jsonl", pages)
    chosen = settings(tmp_path / "home", "http://127.0.0.1:9/v1")
    here = [job.hash for job in load_jobs(jobs, chosen)]
    there = ray.get(ray.remote(_hashes).remote(str(jobs), chosen))
    assert here == there and len(set(here)) == len(here)


def _hashes(path: str, chosen: Settings) -> list[str]:
    return [job.hash for job in load_jobs(Path(path), chosen)]


def test_batch_cli_on_ray_writes_what_the_local_engine_writes(
    tmp_path: Path, model: ScriptedOpenAI, pages: PageServer
) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", pages)
    results = {}
    for engine in ("local", "ray"):
        env = cli_env(model.base_url, tmp_path / f"home-{engine}")
        out = tmp_path / f"out-{engine}"
        result = run_cli(
            "batch", str(jobs), "-o", str(out), "--engine", engine, "-j", "2", "--allow-private",
            env=env,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr  # the 404 job
        assert "5 jobs: 4 ok, 1 failed" in result.stderr and "Traceback" not in result.stderr
        lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
        results[engine] = [json.loads(line) for line in lines]
    skip = {"seconds", "finished", "worker", "llm_calls", "cache_hits"}
    skip |= {"prompt_tokens", "completion_tokens"}
    same = [[{k: v for k, v in r.items() if k not in skip} for r in results[e]] for e in results]
    assert same[0] == same[1]
    assert len({r["worker"] for r in results["ray"]}) == 2  # two worker processes shared the jobs


def test_eval_cli_on_ray_scores_what_the_local_engine_scores(
    tmp_path: Path, model: ScriptedOpenAI
) -> None:
    scores = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"run-{engine}"
        result = run_cli(
            "eval", str(SAMPLE), "--system", "lead", "--system", "central", "--judge", "overlap",
            "--engine", engine, "-o", str(out), env=cli_env(model.base_url, tmp_path / "home"),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        scores[engine] = {  # judge call counts are cost: each Ray worker has its own judge
            system: {m: v for m, v in metrics.items() if m != "seconds"}
            for system, metrics in summary["systems"].items()
        }
    assert scores["ray"] == scores["local"] and scores["local"]
