"""What each support threshold trades: false alarms on honest paraphrase against errors caught.

    python bench/thresholds.py [--saved bench/results/verifier.json] [--out FILE]

No model: it rescores the saved ``bench/verifier.py`` run (its recorded judge answers and
checks) with ``verifier.at_defaults`` over a range of ``support_threshold`` values, and
prints per value the balanced accuracy of each labelled set, the paraphrase set's false
rejection of true claims and the share of each error kind caught, and the share of
verbatim lead sentences judged supported.

It also measures one rule out of sample, for auditing human-written (abstractive) briefs:
"the highest threshold at which at most ``--max-false-rejection`` of the true paraphrase
claims are rejected". Under 5-fold cross-validation by cluster, each fold's threshold is
chosen on the other four folds and applied to it; the pooled held-out verdicts give the
rule's honest figures. The same rule on the whole set gives the value to use.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _paraphrase import folds_of
from verifier import (
    ItemRecord,
    _verdict_summary,
    at_defaults,
    candidate_thresholds,
    default_params,
    labels_of,
    layer_scores,
    records_of,
)

from summarizer.cache import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "bench" / "results" / "verifier.json"
OUT = ROOT / "bench" / "results" / "thresholds.json"
THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9)


def highest_within(scores: Sequence[float], labels: Sequence[int], max_fr: float) -> float:
    """The highest threshold rejecting at most ``max_fr`` of the label-1 scores."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    allowed = [
        t
        for t in candidate_thresholds(scores)
        if sum(s < t for s in positives) <= max_fr * len(positives)
    ]
    return max(allowed)


def cross_validated(
    records: Sequence[ItemRecord], scores: Sequence[float], max_fr: float
) -> dict[str, Any]:
    """The rule's held-out figures: each fold's threshold chosen on the other folds."""
    labels = labels_of(records)
    folds = folds_of(records, lambda r: r.cluster or r.id)  # the verifier bench's folds
    accepted = [False] * len(records)
    chosen = []
    for fold in sorted(set(folds)):
        train = [i for i, f in enumerate(folds) if f != fold]
        threshold = highest_within([scores[i] for i in train], [labels[i] for i in train], max_fr)
        chosen.append(round(threshold, 4))
        for i, f in enumerate(folds):
            if f == fold:
                accepted[i] = scores[i] >= threshold
    return {"fold_thresholds": chosen} | _verdict_summary(records, labels, accepted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saved", type=Path, default=SAVED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--max-false-rejection", type=float, default=0.15)
    args = parser.parse_args()
    data = records_of(json.loads(args.saved.read_text(encoding="utf-8")))
    paraphrase = data["paraphrase"]
    scores = layer_scores(paraphrase, "full", default_params())
    rule = round(highest_within(scores, labels_of(paraphrase), args.max_false_rejection), 4)
    report: dict[str, Any] = {
        "saved": str(
            args.saved.relative_to(ROOT) if args.saved.is_relative_to(ROOT) else args.saved
        ),
        "rows": [at_defaults(data, support_threshold=t) for t in THRESHOLDS],
        "rule": {
            "max_false_rejection": args.max_false_rejection,
            "threshold_on_whole_set": rule,
            "at_that_threshold": at_defaults(data, support_threshold=rule),
            "cross_validated": cross_validated(paraphrase, scores, args.max_false_rejection),
        },
    }
    atomic_write_text(args.out, json.dumps(report, indent=1) + "\n")
    kinds = list(report["rows"][0]["paraphrase"]["per_kind"])
    print("threshold  SummEval FactCC paraphrase  FR    leads  " + " ".join(k[:6] for k in kinds))
    for r in [*report["rows"], report["rule"]["at_that_threshold"]]:
        para = r["paraphrase"]
        cells = " ".join(f"{100 * para['per_kind'][k]['rate']:6.0f}" for k in kinds)
        print(
            f"{r['support_threshold']:<9.4f}  {r['summeval']['balanced_accuracy']:.3f}    "
            f"{r['factcc']['balanced_accuracy']:.3f}  {para['balanced_accuracy']:.3f}      "
            f"{100 * para['false_rejection']:3.0f}%  {100 * r['leads']['supported']:4.0f}%  {cells}"
        )
    cv = report["rule"]["cross_validated"]
    cells = " ".join(f"{100 * cv['per_kind'][k]['rate']:6.0f}" for k in kinds)
    print(
        f"rule (false rejection ≤ {args.max_false_rejection:.0%}) under 5-fold CV by "
        f"cluster, fold thresholds {cv['fold_thresholds']}: balanced accuracy "
        f"{cv['balanced_accuracy']:.3f}, false rejection {100 * cv['false_rejection']:.0f}%"
    )
    print(f"  per kind: {cells}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
