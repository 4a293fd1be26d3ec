"""``summarizer batch`` (many briefs from a jobs file) and ``summarizer serve`` (one warm model).

Both are thin: the work is in ``summarizer.batch`` and ``summarizer.llm.shared``.
``batch`` reports progress and each failed job on stderr and writes only into its
output folder; exit code 0 when every job is ok, 1 when any failed (the reasons
are in the index), 2 for a malformed jobs file or bad option, before any work.
``serve`` prints the endpoint on stdout as ``NAME=value`` lines and runs until
Ctrl-C or SIGTERM, then stops the model and withdraws its state file (exit 0).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from summarizer.cli.options import BRIEF, CACHE, ENDPOINT, MODE, PRIVATE, VERIFY, flags
from summarizer.cli.output import progress_bars, run, stderr


class Engine(StrEnum):
    local = "local"
    ray = "ray"


@flags(ENDPOINT, MODE, BRIEF, VERIFY, CACHE, PRIVATE)
def batch_command(
    jobs: Annotated[
        Path,
        typer.Argument(
            help='A JSONL jobs file: {"id": ..., "sources": [URLs or paths], '
            '"options": {"sentences": 6, "focus": ...}} per line.'
        ),
    ],
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Folder for <id>.json, <id>.md and index.jsonl (resumable)."
        ),
    ],
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine", help="local: in this process; ray: Ray workers (RAY_ADDRESS for a cluster)."
        ),
    ] = Engine.local,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-j",
            min=1,
            help="Jobs at once (ray: workers). Default: 1 locally, one per Ray CPU.",
            show_default=False,
        ),
    ] = None,
    *,
    overrides: dict[str, Any],
) -> None:
    """Write one cited brief per job of a JSONL file; re-running skips finished jobs.

    Flags such as --sentences or --focus are defaults for every job; a job's own
    "options" override them. Exit code 1 when any job failed (see index.jsonl).
    """
    from summarizer.batch import JobRecord, run_batch
    from summarizer.cli import _settings

    def failed(record: JobRecord) -> None:
        if record.status == "failed":
            what = escape(f"{record.id} (line {record.line})")
            stderr.print(f"[red]failed[/red] {what}: {escape(record.error or '')}", highlight=False)

    async def work() -> bool:
        settings = _settings(overrides)
        with progress_bars() as progress:
            report = await run_batch(
                jobs,
                settings,
                output_dir,
                engine=engine.value,
                concurrency=concurrency,
                progress=progress,
                on_record=failed,
            )
        bad = len(report.records) - report.ok
        stderr.print(
            f"{len(report.records)} jobs: {report.ok} ok, {bad} failed, "
            f"{report.skipped} already done; {report.seconds:.1f}s; "
            f"index in {escape(str(report.index))}",
            highlight=False,
        )
        return bad == 0

    ok = run(work, interrupted="finished jobs are kept; run the same command again to resume")
    if not ok:
        raise typer.Exit(1)


@flags()
def serve_command(
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="Port (default: a free one).", show_default=False
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option("--host", help="Interface to listen on (0.0.0.0: other machines too)."),
    ] = "127.0.0.1",
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Cache and model folder \\[env: SUMMARIZER_HOME]."),
    ] = None,
) -> None:
    """Keep the embedded model running for every command on this machine.

    Prints OPENAI_BASE_URL=... and SUMMARIZER_MODEL=... on stdout and writes them to
    $SUMMARIZER_HOME/serve.json. While it runs, summarize, check, batch and eval use
    it whenever OPENAI_BASE_URL is not set. Ctrl-C or SIGTERM stops it.
    """
    from summarizer.cli import _settings
    from summarizer.llm.shared import SharedServer, serve

    def ready(server: SharedServer) -> None:
        sys.stdout.write(f"OPENAI_BASE_URL={server.base_url}\nSUMMARIZER_MODEL={server.model}\n")
        sys.stdout.flush()
        stderr.print(
            f"serving the embedded model (pid {server.pid}); commands on this machine use it "
            "while OPENAI_BASE_URL is unset; Ctrl-C stops it",
            highlight=False,
        )

    async def work() -> None:
        settings = _settings({"home": home})
        if os.environ.get("OPENAI_BASE_URL"):
            stderr.print(
                "[yellow]note:[/yellow] OPENAI_BASE_URL is set in this shell; commands run "
                "with it use that endpoint, not this server",
                highlight=False,
            )
        if host not in ("127.0.0.1", "localhost", "::1"):
            stderr.print(
                f"[yellow]warning:[/yellow] listening on {escape(host)}: anyone who can reach "
                "it can use the model (no API key)",
                highlight=False,
            )
        stderr.print("starting the embedded model…", highlight=False)
        await serve(settings, port=port, host=host, on_ready=ready)
        stderr.print("stopped", highlight=False)

    run(work)
