"""The abstractive side of bench/verifier.py: the paraphrase set and verbatim lead sentences.

- ``paraphrase`` (``../shared/data/paraphrase/validation.jsonl``): one claim per item over a
  Multi-News cluster, cited to one or two of its documents; label 1 = paraphrase or fusion,
  label 0 = a minimal edit of one of eight kinds. Scored like the SummaC sets, plus a table
  per kind and 5-fold cross-validation grouped by cluster (a claim and its corruptions are
  never split across folds).
- ``leads``: the lead baseline's verbatim sentences on the first N Multi-News clusters,
  each cited to its own source: all true, so the figure is the share judged supported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from summarizer.eval.baselines import lead_baseline
from summarizer.ingest import make_source
from summarizer.models import Source
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PARAPHRASE = ROOT.parent / "shared" / "data" / "paraphrase" / "validation.jsonl"
MULTI_NEWS = ROOT.parent / "shared" / "data" / "multi_news" / "validation.jsonl"
KINDS = ("paraphrase", "fusion", "number", "date", "entity", "negation", "role", "addition",
         "overstatement", "wrong_citation")  # fmt: skip
FOLDS = 5


def load_paraphrase(limit: int | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in PARAPHRASE.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r.get("claim")]
    return rows[:limit] if limit else rows


def cited_sources(item: dict[str, Any]) -> list[Source]:
    """The item's cited documents as sources, with their IDs in the cluster."""
    return [make_source(i, item["documents"][i]) for i in item["citations"]]


def cluster_sources(clusters: int) -> dict[str, list[Source]]:
    """The usable sources of the first Multi-News clusters, by cluster ID."""
    out: dict[str, list[Source]] = {}
    for line in MULTI_NEWS.read_text(encoding="utf-8").splitlines()[:clusters]:
        case = json.loads(line)
        sources = [make_source(i, d) for i, d in enumerate(case["documents"]) if d.strip()]
        out[case["id"]] = [s for s in sources if s.ok]
    return out


def lead_claims(clusters: int) -> list[tuple[str, str, Source]]:
    """(id, sentence, its source) for the lead baseline's sentences on the first clusters."""
    out: list[tuple[str, str, Source]] = []
    for case_id, sources in cluster_sources(clusters).items():
        summary = lead_baseline(sources, Settings())
        by_id = {s.id: s for s in sources}
        for n, sentence in enumerate(summary.sentences):
            out.append((f"{case_id}:{n}", sentence.text, by_id[sentence.citations[0]]))
    return out


def source_of_lead(sources: Sequence[Source], sentence: str) -> Source:
    """The source a saved verbatim lead sentence was taken from.

    Found by its text, not by its index, so a saved run stays re-checkable after the
    lead baseline changes which sentences it picks.
    """
    squeeze = " ".join(sentence.split())
    for source in sources:
        if squeeze in " ".join(source.text.split()):
            return source
    raise LookupError(f"no source of the cluster holds {sentence[:60]!r}")


def folds_of(records: Sequence[Any], cluster: Callable[[Any], str]) -> list[int]:
    """A fold per record: clusters in sorted order dealt round-robin into FOLDS folds."""
    clusters = sorted({cluster(r) for r in records})
    fold = {c: i % FOLDS for i, c in enumerate(clusters)}
    return [fold[cluster(r)] for r in records]


def per_kind(
    kinds: Sequence[str], labels: Sequence[int], accepted: Sequence[bool]
) -> dict[str, Any]:
    """Per kind: label-1 kinds report the share accepted, label-0 kinds the share caught."""
    table: dict[str, Any] = {}
    for kind in KINDS:
        rows = [(y, a) for k, y, a in zip(kinds, labels, accepted, strict=True) if k == kind]
        if not rows:
            continue
        true_claims = rows[0][0] == 1
        hits = sum(1 for _, a in rows if a == true_claims)
        table[kind] = {
            "n": len(rows),
            "measure": "accepted" if true_claims else "caught",
            "rate": round(hits / len(rows), 4),
        }
    return table
