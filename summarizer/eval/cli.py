"""What ``summarizer eval`` calls: run + print, and compare + print.

Kept here so the CLI module stays a thin shell and the eval package owns its
own presentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from summarizer.errors import InputError
from summarizer.eval.compare import compare, comparison_table
from summarizer.eval.judges import overlap_judge
from summarizer.eval.metrics import Judge
from summarizer.eval.records import EvalRun
from summarizer.eval.report import print_table
from summarizer.eval.runner import Progress, run_eval
from summarizer.executors import make_executor
from summarizer.settings import Settings


async def eval_dataset(
    dataset: Path,
    settings: Settings,
    *,
    systems: Sequence[str] | None = None,
    limit: int | None = None,
    output_dir: Path | None = None,
    progress: Progress | None = None,
    console: Console | None = None,
    judge: str | None = None,
    engine: str = "local",
) -> EvalRun:
    """Run the eval, print the table and say where the reports are.

    ``judge``: ``"llm"`` (default, the verifier's judge) or ``"overlap"`` (offline,
    word overlap: for baseline-only runs without a model; not a faithfulness judge).
    ``engine``: ``local`` (this process) or ``ray`` (``summarizer.executors``).
    """
    executor = None if engine == "local" else make_executor(engine)
    run = await run_eval(
        dataset, systems, settings, output_dir, limit, progress, judge=_judge(judge),
        executor=executor,
    )  # fmt: skip
    if console is not None:
        print_table(run, console)
        failed = sum(len(run.failures(s)) for s in run.systems)
        if failed:
            console.print(f"[yellow]{failed} case × system pairs failed[/yellow] (see report.md)")
        console.print(f"reports in {escape(str(run.output_dir))}/ (report.md, summary.json, *.png)")
    return run


def _judge(name: str | None) -> Judge | None:
    if name is None or name == "llm":
        return None
    if name == "overlap":
        return overlap_judge
    raise InputError(f"unknown judge {name!r}; choose llm or overlap")


async def compare_runs(run_a: Path, run_b: Path, console: Console) -> None:
    """Print the paired comparison of two run folders."""
    console.print(comparison_table(compare(run_a, run_b)))
