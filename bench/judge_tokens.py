"""Judge prompt tokens per sentence vs. sending the whole cited documents, on real briefs.

    python bench/judge_tokens.py RUN_DIR [--system full] [--evidence-per-source 2]

RUN_DIR is a finished ``summarizer eval`` run (its ``run.json`` names the dataset).
For every shown sentence of ``--system`` with citations, two judge prompts are
built with the product's own code (``build_judge_messages``): one with the
evidence the verifier selects (``joint_evidence``, ``k`` passages per cited
source) and one with the whole cited documents in its place. Both are counted
with the model's own tokenizer over Qwen's chat template, so the ratio compares
like with like: same instructions, same claim, evidence vs. documents.

Also reported: the per-call part alone (everything after the static system
prompt, which llama.cpp evaluates once per run and keeps in its KV cache).
No model is run; the GGUF is opened for its vocabulary only.
Results: bench/results/judge_tokens.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from _tokens import ChatTokens, whole_documents

from summarizer.eval.dataset import case_sources, load_dataset
from summarizer.eval.records import RESULTS_FILE, ResultStore, read_run_info
from summarizer.settings import Settings
from summarizer.verify.evidence import joint_evidence
from summarizer.verify.judge import build_judge_messages

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "judge_tokens.json"


async def measure(run_dir: Path, system: str, k: int, tokens: ChatTokens) -> dict[str, Any]:
    info = read_run_info(run_dir)
    if info is None:
        sys.exit(f"{run_dir} is not an eval run folder")
    dataset = Path(info.dataset)
    wanted = set(info.case_ids)
    cases = {c.id: c for c in load_dataset(dataset) if c.id in wanted}
    settings = Settings()
    static = tokens.static_prefix(build_judge_messages("", []))
    rows = []
    for (case_id, name), result in sorted(ResultStore(run_dir / RESULTS_FILE).latest().items()):
        if name != system or not result.ok or case_id not in cases:
            continue
        sources = {
            s.id: s for s in await case_sources(cases[case_id], settings, base_dir=dataset.parent)
        }
        for sentence in result.sentences:
            cited = [sources[i] for i in sentence.citations if i in sources]
            if not cited:
                continue
            spans = joint_evidence(sentence.text, cited, k)
            judged = tokens.chat(build_judge_messages(sentence.text, spans))
            whole = tokens.chat(build_judge_messages(sentence.text, whole_documents(cited)))
            rows.append(
                {
                    "case": case_id,
                    "citations": len(cited),
                    "judge_tokens": judged,
                    "whole_documents_tokens": whole,
                    "document_tokens": sum(tokens.text(s.text) for s in cited),
                }
            )
    if not rows:
        sys.exit(f"no cited sentences of system {system!r} in {run_dir}")

    def mean(key: str) -> float:
        return statistics.fmean(float(r[key]) for r in rows)

    ratios = [r["judge_tokens"] / r["whole_documents_tokens"] for r in rows]
    per_call = [(r["judge_tokens"] - static) / (r["whole_documents_tokens"] - static) for r in rows]
    return {
        "command": " ".join(["python", *sys.argv]),
        "run": str(run_dir),
        "system": system,
        "evidence_per_source": k,
        "sentences": len(rows),
        "cases": len({r["case"] for r in rows}),
        "citations_per_sentence": round(mean("citations"), 2),
        "static_system_tokens": static,
        "judge_prompt_tokens_mean": round(mean("judge_tokens"), 1),
        "whole_documents_prompt_tokens_mean": round(mean("whole_documents_tokens"), 1),
        "cited_document_tokens_mean": round(mean("document_tokens"), 1),
        "ratio_mean": round(statistics.fmean(ratios), 4),
        "ratio_of_means": round(mean("judge_tokens") / mean("whole_documents_tokens"), 4),
        "ratio_max": round(max(ratios), 4),
        "per_call_ratio_mean": round(statistics.fmean(per_call), 4),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--system", default="full")
    parser.add_argument("--evidence-per-source", type=int, default=Settings().evidence_per_source)
    parser.add_argument("--model", type=Path, help="GGUF for the tokenizer")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    tokens = ChatTokens.for_settings(Settings(), args.model)
    if tokens is None:
        sys.exit("model file not found; run `summarizer doctor` once or pass --model")
    report = asyncio.run(measure(args.run_dir, args.system, args.evidence_per_source, tokens))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    shown = {k: v for k, v in report.items() if k != "rows"}
    print(json.dumps(shown, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
