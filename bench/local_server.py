"""Probe the embedded model server: start time, prompt/gen tok/s, RSS, request shapes.

    python bench/local_server.py [--model PATH] [--extra "--flash_attn False"]
                                 [--prompt-words 800] [--gen-tokens 128]

Starts ``LocalServer`` (assembling the model into settings.models_dir unless ``--model``
points at a GGUF), then makes: one instructor TOOLS call, one logprobs call, a long
prompt with max_tokens=1 (prompt speed) and a long generation (generation speed).
Speeds are llama.cpp's own timings from the server log; RSS is the server process's
resident memory after each step. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import time
from pathlib import Path
from typing import Any

import instructor
from openai import AsyncOpenAI
from pydantic import BaseModel

from summarizer.llm.local import LocalServer, server_args
from summarizer.settings import Settings

FILLER = (
    "The city council met on Tuesday to discuss the new budget, which includes funding "
    "for road repairs, two new libraries and an expanded bus network. "
)
TIMING = re.compile(r"(prompt eval|\s{2}eval) time =\s+([\d.]+) ms /\s+(\d+) (tokens|runs)")


class Headline(BaseModel):
    title: str
    sentiment: str


def rss_mb(pid: int) -> float:
    fields = Path(f"/proc/{pid}/status").read_text().split("\n")
    line = next(f for f in fields if f.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def timings(log: Path, offset: int) -> list[tuple[str, float, int]]:
    """(kind, ms, count) for every llama.cpp timing line written after ``offset``."""
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", errors="replace")
    return [(m[1].strip(), float(m[2]), int(m[3])) for m in TIMING.finditer(text)]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--extra", default="")
    parser.add_argument("--prompt-words", type=int, default=800)
    parser.add_argument("--gen-tokens", type=int, default=128)
    args = parser.parse_args()

    out: dict[str, Any] = {}
    settings = Settings()
    server = LocalServer(settings, model_path=args.model, extra_args=shlex.split(args.extra))
    async with server:
        assert server.pid is not None
        pid = server.pid
        out["startup_seconds_incl_warmup"] = round(server.startup_seconds or 0.0, 2)
        out["rss_mb_idle"] = round(rss_mb(pid))
        client = AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=900)

        structured = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
        t0 = time.monotonic()
        headline = await structured.chat.completions.create(
            model=server.model_name,
            response_model=Headline,
            messages=[
                {"role": "system", "content": "Extract a headline."},
                {"role": "user", "content": "Stocks rallied today as inflation cooled."},
            ],
            temperature=0,
            max_tokens=128,
        )
        out["tools_call"] = {"result": headline.model_dump(), "s": round(time.monotonic() - t0, 2)}

        t0 = time.monotonic()
        raw = await client.chat.completions.create(
            model=server.model_name,
            messages=[
                {"role": "system", "content": "Answer with Yes or No."},
                {
                    "role": "user",
                    "content": "Evidence: Paris is the capital of France.\n"
                    "Claim: France's capital is Paris.\nIs the claim supported?",
                },
            ],
            logprobs=True,
            top_logprobs=5,
            max_tokens=1,
            temperature=0,
        )
        choice = raw.choices[0]
        assert choice.logprobs is not None and choice.logprobs.content
        top = choice.logprobs.content[0].top_logprobs
        out["logprobs_call"] = {
            "content": choice.message.content,
            "top": {t.token: round(t.logprob, 3) for t in top},
            "s": round(time.monotonic() - t0, 2),
        }

        text = FILLER * max(1, args.prompt_words // 25)
        offset = server.log_path.stat().st_size
        t0 = time.monotonic()
        one = await client.chat.completions.create(
            model=server.model_name,
            messages=[{"role": "user", "content": text + "\nSummarize the text above."}],
            max_tokens=1,
            temperature=0,
        )
        wall = time.monotonic() - t0
        assert one.usage is not None
        prompt = [t for t in timings(server.log_path, offset) if t[0] == "prompt eval"][-1]
        out["prompt"] = {
            "tokens": one.usage.prompt_tokens,
            "tok_s_llama": round(prompt[2] / prompt[1] * 1000, 1),
            "tok_s_wall": round(one.usage.prompt_tokens / wall, 1),
        }
        out["rss_mb_after_prompt"] = round(rss_mb(pid))

        offset = server.log_path.stat().st_size
        long = await client.chat.completions.create(
            model=server.model_name,
            messages=[
                {"role": "user", "content": "Write a long, detailed story about a lighthouse."}
            ],
            max_tokens=args.gen_tokens,
            temperature=0,
        )
        assert long.usage is not None
        gen = [t for t in timings(server.log_path, offset) if t[0] == "eval"][-1]
        out["generation"] = {
            "tokens": long.usage.completion_tokens,
            "tok_s_llama": round(gen[2] / gen[1] * 1000, 1),
        }
        out["rss_mb_end"] = round(rss_mb(pid))
        assert server.model_path is not None and server.port is not None
        out["flags"] = server_args(server.model_path, server.port, settings)
    out["server_gone_after_exit"] = not Path(f"/proc/{pid}").exists()
    out["loadavg_1min_at_end"] = os.getloadavg()[0]  # other CPU users skew every figure
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
