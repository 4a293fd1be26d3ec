"""The big eval: Multi-News clusters with the configured model, every system.

    python bench/eval_multinews.py --limit 20 --output runs/mn20 [--system full ...]

Equivalent to ``summarizer eval ../shared/data/multi_news/validation.jsonl ...``
with one case × system at a time (so seconds per case are not inflated by
waiting for a shared local model). Resumable: re-run the same command after an
interruption. Model and endpoint come from the environment (OPENAI_BASE_URL,
SUMMARIZER_MODEL, ...); with no base URL the embedded local model is started.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

from rich.console import Console

from summarizer.errors import SummarizerError
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
    console.print(f"{time.perf_counter() - started:.0f} s; reports in {run.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
