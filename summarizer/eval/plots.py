"""PNG plots of a run (matplotlib, headless Agg backend).

``metrics.png``: quality metrics per system with 95% CI error bars.
``cost_quality.png``: seconds per case (log scale) against ROUGE-1 and citation
recall, one point per system: is the quality worth what it costs?
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from summarizer.errors import OutputError
from summarizer.eval.records import EvalRun
from summarizer.eval.stats import Interval

logger = logging.getLogger(__name__)

QUALITY = ("rouge1", "rouge2", "rougeL", "citation_recall", "citation_precision", "uncited_rate")
QUALITY_LABELS = ("R-1", "R-2", "R-L", "cite rec.", "cite prec.", "uncited")
MIN_SECONDS = 1e-3  # log axis floor for systems that take ~no time


def _errors(intervals: list[Interval]) -> tuple[list[float], list[list[float]]]:
    means = [100 * (i.mean or 0.0) for i in intervals]
    lows = [
        max(0.0, 100 * ((i.mean or 0.0) - (i.lo if i.lo is not None else i.mean or 0.0)))
        for i in intervals
    ]
    highs = [
        max(0.0, 100 * ((i.hi if i.hi is not None else i.mean or 0.0) - (i.mean or 0.0)))
        for i in intervals
    ]
    return means, [lows, highs]


def metrics_figure(run: EvalRun) -> Figure:
    systems = run.systems
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(QUALITY) + 1), 4.0), dpi=100)
    width = 0.8 / max(1, len(systems))
    for k, system in enumerate(systems):
        intervals = [run.aggregates[system][m] for m in QUALITY]
        means, err = _errors(intervals)
        xs = [i + (k - (len(systems) - 1) / 2) * width for i in range(len(QUALITY))]
        ax.bar(xs, means, width, yerr=err, capsize=3, label=system)
    ax.set_xticks(range(len(QUALITY)), QUALITY_LABELS)
    ax.set_ylabel("score ×100 (mean, 95% CI)")
    ax.set_ylim(0, 105)
    ax.set_title(f"{Path(run.info.dataset).name}: {len(run.info.case_ids)} cases")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def cost_quality_figure(run: EvalRun) -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.0), dpi=100)
    for ax, metric, label in zip(
        axes,
        ("rouge1", "citation_recall"),
        ("ROUGE-1 F1 ×100", "citation recall ×100"),
        strict=True,
    ):
        for system in run.systems:
            seconds = run.aggregates[system]["seconds"]
            quality = run.aggregates[system][metric]
            if seconds.mean is None or quality.mean is None:
                continue
            x = max(seconds.mean, MIN_SECONDS)
            xerr: Any = [
                [max(0.0, x - max(seconds.lo or x, MIN_SECONDS))],
                [max(0.0, max(seconds.hi or x, MIN_SECONDS) - x)],
            ]
            (y,), yerr = _errors([quality])
            ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", capsize=3, label=system)
            ax.annotate(system, (x, y), textcoords="offset points", xytext=(5, 5), fontsize="small")
        ax.set_xscale("log")
        ax.set_xlabel("seconds per case (log)")
        ax.set_ylabel(label)
        ax.set_ylim(0, 105)
    fig.suptitle("cost vs quality")
    fig.tight_layout()
    return fig


def _save(fig: Figure, path: Path) -> None:
    """Render to a temp file and rename, so a crash never leaves half a PNG."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        plt.close(fig)


def write_plots(run: EvalRun) -> list[Path]:
    """Write metrics.png and cost_quality.png into the run folder; return their paths."""
    run.output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in (("metrics.png", metrics_figure), ("cost_quality.png", cost_quality_figure)):
        path = run.output_dir / name
        _save(build(run), path)
        written.append(path)
    return written
