"""Render a run: rich table, summary.json, report.md (and the PNG plots via plots.py).

Numbers are shown as mean [95% CI]. ROUGE and rates are shown ×100 so a column
reads like the papers it will be compared with; summary.json keeps raw values.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from summarizer.cache import atomic_write_text
from summarizer.errors import OutputError
from summarizer.eval.records import REPORT_FILE, SUMMARY_FILE, CaseResult, EvalRun, dump_json
from summarizer.eval.scoring import METRICS
from summarizer.eval.stats import Interval

logger = logging.getLogger(__name__)

PERCENT_METRICS = frozenset(
    {
        "rouge1", "rouge2", "rougeL", "citation_recall", "citation_precision",
        "supported_rate", "supported_rate_before", "uncited_rate",
    }
)  # fmt: skip
HIGHER_IS_BETTER = frozenset(
    {"rouge1", "rouge2", "rougeL", "citation_recall", "citation_precision", "supported_rate",
     "supported_rate_before"}
)  # fmt: skip

LABELS = {
    "rouge1": "ROUGE-1 F1",
    "rouge2": "ROUGE-2 F1",
    "rougeL": "ROUGE-L F1",
    "citation_recall": "citation recall",
    "citation_precision": "citation precision",
    "supported_rate": "supported (verifier, final)",
    "supported_rate_before": "supported (verifier, before repair)",
    "uncited_rate": "uncited sentences",
    "source_coverage": "sources cited (share of usable)",
    "backfilled_rate": "back-filled sentences",
    "copied_rate": "copied sentences",
    "words": "words",
    "sentences": "sentences",
    "llm_calls": "LLM calls",
    "prompt_tokens": "prompt tokens",
    "completion_tokens": "completion tokens",
    "seconds": "seconds / case",
}

NOTES = {
    "rouge1": "Unigram overlap with the gold summary (F1, Porter-stemmed, rouge-score).",
    "rouge2": "Bigram overlap with the gold summary (F1).",
    "rougeL": "Longest common subsequence with the gold summary (F1; sentence-agnostic, not Lsum).",
    "citation_recall": "ALCE: share of sentences whose cited evidence, concatenated, entails them "
    "per the judge (uncited = 0). The same judge scores every system.",
    "citation_precision": "ALCE: share of citations that are not irrelevant; a citation is "
    "irrelevant if it alone does not support its sentence and the other citations do without it. "
    "Citations of unsupported sentences count as irrelevant.",
    "supported_rate": "The system's own verifier: share of shown sentences it finally marked "
    "supported or repaired. Only systems that verify (full).",
    "supported_rate_before": "The same verifier's verdicts on the draft, before repair "
    "(removed sentences included), read from the repair trail.",
    "uncited_rate": "Share of shown sentences carrying no citation.",
    "source_coverage": "Share of the case's usable sources that some shown sentence cites.",
    "backfilled_rate": "Attribute-first only: share of shown sentences copied verbatim from "
    "their slot's evidence because the written sentence failed (marked extracted).",
    "copied_rate": "Share of shown sentences that repeat a sentence of a usable source word for "
    "word (case, spacing, quote styles and the closing mark aside): how far the brief is "
    "a selection rather than written. 100% for the extractive baselines.",
    "words": "Length of the shown brief in words.",
    "sentences": "Number of shown sentences.",
    "llm_calls": "Model calls the system made for the case (cache hits excluded); the judge's "
    "scoring calls are not included.",
    "prompt_tokens": "Prompt tokens of those calls.",
    "completion_tokens": "Completion tokens of those calls.",
    "seconds": "Wall time of the system for the case (ingest and scoring excluded).",
}


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric in PERCENT_METRICS:
        return f"{100 * value:.1f}"
    if metric == "seconds":
        return f"{value:.2f}"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def format_interval(metric: str, interval: Interval) -> str:
    if interval.mean is None:
        return "–"
    mean = format_value(metric, interval.mean)
    if interval.n < 2:
        return f"{mean} (n={interval.n})"
    return f"{mean} [{format_value(metric, interval.lo)}–{format_value(metric, interval.hi)}]"


def results_table(run: EvalRun) -> Table:
    """Metrics × systems, each cell ``mean [95% CI]``."""
    cases = len(run.info.case_ids)
    table = Table(title=f"eval: {escape(run.info.dataset)} ({cases} cases)", show_lines=False)
    table.add_column("metric")
    for system in run.systems:
        failed = len(run.failures(system))
        header = system if not failed else f"{system} ({failed} failed)"
        table.add_column(escape(header), justify="right")
    for metric in METRICS:
        row = [LABELS[metric]]
        row += [format_interval(metric, run.aggregates[s][metric]) for s in run.systems]
        table.add_row(*row)
    return table


def print_table(run: EvalRun, console: Console) -> None:
    console.print(results_table(run))


def summary_data(run: EvalRun) -> dict[str, Any]:
    """The summary.json document: per system, per metric ``{mean, lo, hi, n}``."""
    return {
        "dataset": run.info.dataset,
        "dataset_sha256": run.info.dataset_sha256,
        "cases": len(run.info.case_ids),
        "judge": run.info.judge,
        "model": run.info.model_name or run.info.model,
        "created": run.info.created,
        "updated": run.info.updated,
        "systems": {
            system: {m: run.aggregates[system][m].model_dump() for m in METRICS}
            for system in run.systems
        },
        "failures": {system: len(run.failures(system)) for system in run.systems},
        "judge_calls": {system: run.judge_calls(system) for system in run.systems},
    }


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def md_escape(text: str) -> str:
    """Model- and page-written text is data: neutralise markdown/HTML in it."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_code(text: str) -> str:
    """Inline code: markdown escapes do not apply inside it, backticks would end it."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def _markdown_table(run: EvalRun) -> list[str]:
    lines = ["| metric | " + " | ".join(md_escape(s) for s in run.systems) + " |"]
    lines.append("|---|" + "---:|" * len(run.systems))
    for metric in METRICS:
        cells = [format_interval(metric, run.aggregates[s][metric]) for s in run.systems]
        lines.append(f"| {LABELS[metric]} | " + " | ".join(cells) + " |")
    return lines


def worst_cases(run: EvalRun, system: str, k: int = 3) -> list[CaseResult]:
    """Lowest citation recall first, then lowest ROUGE-1: where to start reading."""
    ok = [r for r in run.for_system(system) if r.ok]

    def key(r: CaseResult) -> tuple[float, float, str]:
        recall = r.metrics.get("citation_recall")
        rouge1 = r.metrics.get("rouge1")
        return (
            recall if recall is not None else 2.0,
            rouge1 if rouge1 is not None else 2.0,
            r.case_id,
        )

    return sorted(ok, key=key)[:k]


def _settings_lines(run: EvalRun) -> list[str]:
    info = run.info
    lines = [
        f"- dataset: {md_code(info.dataset)} (sha256 {md_code(info.dataset_sha256[:16])}…, "
        f"{len(info.case_ids)} cases{'' if info.limit is None else f', --limit {info.limit}'})",
        f"- systems: {', '.join(info.systems)}",
        f"- model: {info.model_name or info.model or 'embedded default'}; "
        f"base URL: {info.base_url or 'embedded local server'}; mode: {info.mode}",
        f"- judge: {info.judge}, entailed at score ≥ {info.judge_threshold}; "
        f"ALCE max citations per sentence: {info.max_citations}; "
        f"verifier: supported at score ≥ {info.support_threshold}",
        f"- CIs: percentile bootstrap, {info.resamples} resamples, seed {info.seed}",
        f"- created {info.created}, updated {info.updated}",
        "- prompts: " + (", ".join(f"{k}={v}" for k, v in info.prompt_hashes.items()) or "none"),
        "- packages: " + ", ".join(f"{k} {v}" for k, v in info.packages.items()),
    ]
    return lines


def report_markdown(run: EvalRun) -> str:
    """A readable report: settings, the table, what each metric means, worst cases, failures."""
    out = ["# Evaluation report", "", "## Settings", "", *_settings_lines(run), ""]
    out += ["## Results", "", "Mean [95% CI] over cases; ROUGE and rates ×100.", ""]
    out += [*_markdown_table(run), ""]
    out += ["![metrics](metrics.png)", "", "![cost vs quality](cost_quality.png)", ""]
    out += ["## Metrics", ""]
    out += [f"- **{LABELS[m]}** — {NOTES[m]}" for m in METRICS]
    out += ["", "## Worst cases", "", "Lowest citation recall first, then lowest ROUGE-1.", ""]
    for system in run.systems:
        out += [f"### {md_escape(system)}", ""]
        worst = worst_cases(run, system)
        if not worst:
            out += ["No finished cases.", ""]
        for result in worst:
            recall = format_value("citation_recall", result.metrics.get("citation_recall"))
            rouge1 = format_value("rouge1", result.metrics.get("rouge1"))
            out.append(f"- {md_code(result.case_id)} — citation recall {recall}, ROUGE-1 {rouge1}")
            for sentence in result.sentences:
                if sentence.judged.recall:
                    continue
                cites = "".join(f"[{c}]" for c in sentence.citations) or "(uncited)"
                out.append(f"  - unsupported: {md_escape(sentence.text)} {cites}")
        out.append("")
    failures = [r for s in run.systems for r in run.failures(s)]
    out += ["## Failures", ""]
    if not failures:
        out += ["None.", ""]
    else:
        out += ["| case | system | error |", "|---|---|---|"]
        out += [
            f"| {md_escape(r.case_id)} | {md_escape(r.system)} | {md_escape(r.error or '')} |"
            for r in failures
        ]
        out.append("")
    return "\n".join(out)


def write_reports(run: EvalRun) -> None:
    """summary.json, report.md and the plots into the run folder."""
    from summarizer.eval.plots import write_plots

    folder = run.output_dir
    try:
        atomic_write_text(folder / SUMMARY_FILE, dump_json(summary_data(run)), public=True)
        atomic_write_text(folder / REPORT_FILE, report_markdown(run), public=True)
    except OSError as exc:
        raise OutputError(f"cannot write the report into {folder}: {exc.strerror}") from exc
    write_plots(run)
