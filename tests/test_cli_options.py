"""CLI basics a user reaches for: help, -v/-q anywhere, usage errors, completion, explain.

Runs the real program (a subprocess) against the scripted model; help and
completion go through typer's CliRunner, in-process.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.cli import ARTICLES, EXAMPLES, cli_env, one_error_line, run_cli
from support.openai_server import Reply, Request, ScriptedOpenAI, text_reply
from typer.testing import CliRunner

from summarizer.cli import app

COMMANDS = ["summarize", "check", "render", "sources", "doctor", "eval"]


@pytest.fixture
def served() -> Iterator[tuple[ScriptedOpenAI, AutoModel]]:
    auto = AutoModel()
    with ScriptedOpenAI(fallback=auto) as server:
        yield server, auto


@pytest.fixture
def model(served: tuple[ScriptedOpenAI, AutoModel]) -> AutoModel:
    return served[1]


@pytest.fixture
def env(tmp_path: Path, served: tuple[ScriptedOpenAI, AutoModel]) -> dict[str, str]:
    return cli_env(served[0].base_url, tmp_path / "home")


def help_text(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    return result.stdout


# --- help ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_lists_flags_without_a_type(command: str | None) -> None:
    text = help_text(*([command] if command else []))
    assert "<bool>" not in text
    verbose = next(line for line in text.splitlines() if "--verbose" in line)
    assert "<int>" not in verbose and "-v" in verbose
    assert "--quiet" in text


def test_help_shows_defaults() -> None:
    summarize = help_text("summarize")
    for option, default in [
        ("--on-unsupported", "[default: (repair)]"),
        ("--mode", "[default: (tools)]"),
        ("--sentences", "[default: (two per usable source, 5 to 12)]"),
        ("--format", "[default: (from the -o suffix; terminal on a TTY, else markdown)]"),
        ("--explain", "[default: no-explain]"),
        ("--timeout", "[default: (60.0)]"),
        ("--language", "[default: (English)]"),
    ]:
        line = next(line for line in summarize.splitlines() if f" {option} " in line)
        assert default in line, line
    assert "[default: explain]" in help_text("check")
    assert "[default: table]" in help_text("sources")


def test_completion_is_on() -> None:
    root = help_text()
    assert "--install-completion" in root and "--show-completion" in root
    runner = CliRunner()
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="summarizer")
    assert script.exit_code == 0 and "_SUMMARIZER_COMPLETE=complete_bash" in script.stdout
    words = {"_SUMMARIZER_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    commands = runner.invoke(
        app, [], prog_name="summarizer", env={**words, "COMP_WORDS": "summarizer so"}
    )
    assert commands.stdout.split() == ["sources"]
    choices = runner.invoke(
        app,
        [],
        prog_name="summarizer",
        env={**words, "COMP_CWORD": "3", "COMP_WORDS": "summarizer summarize --on-unsupported "},
    )
    assert choices.stdout.split() == ["repair", "mark", "remove", "fail"]


# --- usage errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("summarize", "--bogus", "x.html"), "No such option: --bogus"),
        (("--bogus",), "No such option: --bogus"),
        (("nosuch",), "No such command 'nosuch'"),
        (("summarize", "-n", "abc", "x.html"), "Invalid value for '--sentences'"),
        (("check",), "Missing argument"),
        (("render", "x.json", "-f", "pdf"), "'pdf' is not one of"),
        (("sources", "--timeout"), "requires an argument"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run_cli(*args, env=env)
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result.stderr)
    assert message in line and "--help'" in line


# --- -v / -q, failed sources --------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command(
    env: dict[str, str], tmp_path: Path, where: str
) -> None:
    missing = str(tmp_path / "gone.html")
    args = ["summarize", *ARTICLES[:2], missing]
    args = ["-v", *args] if where == "before" else [*args, "-v"]
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert "INFO" in result.stderr and "ingest: 2 usable, 1 failed of 3 inputs" in result.stderr
    assert result.stderr.count("gone.html") == 1, "each failed source is reported once"
    assert f"skipped {missing}: file not found" in result.stderr.replace("\n", "")
    assert result.stdout.startswith("# ")


def test_quiet_prints_only_the_result(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    missing = str(tmp_path / "gone.html")
    result = run_cli("summarize", *ARTICLES, missing, "-o", str(target), "-q", env=env)
    assert result.returncode == 0
    assert result.stderr == "" and result.stdout == ""
    text = target.read_text()
    assert "Not used:" in text and f"- source 3: {missing} — file not found" in text
    failed = run_cli("-q", "summarize", missing, env=env)
    assert failed.returncode == 2 and "none of the 1 sources" in one_error_line(failed.stderr)


def test_summarize_output_file_takes_the_umask(env: dict[str, str], tmp_path: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o077, 0o600)):
        target = tmp_path / f"brief-{umask:o}.html"
        result = run_cli(
            "summarize", *ARTICLES, "-o", str(target), env=env,
            preexec_fn=lambda u=umask: os.umask(u),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(target.stat().st_mode) == mode


# --- --explain -------------------------------------------------------------------


def test_check_explains_by_default(env: dict[str, str], tmp_path: Path) -> None:
    text = tmp_path / "claims.md"
    text.write_text(
        "The barrier consists of nine steel gates that swing shut when the water rises. [0]\n"
        "It cost 410 million euros. [7]\n"
    )
    coastal, harbor = str(EXAMPLES / "coastal-times.html"), str(EXAMPLES / "harbor-gazette.html")
    result = run_cli("check", str(text), coastal, harbor, env=env)
    assert result.returncode == 1
    flagged = result.stdout.split("## Flagged sentences\n\n", 1)[1].split("\n\n", 1)[0]
    items = re.split(r"\n(?=- )", flagged)
    assert len(items) == 2
    assert items[0].startswith("- **unsupported** “The barrier consists of nine steel gates")
    assert "  - reason: not supported: judge p=" in items[0]
    assert "  - evidence [0]: “" in items[0]
    assert items[1].startswith("- **unsupported** “It cost 410 million euros.” [7]")
    assert "cites \\[7\\], which is not among the sources" in items[1]

    terminal = run_cli("check", str(text), coastal, harbor, "-f", "terminal", env=env)
    assert "Flagged sentences" in terminal.stdout and "evidence [0]" in terminal.stdout
    quiet = run_cli("check", str(text), coastal, harbor, "--no-explain", env=env)
    assert quiet.returncode == 1 and "Flagged sentences" not in quiet.stdout


def test_check_threshold_flag_and_variable_decide_a_borderline_paraphrase(
    tmp_path: Path,
) -> None:
    """A judge P(yes) of 0.78 is below the default 0.85 and above a lenient 0.71."""

    def lukewarm(request: Request) -> Reply:
        assert request.get("logprobs"), "check only asks the judge here"
        return text_reply("Yes", top_logprobs={"Yes": math.log(0.78), "No": math.log(0.22)})

    text = tmp_path / "claims.md"
    text.write_text("Nine steel gates make up the barrier, and they shut as the water rises. [0]\n")
    harbor = str(EXAMPLES / "harbor-gazette.html")
    with ScriptedOpenAI(fallback=lukewarm) as server:
        env = cli_env(server.base_url, tmp_path / "home")
        default = run_cli("check", str(text), harbor, "-f", "json", env=env)
        lenient = run_cli("check", str(text), harbor, "--threshold", "0.71", "-f", "json", env=env)
        by_env = run_cli(
            "check", str(text), harbor, "-f", "json",
            env={**env, "SUMMARIZER_SUPPORT_THRESHOLD": "0.71"},
        )  # fmt: skip
        flag_wins = run_cli(
            "check", str(text), harbor, "--threshold", "0.9", "-f", "json",
            env={**env, "SUMMARIZER_SUPPORT_THRESHOLD": "0.71"},
        )  # fmt: skip
        out_of_range = run_cli("check", str(text), harbor, "--threshold", "1.5", env=env)
        as_markdown = run_cli("check", str(text), harbor, "--threshold", "0.71", env=env)
    statuses = []
    for result in (default, lenient, by_env, flag_wins):
        sentence = json.loads(result.stdout)["sentences"][0]
        statuses.append((result.returncode, sentence["verdict"]["status"]))
        assert sentence["verdict"]["score"] == pytest.approx(0.78, abs=0.01)
    assert statuses == [
        (1, "unsupported"), (0, "supported"), (0, "supported"), (1, "unsupported"),
    ]  # fmt: skip
    thresholds = [json.loads(r.stdout)["options"]["support_threshold"] for r in (default, lenient)]
    assert thresholds == [0.85, 0.71]  # the audit records what it was judged at
    assert "1 of 1 sentence verified against their sources at support threshold 0.71" in (
        as_markdown.stdout
    )  # and the report says it, not only the JSON
    assert out_of_range.returncode == 2
    assert "--threshold" in one_error_line(out_of_range.stderr)


def test_summarize_explains_repairs_when_asked(env: dict[str, str], model: AutoModel) -> None:
    model.bogus = True
    env = {**env, "SUMMARIZER_DRAFTER": "freeform"}
    plain = run_cli("summarize", *ARTICLES, env=env)
    assert plain.returncode == 0 and "Flagged sentences" not in plain.stdout
    explained = run_cli("summarize", *ARTICLES, "--explain", env=env)
    assert explained.returncode == 0, explained.stderr
    flagged = explained.stdout.split("## Flagged sentences\n\n", 1)[1].split("\n\n", 1)[0]
    assert "The mayor resigned after the barrier failed on Sunday." in flagged
    assert flagged.startswith(("- **repaired**", "- **removed**"))
    assert "  - repair: " in flagged
