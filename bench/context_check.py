"""What the context and certainty checks buy, and how their two constants were chosen.

    python bench/context_check.py [--saved bench/results/verifier.json] [--out FILE]

No model: it rescores the saved ``bench/verifier.py`` run (its recorded judge answers)
with the deterministic checks recomputed over the whole cited sources (the shipped
``check_scope``), once without the two checks, once with each, and over a grid of the
context check's ``MIN_GAP`` × ``MIN_BEST``. Per row: the balanced accuracy of each
labelled set at the shipped threshold and at the audit threshold (``--threshold``, the
README's value for human-written briefs), the paraphrase set's balanced accuracy under
the 5-fold audit rule of ``bench/thresholds.py``, the share of true claims (label 1 of
all three sets) and verbatim lead sentences each check fails, and the share of each
error kind the checks alone catch. Then the three levers added after the grid, one at
a time on top of each other: years placed by the context check ("in early 2012" where
the article says 2013 and has 2012 elsewhere), certainty words looked up in the
passages that state the clause rather than anywhere ("all" from "In all, ..."), and
hedges dropped from the restated sentence ("might have violated" → "violated").

The constants are chosen on the paraphrase validation set (the only set with swapped
names and figures inside one article); SummEval, FactCC and the lead sentences are the
data they were not chosen on, where a false alarm would show.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from thresholds import cross_validated
from verifier import (
    SETS,
    ItemRecord,
    at_defaults,
    default_params,
    layer_scores,
    records_of,
    sources_of,
)

from summarizer.cache import atomic_write_text
from summarizer.models import Check
from summarizer.verify.checks import KINDS, run_checks
from summarizer.verify.checks import certainty as certainty_module
from summarizer.verify.checks import context as context_module

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "bench" / "results" / "verifier.json"
OUT = ROOT / "bench" / "results" / "context_check.json"
GAPS = (0.2, 0.25, 0.3, 0.4)
BESTS = (0.4, 0.5, 0.6)
NEW = ("context", "certainty")


def recheck(saved: dict[str, Any], kinds: Iterable[str]) -> dict[str, list[ItemRecord]]:
    """The saved run's records with ``checks_sources`` recomputed for ``kinds`` only."""
    wanted = tuple(kinds)
    sources = sources_of(saved)
    items = json.loads(json.dumps(saved["items"]))  # a deep copy to rewrite
    for name, records in items.items():
        for item in records:
            document = "\n".join(s.text for s in sources[name][item["id"]])
            for s in item["sentences"]:
                checks = run_checks(s["text"], document, kinds=wanted)
                s["checks_sources"] = [c.model_dump() for c in checks]
    return records_of({"items": items})


def _fails(records: Iterable[ItemRecord], *kinds: str) -> float:
    """Share of items with a sentence failing a check of one of ``kinds``."""
    flags = [
        any(
            not Check.model_validate(c).passed and c["kind"] in kinds
            for s in r.sentences
            for c in s.checks_sources
        )
        for r in records
    ]
    return round(sum(flags) / max(1, len(flags)), 4)


def row(label: str, data: dict[str, list[ItemRecord]], audit: float) -> dict[str, Any]:
    paraphrase = data["paraphrase"]
    scores = layer_scores(paraphrase, "full", default_params())
    shipped = at_defaults(data)
    audited = at_defaults(data, support_threshold=audit)
    true_items = [r for name in SETS[:3] for r in data[name] if r.label == 1]
    by_kind: dict[str, list[ItemRecord]] = {}
    for r in paraphrase:
        by_kind.setdefault(r.kind or "", []).append(r)
    return {
        "label": label,
        "shipped": {n: shipped[n]["balanced_accuracy"] for n in SETS[:3]},
        "audit": {n: audited[n]["balanced_accuracy"] for n in SETS[:3]},
        "audit_false_rejection": audited["paraphrase"]["false_rejection"],
        "cv_rule": cross_validated(paraphrase, scores, 0.15)["balanced_accuracy"],
        "false_alarms": {k: _fails(true_items, k) for k in NEW},
        "lead_alarms": {k: _fails(data["leads"], k) for k in NEW},
        "caught_by_checks": {
            kind: {k: _fails(records, k) for k in NEW} | {"either": _fails(records, *NEW)}
            for kind, records in by_kind.items()
            if kind not in ("paraphrase", "fusion")
        },
    }


def seconds_per_sentence(saved: dict[str, Any]) -> dict[str, float]:
    """Mean seconds of the two checks per paraphrase-set sentence: with the cited sources
    split into passages first (cold, as for a brief's first sentence) and after (warm)."""
    sources = sources_of(saved)
    cold: list[float] = []
    warm: list[float] = []
    for item in saved["items"]["paraphrase"]:
        document = "\n".join(s.text for s in sources["paraphrase"][item["id"]])
        for s in item["sentences"]:
            for times in (cold, warm):
                if times is cold:
                    context_module.passages.cache_clear()
                started = time.perf_counter()
                run_checks(s["text"], document, kinds=NEW)
                times.append(time.perf_counter() - started)
    return {"cold": round(sum(cold) / len(cold), 5), "warm": round(sum(warm) / len(warm), 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saved", type=Path, default=SAVED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--threshold", type=float, default=0.695, help="audit threshold")
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    # Every row re-reads the same documents: keep all their passages, not the last 16.
    context_module.passages = functools.cache(context_module.passages.__wrapped__)
    cost = seconds_per_sentence(saved)
    started = time.perf_counter()
    old = [k for k in KINDS if k not in NEW]
    rows = [
        row("without both", recheck(saved, old), args.threshold),
        row("+ certainty", recheck(saved, [*old, "certainty"]), args.threshold),
    ]
    # The three levers added after the grid was run, one at a time (stop 31).
    with_years, local, hedges = (
        context_module.dates_in,
        certainty_module.LOCAL_MIN,
        certainty_module._dropped_hedges,
    )
    context_module.dates_in = lambda *_, **__: {}  # type: ignore[assignment]
    certainty_module.LOCAL_MIN = 2.0  # never: a certainty word may be anywhere
    certainty_module._dropped_hedges = lambda *_: (False, [])  # type: ignore[assignment]
    rows.append(row("levers: before (stop 30)", recheck(saved, KINDS), args.threshold))
    context_module.dates_in = with_years
    rows.append(row("  + years placed by context", recheck(saved, KINDS), args.threshold))
    certainty_module.LOCAL_MIN = local
    rows.append(row("  + certainty where stated", recheck(saved, KINDS), args.threshold))
    certainty_module._dropped_hedges = hedges
    rows.append(row("  + dropped hedges (shipped)", recheck(saved, KINDS), args.threshold))
    shipped = (context_module.MIN_GAP, context_module.MIN_BEST)
    for gap in GAPS:
        for best in BESTS:
            context_module.MIN_GAP, context_module.MIN_BEST = gap, best
            label = f"+ both, gap {gap} best {best}"
            label += " (shipped)" if (gap, best) == shipped else ""
            rows.append(row(label, recheck(saved, KINDS), args.threshold))
    context_module.MIN_GAP, context_module.MIN_BEST = shipped
    where = args.saved.relative_to(ROOT) if args.saved.is_relative_to(ROOT) else args.saved
    report = {
        "saved": str(where),
        "audit_threshold": args.threshold,
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_per_sentence": cost,
        "rows": rows,
    }
    atomic_write_text(args.out, json.dumps(report, indent=1) + "\n")
    print(
        f"{'':34} {'at 0.85: SE  FCC  para':>22}  {'at audit: SE  FCC  para  FR':>28}  "
        f"{'CV rule':>7}  false alarms (true / leads)  caught by checks: number entity "
        "overst addition date role"
    )
    for r in rows:
        s, a, caught = r["shipped"], r["audit"], r["caught_by_checks"]
        alarms = "  ".join(
            f"{k[:4]} {100 * r['false_alarms'][k]:.1f}/{100 * r['lead_alarms'][k]:.1f}%"
            for k in NEW
        )
        caught_cells = " ".join(
            f"{100 * caught[k]['either']:5.0f}"
            for k in ("number", "entity", "overstatement", "addition", "date", "role")
        )
        print(
            f"{r['label']:34} {s['summeval']:.3f} {s['factcc']:.3f} {s['paraphrase']:.3f}  "
            f"   {a['summeval']:.3f} {a['factcc']:.3f} {a['paraphrase']:.3f} "
            f"{100 * r['audit_false_rejection']:3.0f}%  {r['cv_rule']:.3f}  "
            f"{alarms}  {caught_cells}"
        )
    print(
        f"seconds per sentence for the two checks: {cost['cold']:.4f} with the sources split "
        f"first, {cost['warm']:.4f} after"
    )
    print(f"wrote {args.out} ({report['seconds']} s)")


if __name__ == "__main__":
    main()
