"""The model's likelihood of a claim after its evidence as a support signal: better than the judge?

    python bench/claim_likelihood.py [--saved bench/results/verifier.json] [--set paraphrase]

Issue 13 asks for a calibration that transfers, e.g. "P(yes | evidence) against
P(yes | no evidence)". A related zero-shot signal needs no yes/no question at all: how
likely the 1.5B model finds the claim's own tokens after the evidence, against after no
evidence (pointwise mutual information, PMI). A changed number or a swapped name should
be unlikely after evidence that states the right one. Measured here per item of a saved
bench/verifier.py run (its weakest sentence, the evidence the verifier retrieves for it),
as ROC AUC against the labels next to the saved judge's, for these scores: the mean
token log-probability given the evidence (``cond``), the mean, sum and minimum of the
per-token PMI, the mean of the three least likely tokens, the share of tokens below
-6 nats, and the share of tokens the evidence made less likely.

llama-cpp-python 0.3.36's server returns wrong prompt log-probabilities for
``echo=true`` (``" on"`` after ``"The cat sat"`` at -11.9 nats), so this bench runs the
model file in process (``llama_cpp.Llama``, ``logits_all``) on the same chat template the
judge's server applies. 2 cores: about 3.6 s per item (two passes). Results:
bench/results/claim_likelihood.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from llama_cpp import Llama
from verifier import ItemRecord, SentenceRecord, records_of, roc_auc, sources_of

from summarizer.cache import atomic_write_text
from summarizer.llm.model_file import ensure_model
from summarizer.settings import Settings
from summarizer.verify.evidence import evidence_text, joint_evidence

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "bench" / "results" / "verifier.json"
OUT = ROOT / "bench" / "results" / "claim_likelihood.json"
SYSTEM = "You write one sentence of a news brief that states a fact from the evidence."
SURPRISE = -6.0  # nats: a token the model did not expect at all


def _prompt(evidence: str) -> str:
    return (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nEvidence:\n{evidence}\n\n"
        "Write one sentence that states a fact from this evidence.<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


class Scorer:
    """Token log-probabilities of a claim after a prompt, from the model file in process."""

    def __init__(self, model_path: Path, threads: int) -> None:
        self.llm = Llama(
            model_path=str(model_path),
            n_ctx=4096,
            n_batch=512,
            n_threads=threads,
            n_threads_batch=threads,
            logits_all=True,
            verbose=False,
        )

    def _tokens(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode(), add_bos=False, special=True))

    def claim_logprobs(self, prompt: str, claim: str) -> np.ndarray:
        tokens = self._tokens(prompt + claim)
        start = len(self._tokens(prompt))
        self.llm.reset()
        self.llm.eval(tokens)
        scores = np.asarray(self.llm.scores[: len(tokens)], dtype=np.float64)
        top = scores.max(axis=1, keepdims=True)
        logsoft = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
        return np.array([logsoft[i - 1, tokens[i]] for i in range(start, len(tokens))])


def features(cond: np.ndarray, uncond: np.ndarray) -> dict[str, float]:
    """Higher = more supported, for every score."""
    n = min(len(cond), len(uncond))
    cond, uncond = cond[:n], uncond[:n]
    pmi = cond - uncond
    return {
        "cond": float(cond.mean()),
        "pmi_mean": float(pmi.mean()),
        "pmi_sum": float(pmi.sum()),
        "pmi_min": float(pmi.min()),
        "cond_low3": float(np.sort(cond)[:3].mean()),
        "not_surprising": float(1 - (cond < SURPRISE).mean()),
        "evidence_helps": float((pmi >= 0).mean()),
    }


def first_look(sentence: SentenceRecord) -> float:
    """The verifier's P(yes) for a saved sentence; a verbatim copy is accepted unjudged."""
    return 1.0 if sentence.verbatim else sentence.judge


def measure(
    records: list[ItemRecord], sources: dict[str, Any], scorer: Scorer, settings: Settings
) -> list[dict[str, Any]]:
    out = []
    started = time.perf_counter()
    for number, record in enumerate(records, start=1):
        sentence = min(record.sentences, key=first_look)
        spans = joint_evidence(sentence.text, sources[record.id], settings.evidence_per_source)
        cond = scorer.claim_logprobs(_prompt(evidence_text(spans)), sentence.text)
        uncond = scorer.claim_logprobs(_prompt("(none)"), sentence.text)
        out.append(
            {
                "id": record.id,
                "label": record.label,
                "kind": record.kind,
                "judge": first_look(sentence),
                **features(cond, uncond),
            }
        )
        if number % 20 == 0 or number == len(records):
            seconds = time.perf_counter() - started
            print(f"  {number}/{len(records)} ({seconds:.0f} s)", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--saved", type=Path, default=SAVED, help="a bench/verifier.py result")
    parser.add_argument("--set", default="paraphrase", help="summeval, factcc or paraphrase")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    saved = json.loads(args.saved.read_text(encoding="utf-8"))
    settings = Settings(evidence_per_source=saved["settings"]["evidence_per_source"])
    records = records_of(saved)[args.set]
    scorer = Scorer(ensure_model(settings.home / "models"), args.threads)
    started = time.perf_counter()
    items = measure(records, sources_of(saved)[args.set], scorer, settings)
    seconds = time.perf_counter() - started
    labels = [i["label"] for i in items]
    names = ["judge", *(k for k in items[0] if k not in ("id", "label", "kind", "judge"))]
    auc = {name: round(roc_auc([i[name] for i in items], labels), 4) for name in names}
    kinds = sorted({i["kind"] for i in items if i["kind"]})
    per_kind = {
        kind: {
            name: round(float(np.mean([i[name] for i in items if i["kind"] == kind])), 3)
            for name in ("judge", "pmi_mean", "cond")
        }
        for kind in kinds
    }
    result = {
        "command": " ".join(["python", *sys.argv]),
        "saved": str(args.saved),
        "set": args.set,
        "items": len(items),
        "seconds": round(seconds, 1),
        "seconds_per_item": round(seconds / max(1, len(items)), 2),
        "roc_auc": auc,
        "mean_per_kind": per_kind,
        "scores": items,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(result, indent=2) + "\n")
    for name, value in auc.items():
        print(f"{name:>15}  ROC AUC {value:.3f}")
    print(f"\n{len(items)} items in {seconds:.0f} s; written {OUT.name}")


if __name__ == "__main__":
    main()
