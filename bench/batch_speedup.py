"""What scale-out buys when the endpoint is slow: 4 batch jobs, one after another vs at once.

The endpoint is the tests' scripted OpenAI-compatible server on 127.0.0.1 (the
deterministic ``AutoModel``) answering every call after a fixed delay, as a remote
endpoint with spare capacity would (vLLM, a hosted API); the sources are the sample
articles. Each configuration runs the same 4 jobs through ``run_batch`` with the caches
off (every row makes the same model calls):

- ``sequential``: the local engine, one job at a time;
- ``local x4``: the local engine, 4 jobs at once in this process (one client,
  its request limit raised to 4, as ``--concurrency 4`` does);
- ``ray x4``: 4 Ray workers on a local Ray instance (``ray.init(num_cpus=2)``),
  each its own process and model client; Ray's start-up is timed apart.

    python bench/batch_speedup.py [--delay 0.5] [--jobs 4]

Prints a table and writes bench/results/batch_speedup.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from support.auto_llm import AutoModel  # noqa: E402
from support.openai_server import Reply, Request, ScriptedOpenAI  # noqa: E402

from summarizer.batch import run_batch  # noqa: E402
from summarizer.settings import Settings  # noqa: E402

ARTICLES = sorted(str(p) for p in (ROOT / "examples").glob("*.html"))
RESULTS = ROOT / "bench" / "results" / "batch_speedup.json"


def write_jobs(path: Path, count: int) -> None:
    """``count`` jobs over the sample articles, each asking for a different angle."""
    focuses = ["the storm", "the cost", "the gates", "the power cuts", "fish", "the city"]
    lines = [
        json.dumps({"id": f"job-{i}", "sources": ARTICLES, "options": {"focus": focuses[i % 6]}})
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def delayed(delay: float) -> Any:
    auto = AutoModel()

    def answer(request: Request) -> Reply:
        return dataclasses.replace(auto(request), delay=delay)

    return answer


async def one_run(
    name: str, jobs: Path, base_url: str, work: Path, *, engine: str, concurrency: int
) -> dict[str, Any]:
    """One configuration exactly as ``summarizer batch --engine E --concurrency N`` runs it."""
    settings = Settings(
        base_url=base_url, model="scripted", home=work / f"home-{name}", cache=False
    )
    started = time.perf_counter()
    report = await run_batch(
        jobs, settings, work / f"out-{name}", engine=engine, concurrency=concurrency
    )
    seconds = time.perf_counter() - started
    return {
        "configuration": name,
        "seconds": round(seconds, 2),
        "ok": report.ok,
        "jobs": len(report.records),
        "llm_calls": sum(r.llm_calls for r in report.records),
        "workers": len({r.worker for r in report.records}),
        "slowest_job_seconds": max(r.seconds for r in report.records),
    }


async def main_async(delay: float, count: int) -> dict[str, Any]:
    import ray

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, ScriptedOpenAI(fallback=delayed(delay)) as model:
        work = Path(tmp)
        jobs = work / "jobs.jsonl"
        write_jobs(jobs, count)
        url = model.base_url
        rows.append(await one_run("sequential", jobs, url, work, engine="local", concurrency=1))
        rows.append(
            await one_run(f"local x{count}", jobs, url, work, engine="local", concurrency=count)
        )
        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
        ray_start = time.perf_counter() - started
        try:
            rows.append(
                await one_run(f"ray x{count}", jobs, url, work, engine="ray", concurrency=count)
            )
        finally:
            ray.shutdown()
    base = rows[0]["seconds"]
    for row in rows:
        row["speedup"] = round(base / row["seconds"], 2)
    return {
        "delay_per_call": delay,
        "jobs": count,
        "ray_init_seconds": round(ray_start, 2),
        "rows": rows,
        "note": "local: one process, one model client (its request limit raised to the "
        "concurrency); ray: one process and client per worker; fresh caches for each row",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per model call")
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    result = asyncio.run(main_async(args.delay, args.jobs))
    table = Table(title=f"{args.jobs} batch jobs, endpoint answering after {args.delay}s")
    columns = ("configuration", "seconds", "speedup", "ok", "llm_calls", "workers",
               "slowest_job_seconds")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "configuration" else "right")
    for row in result["rows"]:
        table.add_row(*(str(row[c]) for c in columns))
    console = Console()
    console.print(table)
    console.print(f"Ray start-up (not in the ray row): {result['ray_init_seconds']}s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
