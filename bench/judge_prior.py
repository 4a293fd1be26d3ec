"""Calibrating the judge by its answer without evidence: P(yes | evidence) against P(yes | none).

    python bench/judge_prior.py [--base-url URL] [--saved bench/results/verifier.json]

Issue 13 lists this lever: a small model says Yes more readily to some claims than to
others whatever the evidence (short, plausible, generic ones), so part of P(yes |
evidence) is the claim, not the evidence. The prior, P(yes) for the same claim with
the evidence "(none)", is one short judge call per sentence (the static system
prompt is a cached prefix); the calibrated judge is

    sigmoid(logit(P(yes | evidence)) - w · logit(P(yes | none)))

with ``w`` on a grid (w = 0 is today's judge). The judge answers with evidence are
those of a saved bench/verifier.py run (its ``items``), so only the priors are asked
of the model (LLM disk cache; re-runs are free). For each ``w``, the report of
bench/verifier.py is recomputed: balanced accuracy of the judge alone and of the full
verifier at thresholds chosen on the other sets, 5-fold CV on the paraphrase set,
and the share of verbatim lead sentences accepted at the threshold fitted on all
labelled sets. ``w`` itself is picked by mean cross-set balanced accuracy of the full
verifier, i.e. on the sets it is not reported for only in the CV column.
Results: bench/results/judge_prior.json.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from verifier import (
    ItemRecord,
    Params,
    bench_settings,
    cross_report,
    cross_validate,
    labelled,
    layer_scores,
    recommend,
    records_of,
)

from summarizer.cache import atomic_write_text
from summarizer.llm import open_llm
from summarizer.settings import Settings
from summarizer.verify.judge import build_judge_messages, judge_prompts

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "bench" / "results" / "verifier.json"
OUT = ROOT / "bench" / "results" / "judge_prior.json"
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
EPS = 1e-4


def logit(p: float) -> float:
    p = min(1 - EPS, max(EPS, p))
    return math.log(p / (1 - p))


def calibrated(judge: float, prior: float, weight: float) -> float:
    if weight == 0:
        return judge
    return round(1 / (1 + math.exp(-(logit(judge) - weight * logit(prior)))), 6)


async def priors(data: dict[str, list[ItemRecord]], settings: Settings) -> dict[str, float]:
    """P(yes | no evidence) for every distinct sentence text."""
    texts = sorted({s.text for records in data.values() for r in records for s in r.sentences})
    out: dict[str, float] = {}
    async with open_llm(settings) as llm:
        for number, text in enumerate(texts, start=1):
            messages = build_judge_messages(text, [])
            out[text] = await llm.yes_probability(messages, prompts=judge_prompts())
            if number % 100 == 0 or number == len(texts):
                print(f"  priors {number}/{len(texts)}", file=sys.stderr, flush=True)
        stats = llm.stats.model_dump()
    print(f"  llm: {stats}", file=sys.stderr)
    return out


def with_weight(
    data: dict[str, list[ItemRecord]], prior: dict[str, float], weight: float
) -> dict[str, list[ItemRecord]]:
    shifted = copy.deepcopy(data)
    for records in shifted.values():
        for record in records:
            for s in record.sentences:
                s.judge = calibrated(s.judge, prior[s.text], weight)
    return shifted


def leads_accepted(data: dict[str, list[ItemRecord]], best: dict[str, Any]) -> float | None:
    if "leads" not in data:
        return None
    params = Params(best["check_scope"], best["check_penalty"], best["lexical_weight"])
    scores = layer_scores(data["leads"], "full", params)
    return round(sum(s >= best["support_threshold"] for s in scores) / len(scores), 4)


def summarise(data: dict[str, list[ItemRecord]]) -> dict[str, Any]:
    cross = cross_report(data)
    best = recommend(data)
    cv = {layer: cross_validate(data["paraphrase"], layer) for layer in ("judge", "full")}
    sets = labelled(data)
    return {
        "cross": {
            name: {layer: cross[name][layer]["balanced_accuracy"] for layer in ("judge", "full")}
            | {"auc_judge": cross[name]["judge"]["roc_auc"]}
            for name in sets
        },
        "mean_cross_full": round(
            sum(cross[n]["full"]["balanced_accuracy"] for n in sets) / len(sets), 4
        ),
        "paraphrase_cv": {
            layer: {k: cv[layer][k] for k in ("balanced_accuracy", "false_rejection")}
            for layer in cv
        },
        "paraphrase_cv_per_kind": cv["full"]["per_kind"],
        "recommended": best,
        "leads_accepted": leads_accepted(data, best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (default: embedded model)")
    parser.add_argument("--saved", type=Path, default=SAVED, help="a bench/verifier.py result")
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    settings = bench_settings(args.base_url)
    data = records_of(saved)
    started = time.perf_counter()
    prior = asyncio.run(priors(data, settings))
    seconds = time.perf_counter() - started
    rows = {str(w): summarise(with_weight(data, prior, w)) for w in WEIGHTS}
    chosen = max(WEIGHTS, key=lambda w: rows[str(w)]["mean_cross_full"])
    result = {
        "command": " ".join(["python", *sys.argv]),
        "saved": str(args.saved),
        "prior_calls_seconds": round(seconds, 1),
        "sentences": len(prior),
        "chosen_weight": chosen,
        "weights": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(result, indent=2) + "\n")
    print(f"{'w':>5} {'SummEval':>9} {'FactCC':>7} {'para':>6} {'mean':>6} {'CV':>6}"
          f" {'CV rej':>7} {'leads':>6}   (full verifier, cross-set thresholds)")  # fmt: skip
    for w, row in rows.items():
        cross = row["cross"]
        cv = row["paraphrase_cv"]["full"]
        print(
            f"{w:>5} {cross['summeval']['full']:>9.3f} {cross['factcc']['full']:>7.3f}"
            f" {cross['paraphrase']['full']:>6.3f} {row['mean_cross_full']:>6.3f}"
            f" {cv['balanced_accuracy']:>6.3f} {cv['false_rejection']:>7.3f}"
            f" {row['leads_accepted'] or 0:>6.3f}"
        )
    print(f"\nchosen w = {chosen}; {len(prior)} priors in {seconds:.0f} s; written {OUT.name}")


if __name__ == "__main__":
    main()
