"""The hostile-input matrix, run through the CLI as an outside tester would.

Every case is a real ``summarizer`` subprocess against servers on 127.0.0.1 (the
scripted OpenAI-compatible model of the tests, and a page server that misbehaves on
purpose), with a hard timeout. For each case it prints the exit code, the last line
of stderr, whether a traceback appeared, the seconds taken, and whether the API key
or a source URL's password leaked into stdout, stderr, the output file or the caches,
or a file the user had was changed. Totals at the end: cases, handled, tracebacks,
hangs, key leaks, data loss (targets: 0 for the last four).

    python bench/hostile.py            # the matrix; --json FILE also writes the rows
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.auto_llm import AutoModel  # noqa: E402
from support.openai_server import Reply, ScriptedOpenAI, error_reply  # noqa: E402
from support.pages import PageServer, Resp, Route, page  # noqa: E402

KEY = "sk-bench-hostile-0042"
PASSWORD = "hunter2bench"
ARTICLE = str(ROOT / "examples" / "coastal-times.html")
HANG_SECONDS = 90.0


@dataclass
class Case:
    name: str
    args: list[str]
    expect: set[int]  # exit codes that count as handled
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    setup: Callable[[Path], None] | None = None
    keep: str | None = None  # a file (in the case folder) that must be left untouched


@dataclass
class Row:
    case: str
    exit: int | None
    last_line: str
    traceback: bool
    seconds: float
    handled: bool
    key_leak: bool
    data_loss: bool


def write(path: Path, text: str | bytes) -> None:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def odd_name(folder: Path) -> str:
    """A file name that is not valid UTF-8 (as the OS hands it to Python)."""
    return os.fsdecode(os.fsencode(str(folder)) + b"/caf\xe9.html")


def non_utf8_name(folder: Path) -> None:
    write(Path(odd_name(folder)), Path(ARTICLE).read_bytes())


def cases(pages: PageServer, model: ScriptedOpenAI) -> list[Case]:
    private = pages.add("/story", page("harbor-bridge.html"))
    pages.add(
        "/notes.txt",
        Route([Resp(body=b"# " + b"a " * 2000 + b"\nBody.", content_type="text/plain")]),
    )
    pages.add("/bomb", Route([Resp(body=b"<html>", stream_bytes=200_000_000)]))
    pages.add("/slow", Route([Resp(body=b"<html>", trickle=0.5)]))
    pages.add("/loop", Route([Resp(status=302, headers={"Location": "/loop"}, content_type=None)]))
    pages.add("/down", Route([Resp(status=503)]))
    with_password = private.replace("http://", f"http://reporter:{PASSWORD}@")
    ok = {0}
    return [
        Case("plain run", [ARTICLE], ok),
        Case("missing file", ["/no/such/file.html"], {2}),
        Case(
            "binary file",
            ["BIN.html"],
            {2},
            setup=lambda d: write(d / "BIN.html", bytes(range(256)) * 50),
        ),
        Case("directory", [str(ROOT / "examples")], {2}),
        Case("empty list", ["-"], {2}, stdin="\n# nothing\n"),
        Case(
            "NUL byte in list",
            ["-i", "LIST"],
            ok,
            setup=lambda d: write(d / "LIST", f"a\x00b.html\n{ARTICLE}\n"),
        ),
        Case(
            "non-UTF-8 file name",
            ["ODD"],
            ok,
            setup=non_utf8_name,
        ),
        Case(
            "ANSI in list entry",
            ["-i", "LIST"],
            ok,
            setup=lambda d: write(d / "LIST", f"/x/\x1b[2J\x1b]0;t\x07.html\n{ARTICLE}\n"),
        ),
        Case(
            "4 KB heading line (text/plain URL)",
            [pages.url("/notes.txt"), ARTICLE, "--allow-private"],
            ok,
        ),
        Case(
            "4 KB heading line (.md file)",
            ["NOTES.md", ARTICLE],
            ok,
            setup=lambda d: write(d / "NOTES.md", "# " + "a " * 2000 + "\nBody text."),
        ),
        Case(
            "quadratic link text (.md file)",
            ["NOTES.md", ARTICLE],
            ok,
            setup=lambda d: write(d / "NOTES.md", "T\n" + "[" * 60000),
        ),
        Case("gzip-free 200 MB body", [pages.url("/bomb"), ARTICLE, "--allow-private"], ok),
        Case(
            "slow loris",
            [pages.url("/slow"), ARTICLE, "--allow-private"],
            ok,
            env={"SUMMARIZER_TOTAL_TIMEOUT": "3"},
        ),
        Case("redirect loop", [pages.url("/loop"), ARTICLE, "--allow-private"], ok),
        Case(
            "503 storm",
            [pages.url("/down"), ARTICLE, "--allow-private"],
            ok,
            env={"SUMMARIZER_FETCH_RETRIES": "1"},
        ),
        Case("loopback without --allow-private", [private], {2}),
        Case(
            "cache filled with --allow-private, then without",
            [private],
            {2},
            setup=lambda d: None,
            env={"PRIME": private},
        ),
        Case("password in source URL", [with_password, "--allow-private", "-o", "OUT.json"], ok),
        Case(
            "key in --base-url",
            [ARTICLE, "--base-url", model.base_url + f"?api-key={KEY}", "-f", "json"],
            ok,
        ),
        Case("--sentences 0", [ARTICLE, "--sentences", "0"], {2}),
        Case("--sentences -3", [ARTICLE, "--sentences", "-3"], {2}),
        Case("--sentences 100000", [ARTICLE, "--sentences", "100000"], {2}),
        Case("--words -5", [ARTICLE, "--words", "-5"], {2}),
        Case("negative timeout", [ARTICLE], {2}, env={"SUMMARIZER_LLM_TIMEOUT": "-1"}),
        Case("malformed --base-url", [ARTICLE, "--base-url", "localhost:8080"], {2}),
        Case("typo in a setting", [ARTICLE], {2}, env={"SUMMARIZER_TARGET_SENTENCE": "3"}),
        Case("--no-verify with fail", [ARTICLE, "--no-verify", "--on-unsupported", "fail"], {2}),
        Case(
            "--home is a file",
            [ARTICLE],
            {2},
            env={"SUMMARIZER_HOME": "HOMEFILE"},
            setup=lambda d: write(d / "HOMEFILE", "x"),
        ),
        Case("cache entry is a directory", [ARTICLE], ok, env={"BREAK_CACHE": "1"}),
        Case(
            "existing -o without --force",
            [ARTICLE, "-o", "KEEP.md"],
            {2},
            keep="KEEP.md",
            setup=lambda d: write(d / "KEEP.md", "mine"),
        ),
        Case("-o into /proc", [ARTICLE, "-o", "/proc/brief.md"], {4}),
        Case(
            "backend down",
            [ARTICLE, "--base-url", "http://127.0.0.1:9/v1"],
            {3},
            env={"SUMMARIZER_LLM_RETRIES": "1"},
        ),
        Case("backend echoes the key in 500s", [ARTICLE], {3}, env={"ECHO": "1"}),
        Case("backend Retry-After 3600", [ARTICLE], {3}, env={"RETRY_AFTER": "1"}),
        Case("backend endless body", [ARTICLE], {3}, env={"ENDLESS": "1"}),
    ]


def run_case(case: Case, folder: Path, model: ScriptedOpenAI, pages: PageServer) -> Row:
    case_dir = Path(tempfile.mkdtemp(dir=folder))
    home = case_dir / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(
        OPENAI_BASE_URL=model.base_url,
        OPENAI_API_KEY=KEY,
        SUMMARIZER_MODEL="scripted",
        SUMMARIZER_HOME=str(home),
        SUMMARIZER_RETRY_MAX_WAIT="0",
        SUMMARIZER_LLM_TIMEOUT="10",
    )
    special = {
        k: case.env[k]
        for k in ("PRIME", "BREAK_CACHE", "ECHO", "RETRY_AFTER", "ENDLESS")
        if k in case.env
    }
    env.update(
        {
            k: v.replace("HOMEFILE", str(case_dir / "HOMEFILE"))
            for k, v in case.env.items()
            if k not in special
        }
    )
    if case.setup:
        case.setup(case_dir)
    before = (case_dir / case.keep).read_bytes() if case.keep else None
    if "PRIME" in special:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "summarizer",
                "summarize",
                special["PRIME"],
                "--allow-private",
                "-f",
                "json",
            ],
            env=env,
            capture_output=True,
            timeout=HANG_SECONDS,
            cwd=case_dir,
        )
    if "BREAK_CACHE" in special:
        subprocess.run(
            [sys.executable, "-m", "summarizer", "summarize", ARTICLE, "-f", "json"],
            env=env,
            capture_output=True,
            timeout=HANG_SECONDS,
            cwd=case_dir,
        )
        for entry in list((home / "cache").rglob("*.json"))[:3]:
            entry.unlink()
            entry.mkdir()
    if "ECHO" in special:
        model.script(*[error_reply(500, f"echo: Authorization: Bearer {KEY}")] * 4)
    if "RETRY_AFTER" in special:
        model.script(error_reply(429, "tomorrow", **{"Retry-After": "3600"}))
    if "ENDLESS" in special:
        env["SUMMARIZER_MAX_RESPONSE_BYTES"] = "100000"
        model.script(Reply(trickle=True))
    args = [a.replace("LIST", str(case_dir / "LIST")) if a == "LIST" else a for a in case.args]
    args = [odd_name(case_dir) if a == "ODD" else a for a in args]
    args = [
        str(case_dir / a) if a in ("BIN.html", "NOTES.md", "OUT.json", "KEEP.md") else a
        for a in args
    ]
    started = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "summarizer", "summarize", *args],
            input=case.stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=HANG_SECONDS,
            cwd=case_dir,
            errors="replace",
        )
        code: int | None = result.returncode
        stdout, stderr = result.stdout, result.stderr
    except subprocess.TimeoutExpired:
        code, stdout, stderr = None, "", "(hung)"
    seconds = time.perf_counter() - started
    model.clear()  # drop what a case scripted but did not use
    written = "".join(
        p.read_text(errors="replace")
        for p in case_dir.rglob("*")
        if p.is_file() and p.suffix in (".json", ".md")
    )
    leaked = any(secret in text for secret in (KEY, PASSWORD) for text in (stdout, stderr, written))
    lost = before is not None and (case_dir / case.keep).read_bytes() != before  # type: ignore[operator]
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return Row(
        case=case.name,
        exit=code,
        last_line=(lines[-1] if lines else "")[:90],
        traceback="Traceback" in stderr,
        seconds=round(seconds, 2),
        handled=code in case.expect and "Traceback" not in stderr,
        key_leak=leaked,
        data_loss=lost,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    options = parser.parse_args()
    rows: list[Row] = []
    with (
        ScriptedOpenAI(fallback=AutoModel()) as model,
        PageServer() as pages,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for case in cases(pages, model):
            row = run_case(case, Path(tmp), model, pages)
            rows.append(row)
            flag = "ok " if row.handled and not (row.key_leak or row.data_loss) else "BAD"
            traceback = "yes" if row.traceback else "no"
            print(
                f"{flag} {row.case:<48} exit={row.exit!s:<4} tb={traceback:<3} "
                f"{row.seconds:6.2f}s  {row.last_line}",
                flush=True,
            )
    totals = {
        "cases": len(rows),
        "handled": sum(r.handled and not (r.key_leak or r.data_loss) for r in rows),
        "tracebacks": sum(r.traceback for r in rows),
        "hangs": sum(r.exit is None for r in rows),
        "key_leaks": sum(r.key_leak for r in rows),
        "data_loss": sum(r.data_loss for r in rows),
    }
    print("\ntotals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    if options.json:
        options.json.write_text(
            json.dumps({"totals": totals, "rows": [r.__dict__ for r in rows]}, indent=2)
        )


if __name__ == "__main__":
    main()
