"""Wall time, tokens and peak memory of the README's main job on the embedded model.

Runs ``summarizer summarize -i examples/sources.txt`` as a user would (a
subprocess, embedded local model, no endpoint configured), samples the resident
memory of the whole process tree (CLI + llama.cpp server) every 100 ms, and
reads the LLM calls and tokens from the JSON result.

    python bench/sample_run.py            # warm: model already assembled, caches off
    python bench/sample_run.py --cold     # fresh SUMMARIZER_HOME: includes assembling the model
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="fresh SUMMARIZER_HOME")
    parser.add_argument("--sentences", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
        if args.cold:
            env["SUMMARIZER_HOME"] = str(Path(tmp) / "home")
        out = Path(tmp) / "brief.json"
        command = [
            sys.executable, "-m", "summarizer", "summarize", "-i", "examples/sources.txt",
            "--no-cache", "-o", str(out),
        ]  # fmt: skip
        if args.sentences:
            command += ["--sentences", str(args.sentences)]
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        peak = 0

        def sample() -> None:
            nonlocal peak
            while proc.poll() is None:
                peak = max(peak, tree_rss(proc.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        wall = time.perf_counter() - started
        sampler.join()
        if proc.returncode != 0:
            sys.exit(f"summarize failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
        data = json.loads(out.read_text())

    stats = data["stats"]
    shown = [s for s in data["sentences"] if s["status"] != "removed"]
    rows = [
        ("command", " ".join(command[2:])),
        ("home", "fresh (assembles the model)" if args.cold else "default (model assembled)"),
        ("wall time", f"{wall:.1f} s"),
        ("stage seconds", ", ".join(f"{k} {v:.1f}" for k, v in stats["timings"].items())),
        ("LLM calls", str(stats["llm_calls"])),
        ("prompt tokens", str(stats["prompt_tokens"])),
        ("completion tokens", str(stats["completion_tokens"])),
        ("peak memory (CLI + server)", f"{peak / 2**30:.2f} GiB"),
        ("sentences shown", str(len(shown))),
        ("statuses", ", ".join(s["status"] for s in data["sentences"])),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
