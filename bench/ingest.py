"""Benchmark the ingest stage: extraction quality and concurrent fetching.

    python bench/ingest.py [--skip-extraction] [--skip-fetch] [--pages 50] [--delay 0.2] [-v]

1. Extraction: our real ``extract_html`` on the article-extraction-benchmark
   sample in ../shared/data/extraction (60 real news pages with hand-checked
   bodies), scored as that benchmark scores it: token 4-gram shingles, precision
   and recall per page. We print its headline F1 (harmonic mean of the mean
   precision and mean recall) and the mean of per-page F1. Target: >= 0.95.
2. Fetching: N pages from local servers that wait ``--delay`` seconds before
   answering each request, ingested one by one (``fetch_concurrency=1``) and
   concurrently. The per-host limit (default 2) is a politeness rule and caps
   what one host can get, so the concurrent runs spread the pages over distinct
   loopback addresses (127.0.0.1, 127.0.0.2, ...), each a separate host, exactly
   as a real list of links to different outlets would be. The single-host row is
   printed too, so the effect of the per-host cap is visible, not hidden.
   Target: concurrent / one-by-one <= 1/8.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import logging
import math
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "extraction"
sys.path.insert(0, str(ROOT / "tests"))  # for the test page server

# The imports below need the path above.
# ruff: noqa: E402

from support.pages import PageServer, Resp, Route, fixture

from summarizer.errors import ExtractionError
from summarizer.ingest import ingest
from summarizer.ingest.extract import decode_body, extract_html
from summarizer.settings import Settings

# ----------------------------------------------------------------- extraction

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The benchmark's shingles: 4-grams of \\w+ tokens (case kept), as a multiset."""
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(
        tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n]
    )


def shingle_scores(true: str, pred: str) -> tuple[float, float, float]:
    """Per-page precision, recall, F1 with the benchmark's edge-case conventions."""
    gold, guess = shingles(true), shingles(pred)
    tp = sum((gold & guess).values())
    fp = sum((guess - gold).values())
    fn = sum((gold - guess).values())
    precision = 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))
    recall = 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bench_extraction(verbose: bool) -> dict[str, Any] | None:
    truth_path = SHARED / "ground-truth.json"
    if not truth_path.exists():
        print(f"SKIP extraction: {SHARED} not found (shared data absent)")
        return None
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    rows = []
    elapsed = 0.0
    # The first call loads dateparser's locale data (~1.5 s, once per process);
    # keep that out of the per-page rate.
    with contextlib.suppress(ExtractionError):
        extract_html((ROOT / "tests" / "fixtures" / "pages" / "harbor-bridge.html").read_text())
    for page_id, gold in truth.items():
        raw = gzip.decompress((SHARED / "html" / f"{page_id}.html.gz").read_bytes())
        started = time.perf_counter()
        try:
            predicted = extract_html(decode_body(raw), gold.get("url"))
            text = predicted.text
        except ExtractionError:
            text = ""
        elapsed += time.perf_counter() - started
        precision, recall, f1 = shingle_scores(gold["articleBody"], text)
        rows.append((f1, precision, recall, page_id[:10], gold.get("url", "")))
    mean_p = statistics.mean(r[1] for r in rows)
    mean_r = statistics.mean(r[2] for r in rows)
    result = {
        "pages": len(rows),
        "precision": mean_p,
        "recall": mean_r,
        "f1_benchmark": 2 * mean_p * mean_r / (mean_p + mean_r),
        "f1_mean": statistics.mean(r[0] for r in rows),
        "pages_per_second": len(rows) / elapsed,
    }
    print(f"\nExtraction quality ({len(rows)} pages from {SHARED})")
    print(f"  {'mean precision':<34}{mean_p:8.3f}")
    print(f"  {'mean recall':<34}{mean_r:8.3f}")
    print(f"  {'F1 (benchmark: from mean P, R)':<34}{result['f1_benchmark']:8.3f}")
    print(f"  {'F1 (mean of per-page F1)':<34}{result['f1_mean']:8.3f}   target >= 0.95")
    print(f"  {'pages / second (extract only)':<34}{result['pages_per_second']:8.1f}")
    worst = sorted(rows)[: 10 if verbose else 3]
    print("  lowest pages:  F1     P      R    url")
    for f1, p, r, _, url in worst:
        print(f"               {f1:.3f}  {p:.3f}  {r:.3f}  {url[:70]}")
    return result


# ----------------------------------------------------------------- fetching


def _pages(count: int) -> list[bytes]:
    """Distinct article pages (text dedupe must not drop any)."""
    base = fixture("harbor-bridge.html").decode("utf-8")
    return [
        base.replace(
            "</article>",
            f"<p>Correction number {i}: an earlier version of this story misstated "
            f"the number of lanes on ramp {i}.</p></article>",
        ).encode("utf-8")
        for i in range(count)
    ]


async def _timed(urls: list[str], settings: Settings) -> float:
    started = time.perf_counter()
    sources = await ingest(urls, settings)
    elapsed = time.perf_counter() - started
    bad = [s for s in sources if not s.ok]
    if bad or len(sources) != len(urls):
        raise SystemExit(f"bench fetch failed: {len(bad)} bad sources, e.g. {bad[:1]}")
    return elapsed


def bench_fetch(count: int, delay: float) -> dict[str, float]:
    pages = _pages(count)
    hosts = min(count, 25)
    servers = [PageServer(f"127.0.0.{k + 1}").start() for k in range(hosts)]
    try:
        single = [
            servers[0].add(f"/one/{i}", Route([Resp(body=body, delay=delay)]))
            for i, body in enumerate(pages)
        ]
        spread = [
            servers[i % hosts].add(f"/many/{i}", Route([Resp(body=body, delay=delay)]))
            for i, body in enumerate(pages)
        ]
        base = Settings(cache=False, allow_private=True)
        serial = base.with_overrides(fetch_concurrency=1, per_host_concurrency=1)
        narrow = base.with_overrides(fetch_concurrency=8)
        limits = f"{base.fetch_concurrency}/{base.per_host_concurrency}"
        # (label, urls, settings, requests in flight at once)
        runs = [
            ("one by one (fetch_concurrency=1)", single, serial, 1),
            (f"concurrent, 1 host (defaults {limits})", single, base, base.per_host_concurrency),
            (f"concurrent, {hosts} hosts (8/2)", spread, narrow, 8),
            (
                f"concurrent, {hosts} hosts (defaults {limits})",
                spread,
                base,
                min(base.fetch_concurrency, hosts * base.per_host_concurrency),
            ),
        ]
        results: dict[str, tuple[float, float]] = {}
        for label, urls, settings, width in runs:
            floor = math.ceil(count / width) / count
            results[label] = (asyncio.run(_timed(urls, settings)), floor)
    finally:
        for server in servers:
            server.stop()
    sequential = results[runs[0][0]][0]
    print(f"\nFetching {count} pages, server delay {delay * 1000:.0f} ms per response")
    print(f"  {'run':<40}{'wall s':>8}{'ratio':>9}{'floor':>9}")
    for label, (seconds, floor) in results.items():
        print(f"  {label:<40}{seconds:8.2f}{seconds / sequential:9.3f}{floor:9.3f}")
    print("  target: ratio <= 0.125 (1/8). floor = ceil(N / in-flight) / N: the best any client")
    print("  could reach on fetch time alone. Wall times include extraction (one at a time).")
    return {label: seconds for label, (seconds, _) in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-extraction", action="store_true")
    parser.add_argument("--skip-fetch", action="store_true")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # keep trafilatura's chatter off the table
    if not args.skip_extraction:
        bench_extraction(args.verbose)
    if not args.skip_fetch:
        bench_fetch(args.pages, args.delay)


if __name__ == "__main__":
    main()
