"""A ``summarizer batch`` jobs file from Multi-News clusters, documents as local .txt files.

    python bench/multinews_jobs.py --limit 20 --docs runs/mn20-docs > runs/mn20-jobs.jsonl
    summarizer batch runs/mn20-jobs.jsonl --output runs/mn20-batch

Each cluster's documents are written to ``DOCS/<id>/<n>.txt`` and its job lists
them by absolute path (the jobs file can live anywhere; a Ray cluster needs the
folder on a shared file system). The gold summaries are not part of a job; use
``summarizer eval`` on the same dataset to score against them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "data" / "multi_news" / "validation.jsonl"


def jobs_from(dataset: Path, docs: Path, limit: int) -> list[dict[str, object]]:
    jobs: list[dict[str, object]] = []
    for raw in dataset.read_text(encoding="utf-8").splitlines():
        if len(jobs) >= limit:
            break
        if not raw.strip():
            continue
        cluster = json.loads(raw)
        folder = (docs / str(cluster["id"])).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for n, text in enumerate(cluster["documents"]):
            if not str(text).strip():
                continue
            path = folder / f"{n}.txt"
            path.write_text(str(text), encoding="utf-8")
            paths.append(str(path))
        jobs.append({"id": str(cluster["id"]), "sources": paths})
    return jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument(
        "--docs", type=Path, default=ROOT / "runs" / "multinews-docs", help="folder for the .txt"
    )
    args = parser.parse_args()
    if not args.dataset.is_file():
        print(f"dataset not found: {args.dataset} (is ../shared/data present?)", file=sys.stderr)
        return 2
    for job in jobs_from(args.dataset, args.docs, args.limit):
        sys.stdout.write(json.dumps(job) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
