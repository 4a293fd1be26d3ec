"""Cost of a brief as the number of sources grows: 3, 10 and 30 pages from 127.0.0.1.

    python bench/pipeline.py [--sizes 3 10 30] [--output bench/results/pipeline.json]

Each size runs ``summarizer summarize URL... -f json`` as a user would (a
subprocess, the embedded local model, no endpoint configured) against pages
served by a real HTTP server on 127.0.0.1 (hence ``--allow-private``), with a
fresh ``SUMMARIZER_HOME`` whose only content is the already assembled model
file, so the LLM cache starts empty. The 3-source case is the README's three
example articles; 10 and 30 add real news pages from
``../shared/data/extraction/html`` (unrelated stories: a worst case for the
planner, a fair one for ingest and cost). Reported per size: wall time, seconds
per stage (from the result's ``stats.timings``), LLM calls, prompt and
completion tokens, the usable sources' tokens (the model's own tokenizer), peak
resident memory of the CLI and the llama.cpp server together. Then the
3-source command is re-run warm (same home, caches on): its wall time, LLM
calls and whether any model process was started.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _tokens import ChatTokens
from sample_run import tree_rss

from summarizer.llm.model_file import MODEL_FILENAME
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXTRACTION = ROOT.parent / "shared" / "data" / "extraction" / "html"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving ``folder``; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def pages(folder: Path, count: int) -> list[str]:
    """File names of ``count`` pages: the three examples, then extraction pages."""
    names = []
    for path in sorted((ROOT / "examples").glob("*.html")):
        (folder / path.name).write_bytes(path.read_bytes())
        names.append(path.name)
    extra = sorted(EXTRACTION.glob("*.html.gz"))
    if count > len(names) and len(extra) < count - len(names):
        sys.exit(f"need {count - len(names)} pages in {EXTRACTION}, found {len(extra)}")
    for path in extra[: max(0, count - len(names))]:
        name = path.name.removesuffix(".gz")
        (folder / name).write_bytes(gzip.decompress(path.read_bytes()))
        names.append(name)
    return names[:count]


def model_pids(root: int) -> bool:
    """Whether a llama.cpp server runs under ``root`` (its command line names llama_cpp)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as handle:
            if b"llama_cpp" in handle.read():
                return True
        stack.extend(children.get(pid, []))
    return False


_HIT = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")


def prefix_reuse(home: Path) -> dict[str, int]:
    """What the server's KV cache reused, from its log: llama-cpp-python keeps the
    previous request's tokens and evaluates only the part after the common prefix."""
    log = home / "logs" / "local-server.log"
    text = log.read_text(errors="replace") if log.is_file() else ""
    hits = [(int(a), int(b)) for a, b in _HIT.findall(text)]
    return {
        "requests_with_prefix_hit": len(hits),
        "reused_tokens": sum(a for a, _ in hits),
        "evaluated_after_prefix": sum(b for _, b in hits),
    }


def run(command: list[str], env: dict[str, str]) -> tuple[float, int, bool, str]:
    """Wall seconds, peak tree RSS, whether a model process appeared, stderr."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    peak, model = 0, False

    def sample() -> None:
        nonlocal peak, model
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            model = model or model_pids(proc.pid)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"summarize failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
    return wall, peak, model, err


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 10, 30])
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/pipeline.json")
    args = parser.parse_args()

    settings = Settings()
    model_file = settings.models_dir / MODEL_FILENAME
    if not model_file.is_file():
        sys.exit(f"the model is not assembled at {model_file}: run `summarizer doctor --start`")
    tokens = ChatTokens(model_file)
    env_base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "site") as base:
        site = Path(tmp) / "site"
        site.mkdir()
        names = pages(site, max(args.sizes))
        for size in args.sizes:
            home = Path(tmp) / f"home-{size}"
            (home / "models").mkdir(parents=True)
            (home / "models" / MODEL_FILENAME).symlink_to(model_file)
            env = {**env_base, "SUMMARIZER_HOME": str(home)}
            out = Path(tmp) / f"brief-{size}.json"
            urls = [f"{base}/{name}" for name in names[:size]]
            command = [
                sys.executable, "-m", "summarizer", "summarize", *urls,
                "--allow-private", "-f", "json", "-o", str(out),
            ]  # fmt: skip
            wall, peak, _, _ = run(command, env)
            data = json.loads(out.read_text())
            stats = data["stats"]
            usable = [s for s in data["sources"] if not s.get("error")]
            source_tokens = sum(tokens.text(s["text"]) for s in usable)
            shown = [s for s in data["sentences"] if s["status"] != "removed"]
            row: dict[str, Any] = {
                "sources": size,
                "usable_sources": len(usable),
                "wall_s": round(wall, 1),
                "stage_s": {k: round(v, 2) for k, v in stats["timings"].items()},
                "llm_calls": stats["llm_calls"],
                "prompt_tokens": stats["prompt_tokens"],
                "completion_tokens": stats["completion_tokens"],
                "source_tokens": source_tokens,
                "sentences": len(shown),
                "prompt_over_source": round(stats["prompt_tokens"] / max(1, source_tokens), 2),
                "prefix_cache": prefix_reuse(home),
                "peak_gib": round(peak / 2**30, 2),
            }
            if size == min(args.sizes):
                out.unlink()
                warm, warm_peak, started_model, _ = run(command, env)
                again = json.loads(out.read_text())["stats"]
                row["warm"] = {
                    "wall_s": round(warm, 2),
                    "llm_calls": again["llm_calls"],
                    "cache_hits": again["cache_hits"],
                    "model_process_started": started_model,
                    "peak_gib": round(warm_peak / 2**30, 2),
                }
            rows.append(row)
            print(json.dumps(row), flush=True)

    header = "sources  wall s  calls  prompt tok  compl tok  source tok  prompt/src  peak GiB"
    print("\n" + header)
    for r in rows:
        print(
            f"{r['sources']:>7}  {r['wall_s']:>6}  {r['llm_calls']:>5}  {r['prompt_tokens']:>10}"
            f"  {r['completion_tokens']:>9}  {r['source_tokens']:>10}"
            f"  {r['prompt_over_source']:>10}  {r['peak_gib']:>8}"
        )
        print("         stages: " + ", ".join(f"{k} {v}" for k, v in r["stage_s"].items()))
        print(f"         prefix cache: {r['prefix_cache']}")
        if "warm" in r:
            print(f"         warm re-run: {r['warm']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
