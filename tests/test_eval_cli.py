"""`summarizer eval` and `summarizer eval compare` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from support.auto_llm import AutoModel
from support.openai_server import ScriptedOpenAI
from typer.testing import CliRunner

from summarizer.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "evals" / "sample.jsonl"


def test_eval_then_compare(tmp_path: Path) -> None:
    runner = CliRunner()
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        common = ["--base-url", server.base_url, "--model", "auto", "--home", str(tmp_path / "h")]
        first = runner.invoke(
            app,
            ["eval", str(SAMPLE), "--limit", "2", "--system", "lead", "--system", "central",
             "--output", str(tmp_path / "a"), *common],
        )  # fmt: skip
        assert first.exit_code == 0, first.output
        assert "ROUGE-1 F1" in first.output and "central" in first.output
        second = runner.invoke(
            app,
            ["eval", str(SAMPLE), "--limit", "2", "--system", "lead",
             "--output", str(tmp_path / "b"), *common],
        )  # fmt: skip
        assert second.exit_code == 0, second.output

    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["cases"] == 2 and summary["judge"] == "llm" and summary["model"] == "auto"
    assert set(summary["systems"]) == {"lead", "central"}

    compared = CliRunner().invoke(
        app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]
    )
    assert compared.exit_code == 0, compared.output
    assert "ROUGE-1 F1" in compared.output and "n.s." in compared.output


def test_malformed_dataset_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "documents": ["t"]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(bad), "--output", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "line 1: 'summary' (the gold summary) is missing or empty" in result.output
    assert "Traceback" not in result.output


def test_eval_help_names_every_system() -> None:
    """The --system help is a literal (the CLI does not import the eval at start-up)."""
    from summarizer.eval.systems import DEFAULT_SYSTEMS

    result = CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if "--system" in line)
    assert all(name in line for name in DEFAULT_SYSTEMS), line
