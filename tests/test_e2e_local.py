"""End to end on the real embedded model: the README's main job, as a user runs it.

Starts the local llama.cpp server (assembled from the PyPI parts), summarizes the
sample articles in examples/, verifies and repairs, and checks the provenance
contract on what a reader would see. Slow (minutes on 2 cores) but it runs in CI:
it is the one test that proves the product works with no endpoint configured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.audit.parse import parse_brief
from summarizer.llm.local import llama_cpp_available

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        not llama_cpp_available(), reason="needs the local extra: pip install '.[local]'"
    ),
]


def test_readme_main_job_on_the_embedded_model(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["SUMMARIZER_HOME"] = str(tmp_path / "home")
    out_json = tmp_path / "brief.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "summarizer", "summarize", "-i", "examples/sources.txt",
            "--sentences", "4", "-o", str(out_json),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(out_json.read_text())

    sources = data["sources"]
    assert [s["id"] for s in sources] == [0, 1, 2]
    assert all(s["error"] is None and s["title"] for s in sources)
    ids = {s["id"] for s in sources}

    shown = [s for s in data["sentences"] if s["status"] != "removed"]
    assert shown, "the brief has sentences"
    for sentence in data["sentences"]:
        assert sentence["status"] != "unverified", "verification ran on every sentence"
        for span in sentence["evidence"]:
            text = sources[span["source_id"]]["text"]
            assert text[span["start"] : span["end"]] == span["text"]
    for sentence in shown:
        assert sentence["citations"], f"uncited sentence shown: {sentence['text']!r}"
        assert set(sentence["citations"]) <= ids

    assert data["stats"]["llm_calls"] >= 2  # a draft and at least one judge call
    assert data["stats"]["prompt_tokens"] > 0

    # What the reader sees: every rendered sentence cites a listed reference, and the
    # reference list is exactly the sources.
    markdown = subprocess.run(
        [sys.executable, "-c",
         "import sys; from summarizer import Summary; "
         "print(Summary.model_validate_json(open(sys.argv[1]).read()).to_markdown())",
         str(out_json)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    brief = parse_brief(markdown)
    assert brief.sentences
    assert set(brief.references) == ids
    for ref_id, ref in brief.references.items():
        assert ref.url and ref.url.endswith(Path(sources[ref_id]["url"]).name)
    for parsed in brief.sentences:
        assert parsed.citations and set(parsed.citations) <= ids, parsed.text

    server_log = tmp_path / "home" / "logs" / "local-server.log"
    assert server_log.exists(), "the embedded server was started"

    # A fully cached re-run starts no model: every answer comes from the cache and the
    # embedded server's log is not touched.
    log = tmp_path / "home" / "logs" / "local-server.log"
    size = log.stat().st_size
    again_json = tmp_path / "again.json"
    again = subprocess.run(
        [
            sys.executable, "-m", "summarizer", "summarize", "-i", "examples/sources.txt",
            "--sentences", "4", "-o", str(again_json),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    cached = json.loads(again_json.read_text())
    assert cached["stats"]["llm_calls"] == 0 and cached["stats"]["cache_hits"] > 0
    assert [s["text"] for s in cached["sentences"]] == [s["text"] for s in data["sentences"]]
    assert log.stat().st_size == size, "no model server was started"
