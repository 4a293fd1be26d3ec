"""``summarizer render``: a result saved by ``summarize -f json`` / ``check -f json``, again.

The saved results are real: written by the CLI in a subprocess against the scripted
model. Rendering runs the real command (typer's CliRunner in-process, or a
subprocess where the umask or a browser matter).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.cli import ARTICLES, EXAMPLES, cli_env, one_error_line, run_cli
from support.openai_server import ScriptedOpenAI
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.models import Status, Summary

HARBOR = str(EXAMPLES / "harbor-gazette.html")
COASTAL = str(EXAMPLES / "coastal-times.html")


@dataclass(frozen=True)
class Saved:
    brief: Path  # summarize -f json
    markdown: str  # summarize -f markdown, same sources, from the caches
    audit: Path  # check -f json of a text with an unsupported and an uncited sentence
    env: dict[str, str]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Saved:
    folder = tmp_path_factory.mktemp("saved")
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        env = cli_env(server.base_url, folder / "home")
        brief = run_cli("summarize", *ARTICLES, "-f", "json", env=env)
        assert brief.returncode == 0, brief.stderr
        again = run_cli("summarize", *ARTICLES, "-f", "markdown", env=env)
        assert again.returncode == 0, again.stderr
        text = folder / "claims.md"
        text.write_text(
            "The barrier consists of nine steel gates that swing shut when the water rises. [0]\n"
            "Everyone was happy about it.\n"
        )
        audit = run_cli("check", str(text), COASTAL, HARBOR, "-f", "json", env=env)
        assert audit.returncode == 1, audit.stderr
    (folder / "brief.json").write_text(brief.stdout)
    (folder / "audit.json").write_text(audit.stdout)
    return Saved(folder / "brief.json", again.stdout, folder / "audit.json", env)


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_markdown_is_what_summarize_printed(saved: Saved) -> None:
    code, out, err = invoke("render", str(saved.brief), "-f", "markdown")
    assert code == 0, err
    assert out == saved.markdown
    assert out.startswith("# Barrier passes first storm test\n")


def test_json_round_trips(saved: Saved) -> None:
    code, out, _ = invoke("render", str(saved.brief), "-f", "json")
    assert code == 0
    assert Summary.model_validate_json(out) == Summary.model_validate_json(saved.brief.read_text())


def test_html_and_terminal(saved: Saved) -> None:
    summary = Summary.model_validate_json(saved.brief.read_text())
    first = summary.shown_sentences[0]
    code, html, _ = invoke("render", str(saved.brief), "-f", "html")
    assert code == 0
    assert html.startswith("<!DOCTYPE html>") and "Barrier passes first storm test" in html
    assert first.text.split(",")[0] in html
    code, text, _ = invoke("render", str(saved.brief), "-f", "terminal")
    assert code == 0
    assert "Barrier passes first storm test" in text and "✓" in text
    assert "Sources" in text and "│  2 │" in text  # the sources table, three rows
    assert "\x1b" not in text, "no styling when stdout is not a terminal"


def test_stdin_and_output_file_format_from_suffix(saved: Saved, tmp_path: Path) -> None:
    target = tmp_path / "brief.html"
    code, out, err = invoke("render", "-", "-o", str(target), stdin=saved.brief.read_text())
    assert code == 0, err
    assert out == "" and f"wrote {target}" in err
    assert target.read_text().startswith("<!DOCTYPE html>")

    target.write_text("precious")
    code, _, err = invoke("render", str(saved.brief), "-o", str(target))
    assert code == 2 and "--force" in err
    assert target.read_text() == "precious"
    code, _, _ = invoke("render", str(saved.brief), "-o", str(target), "-f", "markdown", "--force")
    assert code == 0 and target.read_text() == saved.markdown


def test_explain_lists_flagged_sentences_with_reasons(saved: Saved) -> None:
    audit = Summary.model_validate_json(saved.audit.read_text())
    unsupported = next(s for s in audit.sentences if s.status is Status.UNSUPPORTED)
    assert unsupported.verdict.evidence, "the audit kept its evidence"

    code, plain, _ = invoke("render", str(saved.audit), "-f", "markdown")
    assert code == 0 and "Flagged sentences" not in plain
    code, out, _ = invoke("render", str(saved.audit), "-f", "markdown", "--explain")
    assert code == 0
    flagged = out.split("## Flagged sentences\n\n", 1)[1].split("\n\n", 1)[0]
    assert flagged.startswith("- **unsupported** “The barrier consists of nine steel gates")
    assert f"  - reason: {unsupported.verdict.reason.split(' (')[0]}" in flagged
    evidence = unsupported.verdict.evidence[0]
    assert f"  - evidence [{evidence.source_id}]: “{evidence.text[:40]}" in flagged
    assert "- **uncited** “Everyone was happy about it.”" in flagged
    assert "the sentence cites no source" in flagged

    code, text, _ = invoke("render", str(saved.audit), "-f", "terminal", "--explain")
    assert code == 0
    assert "Flagged sentences" in text and "reason" in text and "evidence [0]" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not json", "is not JSON"),
        ("[1, 2, 3]", "is not a summarizer result"),
        ('{"name": "left-pad", "version": "1.0.0"}', "no 'title', 'sentences', 'sources'"),
        ('{"title": "t", "sentences": "nope", "sources": []}', "not a valid summarizer result"),
        ('{"title": "t", "sentences": [{"citations": [0]}], "sources": []}', "sentences.0.text"),
    ],
)
def test_malformed_or_foreign_json_is_one_line_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "result.json"
    bad.write_text(content)
    code, out, err = invoke("render", str(bad), "-f", "markdown")
    assert code == 2 and out == ""
    assert message in one_error_line(err)


def test_missing_file_and_terminal_open_refused(saved: Saved, tmp_path: Path) -> None:
    code, _, err = invoke("render", str(tmp_path / "nope.json"))
    assert code == 2 and "not found" in one_error_line(err)
    code, _, err = invoke("render", str(saved.brief), "--open", "-f", "terminal")
    assert code == 2 and "--open needs a file format" in one_error_line(err)


def test_output_files_take_the_umask(saved: Saved, tmp_path: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        target = tmp_path / f"brief-{umask:o}.md"
        result = run_cli(
            "render", str(saved.brief), "-o", str(target), env=saved.env,
            preexec_fn=lambda u=umask: os.umask(u),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(target.stat().st_mode) == mode, f"umask {umask:o}"
    # --force keeps the mode of the file it replaces, as writing into it would
    kept = tmp_path / "brief-22.md"
    kept.chmod(0o640)
    result = run_cli("render", str(saved.brief), "-o", str(kept), "--force", env=saved.env)
    assert result.returncode == 0 and stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_open_writes_a_page_and_hands_it_to_the_browser(saved: Saved, tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys\nopen({str(record)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    env = {**saved.env, "BROWSER": f"{sys.executable} {browser} %s"}
    result = run_cli("render", str(saved.brief), "--open", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    (uri,) = record.read_text().split()
    assert uri.startswith("file://") and uri.endswith(".html")
    page = Path(uri.removeprefix("file://"))
    try:
        assert page.read_text().startswith("<!DOCTYPE html>")
        assert f"wrote {page}" in result.stderr
    finally:
        page.unlink()

    target = tmp_path / "brief.md"
    result = run_cli("render", str(saved.brief), "--open", "-o", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert record.read_text().split()[-1] == target.resolve().as_uri()
    assert target.read_text() == saved.markdown


def test_saved_check_result_keeps_its_audit_options(saved: Saved) -> None:
    data = json.loads(saved.audit.read_text())
    assert data["options"]["audit"] is True
    code, out, _ = invoke("render", str(saved.audit), "-f", "json")
    assert code == 0 and json.loads(out)["options"] == data["options"]
