"""Compound sentences split into facts, each judged: does it pay, and what does it cost?

    python bench/atomic_facts.py [--base-url URL] [--saved bench/results/verifier.json]

Issue 13 lists this lever: "compound sentences split into atomic facts, each judged,
the sentence scored by its weakest fact (measure the cost)". A fusion of two sources
("A said X, and B says Y") asks the 1.5B judge two things at once, and it mostly says
no (fusions accepted 21% at the defaults). The split is deterministic
(``bench/_facts.py``: clause boundaries marked by a semicolon, a comma and a
conjunction, a leading subordinate clause, a relative clause after a name); each part
is judged like a sentence, on the evidence retrieved for it from the same cited sources.

The whole-sentence judgements are those of a saved bench/verifier.py run (its
``items``); only sentences that split are asked again, once per part (LLM disk cache;
re-runs are free). Policies for a split sentence's judge score (checks unchanged, they
read the whole sentence):

* ``sentence``: the whole sentence's P(yes) (today);
* ``weakest``: the lowest P(yes) of its parts;
* ``either``: the higher of the two (a sentence is supported whole or part by part);
* ``both``: the lower of the two.

For each policy the report of bench/verifier.py is recomputed as bench/second_look.py
does (cross-set balanced accuracy, paraphrase 5-fold CV, balanced accuracy at the
shipped defaults, per kind, leads) with the cost: the share of sentences split and
the seconds their parts add per sentence (first-run seconds). The policy is picked by
mean cross-set balanced accuracy of the full verifier. Results:
bench/results/atomic_facts.json.
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

from _facts import facts_of
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
OUT = ROOT / "bench" / "results" / "atomic_facts.json"
POLICIES = ("sentence", "weakest", "either", "both")

Parts = dict[str, dict[str, dict[int, list[SentenceRecord]]]]


async def judge_parts(
    saved: dict[str, Any], data: dict[str, list[ItemRecord]], settings: Settings
) -> Parts:
    """Every part of every sentence that splits, judged on its own evidence."""
    sources = sources_of(saved)
    todo = [
        (name, record.id, index, facts)
        for name, records in data.items()
        for record in records
        for index, sentence in enumerate(record.sentences)
        if not sentence.verbatim and len(facts := facts_of(sentence.text)) > 1
    ]
    timings = Timings(settings.home / "bench" / "atomic_facts_timings.json")
    parts: Parts = {}
    async with open_llm(settings) as llm:
        for number, (name, item_id, index, facts) in enumerate(todo, start=1):
            parts.setdefault(name, {}).setdefault(item_id, {})[index] = [
                await sentence_record(
                    fact,
                    sources[name][item_id],
                    llm,
                    settings,
                    timings,
                    None,
                    f"{name}:{item_id}:{index}:{k}",
                )
                for k, fact in enumerate(facts)
            ]
            if number % 10 == 0 or number == len(todo):
                timings.save()
                print(f"  split sentences: {number}/{len(todo)}", file=sys.stderr, flush=True)
    return parts


def _score(policy: str, whole: float, parts: list[SentenceRecord]) -> float:
    weakest = min(p.judge for p in parts)
    if policy == "weakest":
        return weakest
    if policy == "either":
        return max(whole, weakest)
    if policy == "both":
        return min(whole, weakest)
    return whole


def with_policy(
    data: dict[str, list[ItemRecord]], parts: Parts, policy: str
) -> dict[str, list[ItemRecord]]:
    """``data`` as the verifier would have seen it under ``policy``."""

    def rescore(name: str, item_id: str, index: int, s: SentenceRecord) -> None:
        split = parts.get(name, {}).get(item_id, {}).get(index)
        if split:
            s.judge = _score(policy, s.judge, split)

    return rescored(data, rescore)


def cost(data: dict[str, list[ItemRecord]], parts: Parts) -> dict[str, Any]:
    """Per set: share of sentences split, parts per split sentence, added seconds."""
    out: dict[str, Any] = {}
    for name, records in data.items():
        total = sum(len(r.sentences) for r in records)
        split = [p for per in parts.get(name, {}).values() for p in per.values()]
        seconds = sum(r.seconds or 0.0 for p in split for r in p)
        out[name] = {
            "split": round(len(split) / max(1, total), 4),
            "parts_per_split": round(sum(len(p) for p in split) / max(1, len(split)), 2),
            "added_seconds_per_sentence": round(seconds / max(1, total), 3),
        }
    return out


def row(data: dict[str, list[ItemRecord]], parts: Parts, policy: str) -> dict[str, Any]:
    keys = ("balanced_accuracy", "false_rejection", "supported", "per_kind")
    return policy_row(with_policy(data, parts, policy), keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (default: embedded model)")
    parser.add_argument("--saved", type=Path, default=SAVED, help="a bench/verifier.py result")
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    first = saved["settings"]
    settings = bench_settings(
        args.base_url,
        evidence_per_source=first["evidence_per_source"],
        evidence_neighbours=first["evidence_neighbours"],
    )
    data = records_of(saved)
    started = time.perf_counter()
    parts = asyncio.run(judge_parts(saved, data, settings))
    seconds = time.perf_counter() - started
    rows = {policy: row(data, parts, policy) for policy in POLICIES}
    chosen = max(POLICIES, key=lambda p: rows[p]["mean_cross_full"])
    result = {
        "command": " ".join(["python", *sys.argv]),
        "saved": str(args.saved),
        "settings": first,
        "parts_seconds": round(seconds, 1),
        "cost": cost(data, parts),
        "chosen_policy": chosen,
        "policies": rows,
        "parts": {
            name: {
                item: {str(i): [asdict(r) for r in p] for i, p in per.items()}
                for item, per in items.items()
            }
            for name, items in parts.items()
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(result, indent=2) + "\n")
    print(f"{'policy':>9} {HEAD}{NOTE}")
    for policy, r in rows.items():
        print(f"{policy:>9} {cells(r)}")
    for name, c in result["cost"].items():
        print(f"  {name}: {c['split']:.0%} of sentences split, {c['parts_per_split']} parts each,"
              f" +{c['added_seconds_per_sentence']:.2f} s per sentence")  # fmt: skip
    print(f"\nchosen policy = {chosen}; parts judged in {seconds:.0f} s; written {OUT.name}")


if __name__ == "__main__":
    main()
