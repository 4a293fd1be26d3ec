"""Running the CLI as a user does: a subprocess with a clean environment pointed at test servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTICLES = sorted(str(p) for p in EXAMPLES.glob("*.html"))
KEY = "sk-test-secret-key-123"


def run_cli(
    *args: str,
    env: dict[str, str],
    stdin: str | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=preexec_fn,
    )


def cli_env(base_url: str, home: Path) -> dict[str, str]:
    """This process's environment without our variables, then a scripted endpoint."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    clean.update(
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY=KEY,
        SUMMARIZER_MODEL="scripted",
        SUMMARIZER_HOME=str(home),
        SUMMARIZER_RETRY_MAX_WAIT="0",
        SUMMARIZER_LLM_TIMEOUT="5",
    )
    return clean


def one_error_line(stderr: str) -> str:
    """The single line a failing command printed, asserting it is the only one."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "╭" not in stderr, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]
