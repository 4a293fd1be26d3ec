"""The CLI contract, run as a user runs it: a subprocess, real HTTP, a scripted model.

Sources are the sample articles in examples/ served from a real HTTP server on
127.0.0.1 (and read as local files); the model is the scripted OpenAI-compatible
server answering through ``AutoModel``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.auto_llm import BOGUS, AutoModel
from support.cli import ARTICLES, EXAMPLES, ROOT, cli_env, run_cli
from support.openai_server import Reply, ScriptedOpenAI, error_reply
from support.signals import foreground


@pytest.fixture
def model() -> Iterator[tuple[ScriptedOpenAI, AutoModel]]:
    auto = AutoModel()
    with ScriptedOpenAI(fallback=auto) as server:
        yield server, auto


@pytest.fixture
def env(tmp_path: Path, model: tuple[ScriptedOpenAI, AutoModel]) -> dict[str, str]:
    server, _ = model
    return cli_env(server.base_url, tmp_path / "home")


def test_unknown_environment_setting_exit_2(env: dict[str, str]) -> None:
    result = run_cli("summarize", *ARTICLES, env={**env, "SUMMARIZER_TARGET_SENTENCE": "3"})
    assert result.returncode == 2
    assert "did you mean 'SUMMARIZER_TARGET_SENTENCES'" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_version() -> None:
    result = run_cli("--version", env=dict(os.environ))
    assert result.returncode == 0
    assert result.stdout.strip().startswith("summarizer ")


def test_summarize_json_contract(env: dict[str, str]) -> None:
    result = run_cli("summarize", *ARTICLES, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["id"] for s in data["sources"]] == [0, 1, 2]
    assert {s["outlet"] for s in data["sources"]} == {
        "Harbor Gazette",
        "The Coastal Times",
        "Northern Ledger",
    }
    assert data["sentences"], "a brief with sentences"
    for sentence in data["sentences"]:
        assert set(sentence) >= {"text", "citations", "status", "score", "evidence"}
        assert sentence["citations"] and all(c in (0, 1, 2) for c in sentence["citations"])
        assert sentence["status"] == "supported"
        for span in sentence["evidence"]:
            source = data["sources"][span["source_id"]]
            assert source["text"][span["start"] : span["end"]] == span["text"]
    stats = data["stats"]
    assert stats["llm_calls"] >= 1 and stats["prompt_tokens"] > 0
    assert {"draft", "verify", "ingest", "total"} <= set(stats["timings"])
    assert "sk-test-secret-key-123" not in result.stdout + result.stderr


def test_markdown_brief_to_stdout_progress_elsewhere(env: dict[str, str]) -> None:
    result = run_cli("summarize", "-i", str(EXAMPLES / "sources.txt"), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# ")
    assert "## Sources" in out
    assert (
        "0. “Lindqvist Bay flood barrier closes for the first time” Harbor Gazette, 2026-03-14"
        in out
    )
    body = out.split("## Sources")[0]
    assert "[0]" in body and "[1]" in body and "[2]" in body


def test_unsupported_sentence_repaired_or_removed(
    env: dict[str, str], model: tuple[ScriptedOpenAI, AutoModel]
) -> None:
    _, auto = model
    auto.bogus = True  # the free-form drafter's answer carries one invented sentence
    env = {**env, "SUMMARIZER_DRAFTER": "freeform"}
    result = run_cli("summarize", *ARTICLES, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    trail = [s for s in data["sentences"] if (s.get("original_text") or s["text"]) == BOGUS]
    assert len(trail) == 1
    assert trail[0]["status"] in ("repaired", "removed")
    assert trail[0]["text"] != BOGUS or trail[0]["status"] == "removed"
    assert (BOGUS, False) in auto.judged

    marked = run_cli("summarize", *ARTICLES, "--on-unsupported", "mark", env=env)
    assert marked.returncode == 0, marked.stderr
    assert f"{BOGUS} [0] ⚠ *unsupported*" in marked.stdout

    failed = run_cli("summarize", *ARTICLES, "--on-unsupported", "fail", env=env)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") <= 2 and "Traceback" not in failed.stderr


def test_bad_sources_reported_others_used(env: dict[str, str], tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# a list with problems\n\n"
        + "\n".join(
            [ARTICLES[0], "ftp://example.com/x", str(tmp_path / "missing.html"), ARTICLES[1]]
        )
        + "\n"
    )
    result = run_cli("summarize", "-i", str(listing), "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    errors = {s["url"]: s["error"] for s in data["sources"] if s["error"]}
    assert "ftp" in errors["ftp://example.com/x"]
    assert "not found" in errors[str(tmp_path / "missing.html")]
    assert [s["id"] for s in data["sources"] if not s["error"]] == [0, 1]
    assert "skipped" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        ((), None, "no sources"),
        (("-",), "\n# nothing here\n", "no sources"),
        (("/nonexistent/file.html",), None, "none of the 1 sources could be used"),
        (("-i", "/nonexistent/list.txt"), None, "not found"),
        (("--format", "pdf", "x.html"), None, "pdf"),
        (("--no-verify", "--on-unsupported", "fail", "x.html"), None, "needs verification"),
    ],
)
def test_bad_usage_exit_2(
    env: dict[str, str], args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    result = run_cli("summarize", *args, env=env, stdin=stdin)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_backend_down_exit_3(env: dict[str, str]) -> None:
    env = {**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "SUMMARIZER_LLM_RETRIES": "1"}
    result = run_cli("summarize", *ARTICLES, env=env)
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error:") and "unavailable" in lines[-1]
    assert "Traceback" not in result.stderr and "sk-test" not in result.stderr


def test_output_written_atomically_and_never_clobbered(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "brief.html"
    result = run_cli("summarize", *ARTICLES, "-o", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert result.stdout == ""

    target.write_text("precious")
    again = run_cli("summarize", *ARTICLES, "-o", str(target), env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    assert target.read_text() == "precious"

    forced = run_cli(
        "summarize", *ARTICLES, "-o", str(target), "--force", "-f", "markdown", env=env
    )
    assert forced.returncode == 0
    assert target.read_text().startswith("# ")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_ctrl_c_leaves_no_partial_output(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    with ScriptedOpenAI(fallback=lambda _r: Reply(delay=60, body={})) as hanging:
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarizer", "summarize", *ARTICLES, "-o", str(target)],
            env={**env, "OPENAI_BASE_URL": hanging.base_url, "SUMMARIZER_LLM_TIMEOUT": "60"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=foreground,
        )
        deadline = time.monotonic() + 60
        while not hanging.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hanging.requests, "the run reached the model"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.glob("brief*")) == [] and list(tmp_path.glob(".brief*")) == []


def test_check_command_exit_codes(
    env: dict[str, str], model: tuple[ScriptedOpenAI, AutoModel], tmp_path: Path
) -> None:
    server, _ = model
    good = tmp_path / "good.md"
    good.write_text(
        "The barrier consists of nine steel gates that swing shut when the water rises. [0]\n"
    )
    harbor, coastal = str(EXAMPLES / "harbor-gazette.html"), str(EXAMPLES / "coastal-times.html")
    ok = run_cli("check", str(good), coastal, harbor, "-f", "json", env=env)
    assert ok.returncode == 1, "cites [0] = coastal-times, which does not say it"
    verdicts = json.loads(ok.stdout)["sentences"]
    assert verdicts[0]["status"] == "unsupported"

    served = len(list(server.chat_requests()))
    fixed = run_cli("check", str(good), harbor, "--no-cache", "-f", "json", env=env)
    assert fixed.returncode == 0, fixed.stderr
    data = json.loads(fixed.stdout)
    assert data["sentences"][0]["status"] == "supported"
    # check reports the model calls it made itself, metered per call
    made = len(list(server.chat_requests())) - served
    assert data["stats"]["llm_calls"] == made >= 1
    assert data["stats"]["stages"]["verify"]["llm_calls"] == made

    bad = tmp_path / "bad.md"
    bad.write_text("Nine gates were built. [0] Nobody was told about it.\nIt cost a lot. [7]\n")
    result = run_cli("check", str(bad), harbor, "-f", "json", env=env)
    assert result.returncode == 1
    statuses = [s["status"] for s in json.loads(result.stdout)["sentences"]]
    assert "uncited" in statuses and statuses[-1] == "unsupported"


def test_main_command_plans_from_every_source(env: dict[str, str]) -> None:
    """Attribute first: the plan hears every source, each sentence cites its slot's sources
    only, the plan is in the JSON and the title is written, not a source's headline."""
    result = run_cli("summarize", "-i", str(EXAMPLES / "sources.txt"), "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    usable = [s["id"] for s in data["sources"] if not s.get("error")]
    cited = sorted(
        {c for s in data["sentences"] if s["status"] != "removed" for c in s["citations"]}
    )
    assert cited == usable == [0, 1, 2]
    slots = data["plan"]["slots"]
    assert 5 <= len(slots) == len(data["sentences"]) <= 12
    for sentence in data["sentences"]:
        slot = slots[sentence["slot"]]
        assert set(sentence["citations"]) <= set(slot["source_ids"])
        for span in slot["evidence"]:
            source = data["sources"][span["source_id"]]
            assert source["text"][span["start"] : span["end"]] == span["text"]
    assert data["title"] == "Barrier passes first storm test"
    assert data["title"] not in {s["title"] for s in data["sources"]}


def test_backend_500_storm_is_one_line(env: dict[str, str]) -> None:
    with ScriptedOpenAI(fallback=lambda _r: error_reply(500, "boom")) as broken:
        result = run_cli("summarize", *ARTICLES, env={**env, "OPENAI_BASE_URL": broken.base_url})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "boom" in result.stderr.splitlines()[-1]


def test_help_shows_bracketed_text() -> None:
    """Rich markup must not swallow the env-variable hints or the [n] of check's help."""
    env = {**os.environ, "COLUMNS": "200"}
    summarize_help = run_cli("summarize", "--help", env=env).stdout
    assert "[env: OPENAI_BASE_URL]" in summarize_help and "[env: SUMMARIZER_HOME]" in summarize_help
    check_help = run_cli("check", "--help", env=env).stdout
    assert "[n] markers" in check_help and "[0], [1]" in check_help
