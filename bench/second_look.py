"""A second, wider look when the judge is borderline: does it pay, and what does it cost?

    python bench/second_look.py [--base-url URL] [--saved bench/results/verifier.json]
                                [--wide 6] [--neighbours 0]

Issue 13 lists this lever. The verifier judges a sentence on the three most relevant
sentences of each cited source; a true paraphrase or fusion can lose because the
sentence that states it was the fourth. The policy measured here: when the first
judgement P(yes) lies in ``[low, HIGH)``, judge again on ``--wide`` sentences per source
and keep the higher of the two answers (a wider look can only add support; the
deterministic checks are unchanged, they read the whole sources by default).

The first looks are those of a saved bench/verifier.py run (its ``items``: SummEval,
FactCC, the paraphrase set, verbatim leads). Only sentences whose first P(yes) lies in
``[MEASURED_LOW, HIGH)`` are asked again, once, at the wide setting (LLM disk cache;
re-runs are free); each ``low`` on the grid is a policy on that measured band
(``low`` = ``None``: never look twice, today). For each policy the report of
bench/verifier.py is recomputed as bench/judge_prior.py does (cross-set balanced
accuracy, paraphrase 5-fold CV, leads), plus balanced accuracy at the shipped defaults
and the cost: the share of sentences looked at twice and the seconds that adds per
sentence (first-run seconds of the wide calls). The policy is picked by mean cross-set
balanced accuracy of the full verifier. Results: bench/results/second_look.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from _rescore import HEAD, NOTE, cells, policy_row, rescored
from verifier import (
    ItemRecord,
    SentenceRecord,
    Timings,
    bench_settings,
    records_of,
    sentence_record,
    sources_of,
)

from summarizer.cache import atomic_write_text
from summarizer.llm import open_llm
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "bench" / "results" / "verifier.json"
OUT = ROOT / "bench" / "results" / "second_look.json"
HIGH = 0.9  # at or above, the first look already accepts (shipped threshold 0.85)
MEASURED_LOW = 0.4
LOWS: tuple[float | None, ...] = (None, 0.8, 0.7, 0.6, 0.5, 0.4)

Wide = dict[str, dict[str, dict[int, SentenceRecord]]]


def borderline(judge: float, low: float | None) -> bool:
    return low is not None and low <= judge < HIGH


async def second_looks(
    saved: dict[str, Any], data: dict[str, list[ItemRecord]], settings: Settings
) -> Wide:
    """The wide judgement of every sentence in the measured band."""
    sources = sources_of(saved)
    todo = [
        (name, record.id, index, sentence)
        for name, records in data.items()
        for record in records
        for index, sentence in enumerate(record.sentences)
        if borderline(sentence.judge, MEASURED_LOW)
    ]
    timings = Timings(settings.home / "bench" / "second_look_timings.json")
    wide: Wide = {}
    async with open_llm(settings) as llm:
        for number, (name, item_id, index, sentence) in enumerate(todo, start=1):
            wide.setdefault(name, {}).setdefault(item_id, {})[index] = await sentence_record(
                sentence.text,
                sources[name][item_id],
                llm,
                settings,
                timings,
                None,
                f"{name}:{item_id}:{index}",
            )
            if number % 10 == 0 or number == len(todo):
                timings.save()
                print(f"  second look: {number}/{len(todo)}", file=sys.stderr, flush=True)
    return wide


def with_policy(
    data: dict[str, list[ItemRecord]], wide: Wide, low: float | None
) -> dict[str, list[ItemRecord]]:
    """``data`` as the verifier would have seen it with a second look below ``HIGH``."""

    def rescore(name: str, item_id: str, index: int, s: SentenceRecord) -> None:
        other = wide.get(name, {}).get(item_id, {}).get(index)
        if other is None or not borderline(s.judge, low) or other.judge <= s.judge:
            return
        s.judge = other.judge
        s.lexical_evidence = other.lexical_evidence
        s.checks_evidence = other.checks_evidence

    return rescored(data, rescore)


def cost(data: dict[str, list[ItemRecord]], wide: Wide, low: float | None) -> dict[str, Any]:
    """Per set: share of sentences judged twice and the wide calls' seconds per sentence."""
    out: dict[str, Any] = {}
    for name, records in data.items():
        total, twice, seconds = 0, 0, 0.0
        for record in records:
            for index, s in enumerate(record.sentences):
                total += 1
                other = wide.get(name, {}).get(record.id, {}).get(index)
                if other is not None and borderline(s.judge, low):
                    twice += 1
                    seconds += other.seconds or 0.0
        out[name] = {
            "looked_twice": round(twice / max(1, total), 4),
            "added_seconds_per_sentence": round(seconds / max(1, total), 3),
        }
    return out


def row(data: dict[str, list[ItemRecord]], wide: Wide, low: float | None) -> dict[str, Any]:
    keys = ("balanced_accuracy", "false_rejection", "supported")
    return policy_row(with_policy(data, wide, low), keys) | {"cost": cost(data, wide, low)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (default: embedded model)")
    parser.add_argument("--saved", type=Path, default=SAVED, help="a bench/verifier.py result")
    parser.add_argument("--wide", type=int, default=6, help="sentences per source, second look")
    parser.add_argument("--neighbours", type=int, default=0, help="passages before each one")
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    first = saved["settings"]
    if (
        args.wide <= first["evidence_per_source"]
        and args.neighbours <= first["evidence_neighbours"]
    ):
        sys.exit(f"--wide {args.wide} is no wider than the saved run's {first}")
    settings = bench_settings(
        args.base_url, evidence_per_source=args.wide, evidence_neighbours=args.neighbours
    )
    data = records_of(saved)
    started = time.perf_counter()
    wide = asyncio.run(second_looks(saved, data, settings))
    seconds = time.perf_counter() - started
    rows = {str(low): row(data, wide, low) for low in LOWS}
    chosen = max(LOWS, key=lambda low: rows[str(low)]["mean_cross_full"])
    result = {
        "command": " ".join(["python", *sys.argv]),
        "saved": str(args.saved),
        "first_look": first,
        "second_look": {"evidence_per_source": args.wide, "evidence_neighbours": args.neighbours},
        "band": [MEASURED_LOW, HIGH],
        "second_look_seconds": round(seconds, 1),
        "sentences_looked_twice": sum(len(v) for items in wide.values() for v in items.values()),
        "chosen_low": chosen,
        "policies": rows,
        "wide": {
            name: {item: {str(i): asdict(r) for i, r in per.items()} for item, per in items.items()}
            for name, items in wide.items()
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(result, indent=2) + "\n")
    print(f"{'low':>5} {HEAD} {'twice':>6} {'+s/sent':>7}{NOTE}")
    for low, r in rows.items():
        twice = r["cost"]["paraphrase"]
        print(
            f"{low:>5} {cells(r)}"
            f" {twice['looked_twice']:>6.2f} {twice['added_seconds_per_sentence']:>7.2f}"
        )
    print(f"\nchosen low = {chosen}; {result['sentences_looked_twice']} second looks in"
          f" {seconds:.0f} s; written {OUT.name}")  # fmt: skip


if __name__ == "__main__":
    main()
