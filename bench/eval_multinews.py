"""The big eval: Multi-News clusters with the configured model, every system.

    python bench/eval_multinews.py --limit 20 --output runs/mn20 [--system full ...]

Equivalent to ``summarizer eval ../shared/data/multi_news/validation.jsonl ...``
with one case × system at a time (so seconds per case are not inflated by
waiting for a shared local model). Resumable: re-run the same command after an
interruption. Model and endpoint come from the environment (OPENAI_BASE_URL,
SUMMARIZER_MODEL, ...); with no base URL the embedded local model is started.

After the table it prints, for ``full`` against every other system in the run, the
paired bootstrap delta (other − full) of ROUGE-1 and ROUGE-2 over the clusters both
finished, and per system the medians of sources cited and seconds per cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console

from summarizer.errors import SummarizerError
from summarizer.eval.compare import compare_systems
from summarizer.eval.records import EvalRun
from summarizer.eval.report import print_table
from summarizer.eval.runner import run_eval
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "data" / "multi_news" / "validation.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument(
        "--system", action="append", help="full, freeform, draft, lead, central (default: all)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "runs" / "multinews")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    console = Console(stderr=True)
    if not args.dataset.exists():
        console.print(f"dataset not found: {args.dataset} (is ../shared/data present?)")
        return 2

    def progress(system: str, done: int, total: int) -> None:
        console.print(f"{system:<8} {done}/{total}", highlight=False)

    started = time.perf_counter()
    try:
        run = asyncio.run(
            run_eval(
                args.dataset,
                args.system,
                Settings(),
                args.output,
                args.limit,
                progress,
                concurrency=1,
            )
        )
    except SummarizerError as exc:
        console.print(f"error: {exc.one_line()}")
        return exc.exit_code
    print_table(run, Console())
    print_paired(run)
    console.print(f"{time.perf_counter() - started:.0f} s; reports in {run.output_dir}")
    return 0


def print_paired(run: EvalRun, anchor: str = "full") -> None:
    """Paired deltas against ``anchor`` and the medians the issue's targets are stated in."""
    ok = {
        system: {r.case_id: r.metrics for r in run.for_system(system) if r.ok}
        for system in run.systems
    }
    for system in run.systems:
        cited = [m["source_coverage"] for m in ok[system].values() if m.get("source_coverage")]
        seconds = [m["seconds"] for m in ok[system].values() if m.get("seconds") is not None]
        print(
            f"{system:<8} n={len(ok[system]):>2}  sources cited median"
            f" {100 * statistics.median(cited) if cited else float('nan'):.0f}%"
            f"  seconds/cluster median {statistics.median(seconds) if seconds else 0:.1f}"
            f" mean {statistics.fmean(seconds) if seconds else 0:.1f}"
        )
    if anchor not in ok:
        return
    for system in run.systems:
        if system == anchor:
            continue
        paired = compare_systems(run, anchor, system)
        parts = []
        for metric in ("rouge1", "rouge2"):
            delta = paired.deltas[metric]
            low, mid, high = (100 * (v or 0.0) for v in (delta.lo, delta.delta, delta.hi))
            parts.append(f"{metric} {mid:+.1f} [{low:+.1f}, {high:+.1f}]")
        print(f"{system} − {anchor} over {paired.cases} clusters: " + "; ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
