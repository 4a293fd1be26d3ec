"""``summarizer batch`` end to end, as a user runs it: a subprocess, real HTTP, a scripted model.

The sources are the sample articles served by a PageServer on 127.0.0.1 (plus local
files next to the jobs file); the model is the scripted OpenAI-compatible server
answering through ``AutoModel``. Covered: the output folder (result files that
load back as ``Summary``, the index), a job whose only source is a 404, resume
(a second run makes no LLM call), a changed job re-run alone, malformed jobs
files refused before any work, and ``--engine ray`` without Ray.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.auto_llm import AutoModel
from support.batch import PAGES
from support.cli import EXAMPLES, KEY, ROOT, cli_env, run_cli
from support.openai_server import ScriptedOpenAI
from support.pages import PageServer
from support.signals import foreground

from summarizer.models import Summary


@pytest.fixture
def env(tmp_path: Path, model: ScriptedOpenAI) -> dict[str, str]:
    return cli_env(model.base_url, tmp_path / "home")


def write_jobs(path: Path, jobs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(job) + "\n" for job in jobs), encoding="utf-8")
    return path


def read_index(folder: Path) -> dict[str, dict[str, Any]]:
    lines = (folder / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


@pytest.fixture
def jobs(tmp_path: Path, pages: PageServer) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(EXAMPLES / "coastal-times.html", docs / "coastal.html")
    return write_jobs(
        tmp_path / "jobs.jsonl",
        [
            {
                "id": "barrier",
                "sources": [pages.url(f"/{name}") for name in PAGES],
                "options": {"sentences": 3},
            },
            {"id": "gone", "sources": [pages.url("/gone.html")]},
            {  # relative to the jobs file's folder; CLI-style option names
                "id": "files-1",
                "sources": [str(EXAMPLES / "harbor-gazette.html"), "docs/coastal.html"],
                "options": {"words": 60, "on-unsupported": "remove"},
            },
        ],
    )


def test_batch_writes_results_and_index_and_records_a_failed_job(
    tmp_path: Path, env: dict[str, str], jobs: Path, model: ScriptedOpenAI
) -> None:
    out = tmp_path / "out"
    result = run_cli("batch", str(jobs), "--output", str(out), "--allow-private", env=env)

    assert result.returncode == 1, result.stderr  # one job failed
    assert result.stdout == ""
    assert "failed gone (line 2)" in result.stderr and "404" in result.stderr
    assert "3 jobs: 2 ok, 1 failed, 0 already done" in result.stderr
    assert "Traceback" not in result.stderr

    index = read_index(out)
    assert list(index) == ["barrier", "gone", "files-1"]  # the jobs file's order
    barrier, gone, files = index["barrier"], index["gone"], index["files-1"]

    assert barrier["status"] == "ok" and barrier["error"] is None
    assert barrier["sources"] == barrier["usable_sources"] == 3
    assert barrier["sentences"] == barrier["verified"] == 3  # options.sentences
    assert barrier["llm_calls"] > 0 and barrier["prompt_tokens"] > 0
    brief = Summary.model_validate_json((out / "barrier.json").read_text(encoding="utf-8"))
    assert len(brief.shown_sentences) == 3
    assert barrier["cited_sources"] == brief.cited_sources() and barrier["cited_sources"]
    assert brief.options["target_sentences"] == 3
    markdown = (out / "barrier.md").read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "## Sources" in markdown

    assert gone["status"] == "failed" and gone["result"] is None
    assert "HTTP 404" in gone["error"] and gone["error"].startswith("NoUsableSourceError")
    assert not (out / "gone.json").exists()

    assert files["status"] == "ok" and files["usable_sources"] == 2
    files_brief = Summary.model_validate_json((out / "files-1.json").read_text(encoding="utf-8"))
    assert files_brief.options["target_words"] == 60
    assert files_brief.options["on_unsupported"] == "remove"
    assert str(tmp_path / "docs" / "coastal.html") in {s.url for s in files_brief.sources}

    for written in out.iterdir():  # the API key reaches no file of the folder
        assert KEY not in written.read_text(encoding="utf-8"), written.name
    assert KEY not in result.stderr

    billed = barrier["llm_calls"] + files["llm_calls"]
    assert billed == len(list(model.chat_requests()))  # every call the server saw, billed once


def test_rerun_skips_finished_jobs_and_reruns_a_changed_one(
    tmp_path: Path, env: dict[str, str], jobs: Path, model: ScriptedOpenAI
) -> None:
    out = tmp_path / "out"
    first = run_cli("batch", str(jobs), "-o", str(out), "--allow-private", env=env)
    assert first.returncode == 1, first.stderr
    before = read_index(out)
    calls = len(list(model.chat_requests()))

    again = run_cli("batch", str(jobs), "-o", str(out), "--allow-private", env=env)
    assert again.returncode == 1, again.stderr  # the 404 job is retried, and fails again
    assert "2 already done" in again.stderr
    assert len(list(model.chat_requests())) == calls  # resumed: no LLM call at all
    after = read_index(out)
    for job_id in ("barrier", "files-1"):
        assert after[job_id] == before[job_id]  # not re-run: the same record
    assert after["gone"]["finished"] >= before["gone"]["finished"]

    # Editing one job's options changes its content hash: only that job runs again.
    lines = jobs.read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[0])
    edited["options"]["sentences"] = 2
    lines[0] = json.dumps(edited)
    jobs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    third = run_cli("batch", str(jobs), "-o", str(out), "--allow-private", env=env)
    assert third.returncode == 1, third.stderr
    assert "1 already done" in third.stderr
    final = read_index(out)
    assert final["barrier"]["hash"] != before["barrier"]["hash"]
    assert final["barrier"]["sentences"] == 2
    assert final["files-1"] == before["files-1"]
    brief = Summary.model_validate_json((out / "barrier.json").read_text(encoding="utf-8"))
    assert len(brief.shown_sentences) == 2


def test_all_jobs_ok_exits_0_and_flags_are_defaults_for_every_job(
    tmp_path: Path, env: dict[str, str], pages: PageServer
) -> None:
    jobs = write_jobs(
        tmp_path / "jobs.jsonl",
        [
            {"id": "a", "sources": [pages.url(f"/{PAGES[0]}"), pages.url(f"/{PAGES[1]}")]},
            {"id": "b", "sources": [pages.url(f"/{PAGES[2]}")], "options": {"sentences": 1}},
        ],
    )
    out = tmp_path / "out"
    result = run_cli(
        "batch", str(jobs), "-o", str(out), "--allow-private", "--sentences", "2", "-j", "2",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    index = read_index(out)
    assert index["a"]["sentences"] == 2  # the flag
    assert index["b"]["sentences"] == 1  # the job's own option wins
    assert {r["status"] for r in index.values()} == {"ok"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"id": "x", "sources": []}', "line 2: 'sources' must be a non-empty list"),
        ('{"id": "../up", "sources": ["a.html"]}', "line 2: id '../up' cannot name a result file"),
        ('{"id": "a", "sources": ["a.html"]}', "line 2: duplicate id 'a' (first on line 1)"),
        (
            '{"id": "x", "sources": ["a.html"], "options": {"sentence": 3}}',
            "line 2: job 'x': unknown setting 'sentence' (did you mean 'target_sentences'?)",
        ),
        (
            '{"id": "x", "sources": ["a.html"], "options": {"sentences": 0}}',
            "line 2: job 'x': invalid setting: target_sentences",
        ),
        (
            '{"id": "x", "sources": ["a.html"], "options": {"model": "gpt-4o"}}',
            "line 2: option 'model' applies to the whole run",
        ),
        ('{"id": "x", "source": ["a.html"]}', "line 2: unknown key 'source'"),
    ],
)
def test_a_malformed_jobs_file_is_refused_before_any_work(
    tmp_path: Path, env: dict[str, str], model: ScriptedOpenAI, line: str, message: str
) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"id": "a", "sources": ["a.html"]}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", str(jobs), "-o", str(out), env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()  # nothing was started
    assert not model.requests


def test_output_that_is_a_file_and_missing_jobs_file(tmp_path: Path, env: dict[str, str]) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", [{"id": "a", "sources": ["a.html"]}])
    taken = tmp_path / "taken"
    taken.write_text("mine", encoding="utf-8")
    result = run_cli("batch", str(jobs), "-o", str(taken), env=env)
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr
    assert taken.read_text(encoding="utf-8") == "mine"
    missing = run_cli("batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"), env=env)
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_engine_ray_without_ray_names_the_extra(tmp_path: Path, env: dict[str, str]) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", [{"id": "a", "sources": ["a.html"]}])
    # The CLI in a Python where `import ray` fails, as in an install without the extra.
    hide_ray = (
        "import sys; sys.modules['ray'] = None; from summarizer.cli import main; "
        "sys.argv = ['summarizer', *sys.argv[1:]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide_ray, "batch", str(jobs), "-o", str(tmp_path / "o"),
         "--engine", "ray"],
        capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 2
    assert "pip install 'summarizer[ray]'" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_ctrl_c_keeps_finished_jobs_and_the_same_command_resumes(
    tmp_path: Path, env: dict[str, str], model: ScriptedOpenAI
) -> None:
    auto = AutoModel()
    model.fallback = lambda request: dataclasses.replace(auto(request), delay=0.2)
    jobs = write_jobs(
        tmp_path / "jobs.jsonl",
        [
            {"id": f"j{i}", "sources": [str(EXAMPLES / name)], "options": {"focus": name}}
            for i, name in enumerate(PAGES)
        ],
    )
    out = tmp_path / "out"
    args = [sys.executable, "-m", "summarizer", "batch", str(jobs), "-o", str(out)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        preexec_fn=foreground,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        index = out / "index.jsonl"
        while time.monotonic() < deadline and '"j0"' not in _text(index):
            time.sleep(0.05)
        assert '"j0"' in _text(index), "the first job finished"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "finished jobs are kept" in err and "Traceback" not in err
    kept = read_index(out)
    assert kept["j0"]["status"] == "ok" and len(kept) < 3
    assert not list(out.glob(".*.tmp"))  # no half-written file left behind

    resumed = run_cli("batch", str(jobs), "-o", str(out), env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"3 jobs: 3 ok, 0 failed, {len(kept)} already done" in resumed.stderr
    assert read_index(out)["j0"] == kept["j0"]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
