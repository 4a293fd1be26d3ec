"""The eval suite: datasets, baselines, metrics with CIs, resumable runs, reports, comparison.

``await run_eval(dataset, systems, settings, output_dir)`` scores ``full``,
``draft``, ``lead`` and ``central`` side by side; ``compare(dir_a, dir_b)``
tells whether a change helped beyond noise. See evals/README.md.
"""

from summarizer.eval.baselines import central_baseline, lead_baseline
from summarizer.eval.compare import Comparison, compare, comparison_markdown, comparison_table
from summarizer.eval.dataset import EvalCase, load_dataset
from summarizer.eval.judges import overlap_judge
from summarizer.eval.metrics import Judge
from summarizer.eval.records import CaseResult, EvalRun
from summarizer.eval.report import print_table, report_markdown, results_table
from summarizer.eval.runner import load_run, run_eval
from summarizer.eval.stats import Interval, bootstrap_ci, paired_bootstrap
from summarizer.eval.systems import SYSTEMS, System

__all__ = [
    "SYSTEMS",
    "CaseResult",
    "Comparison",
    "EvalCase",
    "EvalRun",
    "Interval",
    "Judge",
    "System",
    "bootstrap_ci",
    "central_baseline",
    "compare",
    "comparison_markdown",
    "comparison_table",
    "lead_baseline",
    "load_dataset",
    "load_run",
    "overlap_judge",
    "paired_bootstrap",
    "print_table",
    "report_markdown",
    "results_table",
    "run_eval",
]
