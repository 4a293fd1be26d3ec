"""Compare two runs: per system and metric, the paired delta B − A and its significance.

Only cases both runs finished count, paired by case ID, so a prompt change is
judged on the same clusters. The paired bootstrap gives a 95% CI of the mean
delta and a two-sided p-value; with a few dozen cases, small deltas are noise,
and the report says so instead of letting a 0.4-point gain look like progress.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from rich.markup import escape
from rich.table import Table

from summarizer.eval.records import CaseResult, EvalRun
from summarizer.eval.report import (
    HIGHER_IS_BETTER,
    LABELS,
    PERCENT_METRICS,
    format_value,
    md_code,
    md_escape,
)
from summarizer.eval.scoring import METRICS
from summarizer.eval.stats import DEFAULT_RESAMPLES, DEFAULT_SEED, PairedDelta, paired_bootstrap

ALPHA = 0.05


class SystemComparison(BaseModel):
    system: str
    cases: int = Field(description="Cases finished by the system in both runs.")
    deltas: dict[str, PairedDelta]


class Comparison(BaseModel):
    run_a: str
    run_b: str
    systems: list[SystemComparison]
    only_a: list[str] = Field(default_factory=list, description="Systems only run A has.")
    only_b: list[str] = Field(default_factory=list)


def _by_case(results: list[CaseResult]) -> dict[str, CaseResult]:
    return {r.case_id: r for r in results if r.ok}


def _paired(
    ra: dict[str, CaseResult], rb: dict[str, CaseResult], resamples: int, seed: int
) -> dict[str, PairedDelta]:
    """Per metric, the paired bootstrap of b − a over the cases both finished."""
    shared = [cid for cid in ra if cid in rb]
    deltas = {}
    for metric in METRICS:
        pairs = [
            (va, vb)
            for cid in shared
            if (va := ra[cid].metrics.get(metric)) is not None
            and (vb := rb[cid].metrics.get(metric)) is not None
        ]
        deltas[metric] = paired_bootstrap(
            [p[0] for p in pairs], [p[1] for p in pairs], resamples=resamples, seed=seed
        )
    return deltas


def compare_runs_data(
    a: EvalRun, b: EvalRun, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> Comparison:
    """Paired per-metric deltas for every system present in both runs."""
    systems = [s for s in a.systems if s in b.systems]
    compared = []
    for system in systems:
        ra, rb = _by_case(a.for_system(system)), _by_case(b.for_system(system))
        shared = sum(1 for cid in ra if cid in rb)
        deltas = _paired(ra, rb, resamples, seed)
        compared.append(SystemComparison(system=system, cases=shared, deltas=deltas))
    return Comparison(
        run_a=str(a.output_dir),
        run_b=str(b.output_dir),
        systems=compared,
        only_a=[s for s in a.systems if s not in b.systems],
        only_b=[s for s in b.systems if s not in a.systems],
    )


def compare_systems(
    run: EvalRun,
    anchor: str,
    other: str,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> SystemComparison:
    """Paired per-metric deltas ``other`` − ``anchor`` between two systems of one run."""
    ra, rb = _by_case(run.for_system(anchor)), _by_case(run.for_system(other))
    shared = sum(1 for cid in ra if cid in rb)
    return SystemComparison(system=other, cases=shared, deltas=_paired(ra, rb, resamples, seed))


def compare(run_a_dir: Path, run_b_dir: Path) -> Comparison:
    """Load two run folders and compare them."""
    from summarizer.eval.runner import load_run

    return compare_runs_data(load_run(run_a_dir), load_run(run_b_dir))


def _delta_text(metric: str, d: PairedDelta) -> str:
    if d.delta is None:
        return "–"
    scale = 100.0 if metric in PERCENT_METRICS else 1.0
    sign = "+" if d.delta >= 0 else ""
    text = f"{sign}{d.delta * scale:.2f}"
    if d.lo is not None and d.hi is not None:
        text += f" [{d.lo * scale:.2f}, {d.hi * scale:.2f}]"
    return text


def verdict(metric: str, d: PairedDelta) -> str:
    """'better' / 'worse' when significant at 5%, else 'n.s.'; cost metrics: 'more' / 'less'."""
    if d.delta is None or d.p_value is None or d.p_value >= ALPHA or d.delta == 0:
        return "n.s."
    if metric in HIGHER_IS_BETTER:
        return "better" if d.delta > 0 else "worse"
    return "more" if d.delta > 0 else "less"


def comparison_table(comparison: Comparison) -> Table:
    table = Table(
        title=f"B − A  (A = {escape(comparison.run_a)}, B = {escape(comparison.run_b)})",
        show_lines=False,
    )
    for column, justify in (
        ("system", "left"), ("metric", "left"), ("A", "right"), ("B", "right"),
        ("Δ [95% CI]", "right"), ("p", "right"), ("", "left"),
    ):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for sc in comparison.systems:
        for metric in METRICS:
            d = sc.deltas[metric]
            table.add_row(
                escape(sc.system), LABELS[metric], format_value(metric, d.a),
                format_value(metric, d.b), _delta_text(metric, d),
                "–" if d.p_value is None else f"{d.p_value:.3f}", verdict(metric, d),
            )  # fmt: skip
        table.add_section()
    return table


def comparison_markdown(comparison: Comparison) -> str:
    lines = [
        "# Run comparison",
        "",
        f"A = {md_code(comparison.run_a)}, B = {md_code(comparison.run_b)}. Paired bootstrap "
        "over cases both runs finished; Δ = B − A (ROUGE and rates ×100), 95% CI, two-sided p.",
        "",
        "| system | metric | n | A | B | Δ [95% CI] | p | |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for sc in comparison.systems:
        for metric in METRICS:
            d = sc.deltas[metric]
            cells = [
                md_escape(sc.system), LABELS[metric], str(d.n), format_value(metric, d.a),
                format_value(metric, d.b), _delta_text(metric, d),
                "–" if d.p_value is None else f"{d.p_value:.3f}", verdict(metric, d),
            ]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    for label, names in (("Only in A", comparison.only_a), ("Only in B", comparison.only_b)):
        if names:
            lines += ["", f"{label}: {', '.join(md_escape(n) for n in names)}"]
    return "\n".join(lines) + "\n"
