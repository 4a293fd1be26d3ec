"""Benchmark the verifier on SummaC (SummEval, FactCC) and on abstractive paraphrases.

    python bench/verifier.py [--base-url http://127.0.0.1:8077/v1] [--limit N] [--leads 20]

Sets: ``summeval`` and ``factcc`` (near-copy claims of CNN/DailyMail), ``paraphrase``
(abstractive claims over Multi-News clusters, eight kinds of minimal error; see
bench/_paraphrase.py: a table per kind and 5-fold cross-validation grouped by
cluster) and ``leads`` (verbatim lead-baseline sentences: the share judged supported).

Each item is (document, claim, label: 1 = consistent). The document is one cited
source; the claim is split into sentences (SummEval claims are whole summaries),
each sentence is assessed by the verifier's layers, and an item's score per layer
is the minimum over its sentences (a summary is as good as its worst sentence).

Reported per set, for each layer alone and for the full verifier:
- ROC AUC (threshold-free) and balanced accuracy at a threshold chosen on the
  OTHER set (cross: pick on SummEval → report on FactCC, and vice versa), so
  no number is tuned on the data it is reported for;
- the full verifier's free parameters (check scope, check penalty, lexical
  weight) are chosen on the other set too;
- seconds per summary sentence (uncached judge calls only) and judge prompt
  tokens per sentence against tokens of the whole cited document.

The recommended settings printed at the end maximise the mean balanced accuracy
of the three labelled sets at one common threshold: for the full verifier (``support_threshold``
and its weights) and for the judge alone (``judge_threshold``, what the eval's
citation metrics use); ``defaults`` scores the shipped settings. Judge calls go
through the LLM disk cache (``$SUMMARIZER_HOME/cache``), so re-runs are cheap;
first-run timings and token counts are kept beside it in
``$SUMMARIZER_HOME/bench/verifier_timings.json``.

Without ``--base-url`` the embedded local model is started (summarizer.llm.open_llm).
Results: bench/results/verifier.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _paraphrase import (
    cited_sources,
    cluster_sources,
    folds_of,
    lead_claims,
    load_paraphrase,
    per_kind,
    source_of_lead,
)
from _tokens import ChatTokens, whole_documents

from summarizer.cache import atomic_write_text
from summarizer.draft.context import estimate_tokens
from summarizer.ingest import make_source
from summarizer.ingest.segment import segment
from summarizer.llm import LLM, open_llm
from summarizer.models import Check, Source
from summarizer.settings import Settings
from summarizer.text.lexical import coverage
from summarizer.verify.checks import failed, run_checks
from summarizer.verify.evidence import evidence_text, joint_evidence
from summarizer.verify.judge import build_judge_messages, judge_prompts
from summarizer.verify.verifier import assess, combine, verbatim_span

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "summac"
OUT = ROOT / "bench" / "results" / "verifier.json"
SETS = ("summeval", "factcc", "paraphrase")
LABELLED = SETS  # ``leads`` has no negatives: reported apart

# Grids in order of preference: on a tie the earlier value wins. Ties are
# common (a failed check rarely meets a score near the threshold), and then we
# prefer checks that still bite (penalty 0.3) over the whole cited source (fewer
# false alarms than one evidence window) to whichever value happens to come first.
PENALTIES = (0.3, 0.5, 0.7, 1.0, 0.2, 0.1, 0.0)
LEXICAL_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
SCOPES = ("sources", "evidence")
# Differences in mean balanced accuracy below half a point are ties (the sets have 37-60
# negatives each: one item moves a set's BA by 1-1.5 points), and on a tie the earlier
# grid value wins: checks that bite (penalty 0.3) and no overlap weight.
TIE = 0.005


# -- data ---------------------------------------------------------------------------------------
@dataclass
class SentenceRecord:
    text: str
    judge: float
    lexical_evidence: float
    lexical_document: float
    checks_evidence: list[dict[str, Any]]
    checks_sources: list[dict[str, Any]]
    seconds: float | None
    prompt_tokens: int | None
    evidence_chars: int
    whole_prompt_tokens: int | None = None
    verbatim: bool = False  # a cited source's sentence word for word: the verifier skips the judge


@dataclass
class ItemRecord:
    id: str
    label: int
    document_tokens: int
    sentences: list[SentenceRecord] = field(default_factory=list)
    kind: str = ""
    cluster: str = ""


def load(name: str, limit: int | None) -> list[tuple[str, dict[str, Any]]]:
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    items = sorted(data.items())
    return items[:limit] if limit else items


def claim_sentences(claim: str) -> list[str]:
    return [p.text for p in segment(claim, 0) if any(c.isalnum() for c in p.text)] or [claim]


# -- measurement --------------------------------------------------------------------------------
class Timings:
    """First-run seconds and prompt tokens per sentence, kept across cached re-runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.data, indent=0, sort_keys=True))


async def count_tokens(client: httpx.AsyncClient, root: str, text: str) -> int | None:
    """Exact token count from llama-cpp-python's /extras/tokenize/count, if it has one."""
    try:
        response = await client.post(f"{root}/extras/tokenize/count", json={"input": text})
        response.raise_for_status()
        return int(response.json()["count"])
    except (httpx.HTTPError, KeyError, ValueError):
        return None


def _signature(settings: Settings) -> str:
    shas = [p.sha for p in judge_prompts()]
    return "|".join([*shas, str(settings.evidence_per_source), str(settings.evidence_neighbours)])


async def sentence_record(
    sentence: str,
    sources: Sequence[Source],
    llm: LLM,
    settings: Settings,
    timings: Timings,
    tokens: ChatTokens | None,
    key: str,
) -> SentenceRecord:
    """Assess one sentence on ``sources``; record every layer and its first-run cost."""
    before = llm.stats.model_copy()
    started = time.perf_counter()
    result = await assess(sentence, sources, llm, settings)
    seconds = time.perf_counter() - started
    key = f"{_signature(settings)}:{key}"
    if llm.stats.cache_hits == before.cache_hits and result.evidence:
        timings.data[key] = {
            "seconds": round(seconds, 3),
            "prompt_tokens": llm.stats.prompt_tokens - before.prompt_tokens,
        }
    first = timings.data.get(key, {})
    shown = evidence_text(result.evidence)
    document = "\n".join(s.text for s in sources)
    return SentenceRecord(
        text=sentence,
        judge=result.judge,
        lexical_evidence=coverage(sentence, shown),
        lexical_document=coverage(sentence, document),
        checks_evidence=[c.model_dump() for c in run_checks(sentence, shown)],
        checks_sources=[c.model_dump() for c in run_checks(sentence, document)],
        seconds=first.get("seconds"),
        prompt_tokens=first.get("prompt_tokens"),
        evidence_chars=len(shown),
        whole_prompt_tokens=(
            tokens.chat(build_judge_messages(sentence, whole_documents(sources)))
            if tokens
            else None
        ),
        verbatim=verbatim_span(sentence, sources) is not None,
    )


async def _doc_tokens(
    client: httpx.AsyncClient, root: str, timings: Timings, key: str, text: str
) -> int:
    if key not in timings.data:
        counted = await count_tokens(client, root, text)
        timings.data[key] = counted or estimate_tokens(text)
    return int(timings.data[key])


def _progress(name: str, number: int, total: int, timings: Timings) -> None:
    if number % 10 == 0 or number == total:
        timings.save()
        print(f"  {name}: {number}/{total}", file=sys.stderr, flush=True)


async def measure(
    name: str,
    items: Sequence[tuple[str, dict[str, Any]]],
    llm: LLM,
    settings: Settings,
    timings: Timings,
    tokens: ChatTokens | None,
) -> list[ItemRecord]:
    """A SummaC set: the document is the one cited source; the claim, sentence by sentence."""
    root = (await llm.connect()).removesuffix("/v1")
    records: list[ItemRecord] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for number, (item_id, item) in enumerate(items, start=1):
            document = item["document"]
            doc_tokens = await _doc_tokens(client, root, timings, f"doc:{name}:{item_id}", document)
            source = make_source(0, document)
            record = ItemRecord(id=item_id, label=int(item["label"]), document_tokens=doc_tokens)
            for index, sentence in enumerate(claim_sentences(item["claim"])):
                record.sentences.append(
                    await sentence_record(
                        sentence,
                        [source],
                        llm,
                        settings,
                        timings,
                        tokens,
                        f"{name}:{item_id}:{index}",
                    )
                )
            records.append(record)
            _progress(name, number, len(items), timings)
    return records


async def measure_paraphrase(
    limit: int | None, llm: LLM, settings: Settings, timings: Timings, tokens: ChatTokens | None
) -> list[ItemRecord]:
    """The paraphrase set: each claim judged jointly on the documents it cites."""
    root = (await llm.connect()).removesuffix("/v1")
    items = load_paraphrase(limit)
    records: list[ItemRecord] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for number, item in enumerate(items, start=1):
            sources = cited_sources(item)
            joined = "\n".join(s.text for s in sources)
            doc_tokens = await _doc_tokens(client, root, timings, f"doc:para:{item['id']}", joined)
            record = ItemRecord(
                id=item["id"],
                label=int(item["label"]),
                document_tokens=doc_tokens,
                kind=item["kind"],
                cluster=item["cluster"],
            )
            record.sentences.append(
                await sentence_record(
                    item["claim"], sources, llm, settings, timings, tokens, f"para:{item['id']}"
                )
            )
            records.append(record)
            _progress("paraphrase", number, len(items), timings)
    return records


async def measure_leads(
    clusters: int, llm: LLM, settings: Settings, timings: Timings, tokens: ChatTokens | None
) -> list[ItemRecord]:
    """Verbatim lead sentences, each on its own source (all label 1)."""
    records: list[ItemRecord] = []
    claims = lead_claims(clusters)
    for number, (claim_id, sentence, source) in enumerate(claims, start=1):
        record = ItemRecord(
            id=claim_id,
            label=1,
            document_tokens=estimate_tokens(source.text),
            kind="lead",
            cluster=claim_id.split(":")[0],
        )
        record.sentences.append(
            await sentence_record(
                sentence, [source], llm, settings, timings, tokens, f"lead:{claim_id}"
            )
        )
        records.append(record)
        _progress("leads", number, len(claims), timings)
    return records


# -- metrics ------------------------------------------------------------------------------------
def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """P(score of a random positive > score of a random negative), ties count half."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    negatives = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def balanced_accuracy(scores: Sequence[float], labels: Sequence[int], threshold: float) -> float:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if y == 1 and s >= threshold)
    tn = sum(1 for s, y in zip(scores, labels, strict=True) if y == 0 and s < threshold)
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    return 0.5 * (tp / positives + tn / negatives)


def candidate_thresholds(*score_lists: Sequence[float]) -> list[float]:
    values = sorted({round(s, 6) for scores in score_lists for s in scores})
    mids = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    return sorted({0.0, *mids, *(v + 1e-9 for v in values[-1:])})


def best_threshold(scores: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """(threshold, balanced accuracy) maximising balanced accuracy on this data."""
    best = (0.5, -1.0)
    for t in candidate_thresholds(scores):
        ba = balanced_accuracy(scores, labels, t)
        if ba > best[1]:
            best = (t, ba)
    return best


# -- layers -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Params:
    scope: str = "sources"
    penalty: float = 0.3
    lexical_weight: float = 0.0


def _checks(sentence: SentenceRecord, scope: str) -> list[Check]:
    raw = sentence.checks_evidence if scope == "evidence" else sentence.checks_sources
    return [Check.model_validate(c) for c in raw]


def layer_scores(records: Sequence[ItemRecord], layer: str, params: Params) -> list[float]:
    """One score per item (min over its sentences) for ``layer``."""
    settings = Settings(check_penalty=params.penalty, lexical_weight=params.lexical_weight)
    out = []
    for record in records:
        per_sentence = []
        for s in record.sentences:
            if layer == "judge":
                per_sentence.append(s.judge)
            elif layer == "lexical":
                per_sentence.append(
                    s.lexical_evidence if params.scope == "evidence" else s.lexical_document
                )
            elif layer == "checks":
                per_sentence.append(0.5 ** len(failed(_checks(s, params.scope))))
            else:
                per_sentence.append(
                    combine(
                        s.judge,
                        s.lexical_evidence,
                        _checks(s, params.scope),
                        settings,
                        verbatim=s.verbatim,
                    )
                )
        out.append(min(per_sentence))
    return out


def labels_of(records: Sequence[ItemRecord]) -> list[int]:
    return [r.label for r in records]


def layer_grid(layer: str) -> list[Params]:
    if layer == "full":
        return [
            Params(scope, penalty, weight)
            for scope, penalty, weight in itertools.product(SCOPES, PENALTIES, LEXICAL_WEIGHTS)
        ]
    if layer in ("checks", "lexical"):
        return [Params(scope=scope) for scope in SCOPES]
    return [Params()]


def fit(data: dict[str, list[ItemRecord]], layer: str) -> tuple[Params, float, float]:
    """``layer``'s parameters and one threshold maximising mean balanced accuracy over ``data``."""
    best: tuple[Params, float, float] = (Params(), 0.5, -1.0)
    for params in layer_grid(layer):
        per_set = {name: layer_scores(records, layer, params) for name, records in data.items()}
        for threshold in candidate_thresholds(*per_set.values()):
            mean = statistics.fmean(
                balanced_accuracy(per_set[name], labels_of(records), threshold)
                for name, records in data.items()
            )
            if mean > best[2] + TIE:
                best = (params, threshold, mean)
    return best


def pick(records: Sequence[ItemRecord], layer: str) -> tuple[Params, float]:
    """Parameters and threshold of ``layer`` that maximise balanced accuracy on ``records``."""
    params, threshold, _ = fit({"one": list(records)}, layer)
    return params, threshold


def labelled(data: dict[str, list[ItemRecord]]) -> dict[str, list[ItemRecord]]:
    return {name: records for name, records in data.items() if name in LABELLED}


def cross_report(data: dict[str, list[ItemRecord]]) -> dict[str, Any]:
    """Each set scored at parameters and a threshold chosen on the other sets (mean BA)."""
    sets = labelled(data)
    report: dict[str, Any] = {}
    for name in sets:
        others = {o: r for o, r in sets.items() if o != name}
        rows: dict[str, Any] = {}
        for layer in ("checks", "lexical", "judge", "full"):
            labels = labels_of(sets[name])
            if others:
                tuned_on = "+".join(others)
                params, threshold, _ = fit(others, layer)
            else:  # one set only (--sets): no honest cross threshold exists
                tuned_on = name + " (same set: optimistic)"
                params, threshold = pick(sets[name], layer)
            scores = layer_scores(sets[name], layer, params)
            rows[layer] = {
                "balanced_accuracy": round(balanced_accuracy(scores, labels, threshold), 4),
                "roc_auc": round(roc_auc(scores, labels), 4),
                "threshold": round(threshold, 4),
                "params": asdict(params),
                "tuned_on": tuned_on,
            }
        report[name] = rows
    return report


def recommend(data: dict[str, list[ItemRecord]], layer: str = "full") -> dict[str, Any]:
    """``layer``'s parameters and one threshold maximising mean balanced accuracy over all sets.

    ``full`` gives the verifier's defaults (``support_threshold`` and weights); ``judge``
    gives ``judge_threshold``, the judge alone as the eval's citation metrics use it.
    """
    sets = labelled(data)
    params, threshold, mean = fit(sets, layer)
    best: dict[str, Any] = {
        "mean_balanced_accuracy": round(mean, 4),
        "per_set": {
            n: round(balanced_accuracy(layer_scores(r, layer, params), labels_of(r), threshold), 4)
            for n, r in sets.items()
        },
        "tuned_on": "+".join(sets),
    }
    if layer == "full":
        best |= {
            "support_threshold": round(threshold, 4),
            "check_scope": params.scope,
            "check_penalty": params.penalty,
            "lexical_weight": params.lexical_weight,
        }
    else:
        best["judge_threshold"] = round(threshold, 4)
    return best


def cross_validate(records: Sequence[ItemRecord], layer: str = "full") -> dict[str, Any]:
    """5-fold CV grouped by cluster: each fold scored at what the other four chose."""
    folds = folds_of(records, lambda r: r.cluster or r.id)
    accepted: list[bool] = [False] * len(records)
    per_fold = []
    for fold in sorted(set(folds)):
        train = [r for r, f in zip(records, folds, strict=True) if f != fold]
        held = [i for i, f in enumerate(folds) if f == fold]
        params, threshold = pick(train, layer)
        scores = layer_scores([records[i] for i in held], layer, params)
        for i, score in zip(held, scores, strict=True):
            accepted[i] = score >= threshold
        per_fold.append({"fold": fold, "threshold": round(threshold, 4), "params": asdict(params)})
    labels = labels_of(records)
    return {"layer": layer, "folds": per_fold, **_verdict_summary(records, labels, accepted)}


def _verdict_summary(
    records: Sequence[ItemRecord], labels: Sequence[int], accepted: Sequence[bool]
) -> dict[str, Any]:
    positives = [a for a, y in zip(accepted, labels, strict=True) if y == 1]
    negatives = [a for a, y in zip(accepted, labels, strict=True) if y == 0]
    tpr = sum(positives) / max(1, len(positives))
    tnr = sum(1 for a in negatives if not a) / max(1, len(negatives))
    return {
        "balanced_accuracy": round(0.5 * (tpr + tnr), 4),
        "false_rejection": round(1 - tpr, 4),
        "per_kind": per_kind([r.kind for r in records], labels, accepted),
    }


def default_params() -> Params:
    """The shipped check scope, penalty and lexical weight."""
    settings = Settings()
    return Params(settings.check_scope, settings.check_penalty, settings.lexical_weight)


def at_defaults(
    data: dict[str, list[ItemRecord]], support_threshold: float | None = None
) -> dict[str, Any]:
    """The full verifier and the eval's judge at the shipped ``Settings`` defaults
    (or at ``support_threshold`` instead of the shipped one)."""
    settings = Settings()
    if support_threshold is not None:
        settings = settings.model_copy(update={"support_threshold": support_threshold})
    params = default_params()
    report: dict[str, Any] = {
        "support_threshold": settings.support_threshold,
        "judge_threshold": settings.judge_threshold,
        "check_scope": params.scope,
        "check_penalty": params.penalty,
        "lexical_weight": params.lexical_weight,
    }
    for name, records in data.items():
        scores = layer_scores(records, "full", params)
        labels = labels_of(records)
        judged = layer_scores(records, "judge", params)
        accepted = [s >= settings.support_threshold for s in scores]
        sentences = [s for r in records for s in r.sentences]
        copies = round(sum(s.verbatim for s in sentences) / max(1, len(sentences)), 4)
        if name not in LABELLED:  # all true: the share judged supported
            report[name] = {
                "supported": round(sum(accepted) / max(1, len(accepted)), 4),
                "n": len(accepted),
                "judge_supported": round(
                    sum(j >= settings.judge_threshold for j in judged) / max(1, len(judged)), 4
                ),
                "verbatim_sentences": copies,
            }
            continue
        report[name] = {
            "balanced_accuracy": round(
                balanced_accuracy(scores, labels, settings.support_threshold), 4
            ),
            "roc_auc": round(roc_auc(scores, labels), 4),
            "judge_balanced_accuracy": round(
                balanced_accuracy(judged, labels, settings.judge_threshold), 4
            ),
            "verbatim_sentences": copies,
        }
        if any(r.kind for r in records):
            report[name] |= _verdict_summary(records, labels, accepted)
    return report


def cost_report(data: dict[str, list[ItemRecord]], static_tokens: int | None) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, records in data.items():
        sentences = [s for r in records for s in r.sentences]
        seconds = [s.seconds for s in sentences if s.seconds is not None]
        ratios, new_ratios, prompt_tokens = [], [], []
        whole, whole_ratios, per_call_ratios = [], [], []
        for record in records:
            for s in record.sentences:
                if s.prompt_tokens is None:
                    continue
                prompt_tokens.append(s.prompt_tokens)
                ratios.append(s.prompt_tokens / max(1, record.document_tokens))
                if static_tokens is not None:
                    new = max(0, s.prompt_tokens - static_tokens)
                    new_ratios.append(new / max(1, record.document_tokens))
                if s.whole_prompt_tokens:
                    # Like for like: the same judge prompt with the whole document as evidence.
                    whole.append(s.whole_prompt_tokens)
                    whole_ratios.append(s.prompt_tokens / s.whole_prompt_tokens)
                    if static_tokens is not None:
                        per_call_ratios.append(
                            (s.prompt_tokens - static_tokens)
                            / max(1, s.whole_prompt_tokens - static_tokens)
                        )
        report[name] = {
            "items": len(records),
            "sentences": len(sentences),
            "timed_sentences": len(seconds),
            "seconds_per_sentence_mean": _mean(seconds),
            "seconds_per_sentence_median": _median(seconds),
            "judge_prompt_tokens_mean": _mean(prompt_tokens),
            "document_tokens_mean": _mean([r.document_tokens for r in records]),
            "prompt_to_document_ratio_mean": _mean(ratios),
            "new_tokens_to_document_ratio_mean": _mean(new_ratios),
            "whole_document_prompt_tokens_mean": _mean(whole),
            "prompt_to_whole_document_prompt_ratio_mean": _mean(whole_ratios),
            "per_call_to_whole_document_ratio_mean": _mean(per_call_ratios),
        }
    return report


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


# -- main ---------------------------------------------------------------------------------------
def print_table(report: dict[str, Any]) -> None:
    print(f"\n{'set':<10} {'layer':<8} {'bal.acc':>8} {'AUC':>7} {'thresh':>7}  params (tuned on)")
    for name, rows in report["accuracy"].items():
        for layer, row in rows.items():
            params = row["params"]
            shown = {
                "checks": f"scope={params['scope']}",
                "lexical": f"scope={params['scope']}",
                "judge": "",
                "full": f"scope={params['scope']} penalty={params['penalty']} "
                f"lexical={params['lexical_weight']}",
            }[layer]
            print(
                f"{name:<10} {layer:<8} {row['balanced_accuracy']:>8.3f} {row['roc_auc']:>7.3f} "
                f"{row['threshold']:>7.3f}  {shown} ({row['tuned_on']})"
            )
    print(
        f"\n{'set':<10} {'s/sent':>7} {'prompt tok':>10} {'doc tok':>8} {'whole-doc prompt':>16} "
        f"{'÷ whole':>8} {'per call':>9} {'÷ doc':>6} {'new ÷ doc':>9}"
    )
    for name, row in report["cost"].items():
        print(
            f"{name:<10} {_fmt(row['seconds_per_sentence_mean'])} "
            f"{_fmt(row['judge_prompt_tokens_mean'], 10, 0)} "
            f"{_fmt(row['document_tokens_mean'], 8, 0)} "
            f"{_fmt(row['whole_document_prompt_tokens_mean'], 16, 0)} "
            f"{_fmt(row['prompt_to_whole_document_prompt_ratio_mean'], 8, 3)} "
            f"{_fmt(row['per_call_to_whole_document_ratio_mean'], 9, 3)} "
            f"{_fmt(row['prompt_to_document_ratio_mean'], 6, 3)} "
            f"{_fmt(row['new_tokens_to_document_ratio_mean'], 9, 3)}"
        )
    print(f"static judge prefix: {report['static_prompt_tokens']} tokens (KV-cached per run)")
    _print_kinds(report)
    print(f"\nrecommended: {json.dumps(report['recommended'])}")
    print(f"recommended judge (eval): {json.dumps(report['recommended_judge'])}")
    print(f"shipped defaults: {json.dumps(report['defaults'])}")


def _print_kinds(report: dict[str, Any]) -> None:
    defaults = report["defaults"]
    columns = {"defaults": defaults.get("paraphrase", {})}
    for layer, cv in report.get("paraphrase_cv", {}).items():
        columns[f"5-fold {layer}"] = cv
    if not any(c.get("per_kind") for c in columns.values()):
        return
    print(f"\nparaphrase: {'kind':<15} {'n':>3} " + " ".join(f"{c:>14}" for c in columns))
    kinds = next(c["per_kind"] for c in columns.values() if c.get("per_kind"))
    for kind, row in kinds.items():
        cells = [
            f"{c['per_kind'][kind]['rate']:>14.2f}" if c.get("per_kind") else f"{'-':>14}"
            for c in columns.values()
        ]
        print(f"{'':<12}{kind:<15} {row['n']:>3} " + " ".join(cells) + f"  ({row['measure']})")
    for label, key in (("balanced acc.", "balanced_accuracy"), ("false reject", "false_rejection")):
        cells = [f"{c.get(key, float('nan')):>14.3f}" for c in columns.values()]
        print(f"{'':<12}{label:<15} {'':>3} " + " ".join(cells))
    if "leads" in defaults:
        leads = defaults["leads"]
        print(
            f"\nleads: {leads['supported']:.3f} of {leads['n']} verbatim lead sentences supported"
        )


def _fmt(value: float | None, width: int = 7, digits: int = 2) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def bench_settings(base_url: str | None, **overrides: Any) -> Settings:
    """The judge benches' settings: a long LLM timeout (a cold local model on 2 cores),
    ``--base-url`` when given, and the bench's own overrides."""
    if base_url:
        overrides["base_url"] = base_url
    return Settings().with_overrides(llm_timeout=300.0, **overrides)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = bench_settings(
        args.base_url,
        evidence_per_source=args.evidence_per_source,
        evidence_neighbours=args.neighbours,
    )
    timings = Timings(settings.home / "bench" / "verifier_timings.json")
    data: dict[str, list[ItemRecord]] = {}
    started = time.perf_counter()
    async with open_llm(settings) as llm:
        tokens = ChatTokens.for_settings(settings)
        static_tokens = None
        if tokens is not None:
            static_tokens = tokens.static_prefix(build_judge_messages("", []))
        else:
            async with httpx.AsyncClient(timeout=30) as client:
                system = judge_prompts()[0].render()
                root = (await llm.connect()).removesuffix("/v1")
                counted = await count_tokens(client, root, system)
                static_tokens = counted + 5 if counted is not None else None  # + role markers
        for name in args.sets:
            if name == "paraphrase":
                data[name] = await measure_paraphrase(args.limit, llm, settings, timings, tokens)
            else:
                items = load(name, args.limit)
                data[name] = await measure(name, items, llm, settings, timings, tokens)
        if args.leads:
            data["leads"] = await measure_leads(args.leads, llm, settings, timings, tokens)
        timings.save()
        stats = llm.stats.model_dump()
    report = {
        "command": " ".join(["python", *sys.argv]),
        "model": settings.model or "local",
        "settings": {
            "evidence_per_source": settings.evidence_per_source,
            "evidence_neighbours": settings.evidence_neighbours,
        },
        "limit": args.limit,
        "leads": args.leads,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "llm_stats": stats,
        "accuracy": cross_report(data),
        "cost": cost_report(data, static_tokens),
        **_derived(data),
        "static_prompt_tokens": static_tokens,
        "items": {name: [asdict(r) for r in records] for name, records in data.items()},
    }
    return report


def sources_of(saved: dict[str, Any]) -> dict[str, dict[str, list[Source]]]:
    """Per set and item ID, the sources a saved run judged the item's sentences on."""
    paraphrase = {item["id"]: item for item in load_paraphrase(None)}
    clusters = cluster_sources(saved.get("leads") or 20)
    out: dict[str, dict[str, list[Source]]] = {}
    for name, items in saved["items"].items():
        summac = json.loads((DATA / f"{name}.json").read_text()) if name in SETS[:2] else {}
        found: dict[str, list[Source]] = {}
        for item in items:
            if name in SETS[:2]:
                found[item["id"]] = [make_source(0, summac[item["id"]]["document"])]
            elif name == "paraphrase":
                found[item["id"]] = cited_sources(paraphrase[item["id"]])
            else:
                cluster = clusters[item["id"].split(":")[0]]
                found[item["id"]] = [source_of_lead(cluster, item["sentences"][0]["text"])]
        out[name] = found
    return out


def recheck(saved: dict[str, Any]) -> None:
    """Recompute the deterministic checks of a saved run in place (no model needed).

    The evidence is re-selected exactly as ``assess`` selected it (same settings), so
    a change to ``verify/checks`` is measured on the judge answers already recorded.
    """
    settings = saved["settings"]
    k, neighbours = settings["evidence_per_source"], settings["evidence_neighbours"]
    sources_by_item = sources_of(saved)
    for name, items in saved["items"].items():
        for item in items:
            sources = sources_by_item[name][item["id"]]
            document = "\n".join(s.text for s in sources)
            for s in item["sentences"]:
                shown = evidence_text(joint_evidence(s["text"], sources, k, neighbours=neighbours))
                s["checks_evidence"] = [c.model_dump() for c in run_checks(s["text"], shown)]
                s["checks_sources"] = [c.model_dump() for c in run_checks(s["text"], document)]
                s["verbatim"] = verbatim_span(s["text"], sources) is not None


def records_of(saved: dict[str, Any]) -> dict[str, list[ItemRecord]]:
    """A saved run's ``items`` back as records."""
    return {
        name: [
            ItemRecord(**{**item, "sentences": [SentenceRecord(**s) for s in item["sentences"]]})
            for item in items
        ]
        for name, items in saved["items"].items()
    }


def rescore(saved: dict[str, Any]) -> dict[str, Any]:
    """The report of a saved run, recomputed (e.g. after changing the grids)."""
    data = records_of(saved)
    static_tokens = saved.get("static_prompt_tokens")
    return {
        **saved,
        "rescored_by": " ".join(["python", *sys.argv]),
        "accuracy": cross_report(data),
        "cost": cost_report(data, static_tokens),
        **_derived(data),
    }


def _derived(data: dict[str, list[ItemRecord]]) -> dict[str, Any]:
    """Everything computed from the records alone (no model): fits, CV, defaults."""
    out: dict[str, Any] = {
        "recommended": recommend(data),
        "recommended_judge": recommend(data, "judge"),
        "defaults": at_defaults(data),
    }
    if "paraphrase" in data:
        out["paraphrase_cv"] = {
            layer: cross_validate(data["paraphrase"], layer) for layer in ("judge", "full")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (default: embedded model)")
    parser.add_argument("--limit", type=int, help="first N items of each set (sorted by id)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument(
        "--leads",
        type=int,
        default=20,
        metavar="N",
        help="also judge the lead baseline's verbatim sentences on the first N Multi-News "
        "clusters (0: skip)",
    )
    parser.add_argument("--evidence-per-source", type=int, default=Settings().evidence_per_source)
    parser.add_argument("--neighbours", type=int, default=Settings().evidence_neighbours)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--rescore",
        type=Path,
        metavar="RESULTS_JSON",
        help="recompute the report from a saved results file (no model, no data needed)",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="with --rescore: recompute the deterministic checks (reads the data sets)",
    )
    args = parser.parse_args()
    if args.rescore:
        saved = json.loads(args.rescore.read_text(encoding="utf-8"))
        if args.recheck:
            recheck(saved)
        report = rescore(saved)
    else:
        if not DATA.is_dir():
            sys.exit(f"SummaC data not found at {DATA}; nothing to benchmark")
        logging.basicConfig(level=logging.WARNING)
        report = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print_table(report)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
