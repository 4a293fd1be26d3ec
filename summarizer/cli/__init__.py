"""The command line: a thin shell over the library.

It parses flags into ``Settings`` (flag groups declared once, in
``summarizer.cli.options``), shows progress on stderr, writes the result to
stdout or atomically to ``-o FILE`` (``summarizer.cli.output``), and turns every
``SummarizerError`` into one line on stderr with the error's exit code (0 ok,
1 verification failed, 2 bad usage / no usable source, 3 LLM backend unavailable).
Usage errors are one line too (``summarizer.cli.group``); ``-v``/``-q`` work
before and after the command (``summarizer.cli.logs``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from summarizer import __version__
from summarizer.cli import logs
from summarizer.cli.group import Group
from summarizer.cli.options import (
    BRIEF,
    CACHE,
    CHECK_OUTPUT,
    ENDPOINT,
    FETCH,
    MODE,
    OUTPUT,
    PRIVATE,
    VERIFY,
    InputList,
    OutputTarget,
    Quiet,
    SourceArgs,
    Verbose,
    flags,
)
from summarizer.cli.output import (
    check_output,
    emit,
    fail,
    progress_bars,
    read_text,
    report_failures,
    run,
)
from summarizer.cli.views import render_command, sources_command
from summarizer.errors import VerificationFailed
from summarizer.models import Summary

app = typer.Typer(
    cls=Group,
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Multi-source news briefs in which every sentence is cited and verified.",
)
logger = logging.getLogger("summarizer")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """-v/-q here apply to every command; a command's own -v/-q adds to them."""
    logs.configure_app(verbose, quiet)


_settings = logs.load_settings  # what the commands (and summarizer.cli.batch) call


@app.command()
@flags(OUTPUT, ENDPOINT, MODE, BRIEF, VERIFY, CACHE, PRIVATE, FETCH)
def summarize(
    sources: SourceArgs = None,
    input_file: InputList = None,
    *,
    out: OutputTarget,
    overrides: dict[str, Any],
) -> None:
    """Fetch, extract, summarize, verify and render a cited brief."""
    from summarizer.ingest import collect_inputs
    from summarizer.pipeline import asummarize

    async def work() -> Summary:
        settings = _settings(overrides)
        check_output(out)
        inputs = collect_inputs(
            sources or [], str(input_file) if input_file else None, stdin=sys.stdin
        )
        with progress_bars() as progress:
            summary = await asummarize(inputs, settings=settings, progress=progress)
        report_failures(summary)
        emit(summary, out)
        if summary.sentences and not summary.shown_sentences:
            raise VerificationFailed(
                f"all {len(summary.sentences)} sentences were removed as unsupported; "
                "nothing is left to show"
            )
        return summary

    run(work)


@app.command()
@flags(CHECK_OUTPUT, ENDPOINT, MODE, VERIFY, CACHE, PRIVATE, FETCH)
def check(
    summary_file: Annotated[
        Path, typer.Argument(help="A cited text: a brief with \\[n] markers, or '-'.")
    ],
    sources: Annotated[
        list[str] | None, typer.Argument(help="The sources \\[0], \\[1], ... in order.")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", "-i", help="A list file of sources.")
    ] = None,
    *,
    out: OutputTarget,
    overrides: dict[str, Any],
) -> None:
    """Audit an existing cited text: every sentence checked against the sources it cites.

    Exit code 1 when any sentence is uncited, cites a missing source or is unsupported.
    """
    from summarizer.audit import audit_text
    from summarizer.ingest import collect_inputs, ingest
    from summarizer.llm import open_llm

    async def work() -> Summary:
        settings = _settings(overrides)
        check_output(out)
        text = read_text(summary_file)
        inputs = collect_inputs(sources or [], str(input_file) if input_file else None, stdin=None)
        with progress_bars() as progress:
            fetched = await ingest(
                inputs, settings, progress=lambda _item, done, total: progress("fetch", done, total)
            )
            async with open_llm(settings) as llm:
                summary = await audit_text(text, fetched, llm, settings)
        report_failures(summary)
        emit(summary, out)
        if not summary.all_supported:
            bad = sum(
                1
                for s in summary.shown_sentences
                if s.status.value not in ("supported", "repaired")
            )
            raise VerificationFailed(
                f"{bad} of {len(summary.shown_sentences)} sentences failed the check"
            )
        return summary

    run(work)


@app.command()
@flags(ENDPOINT)
def doctor(
    start: Annotated[
        bool, typer.Option("--start/--no-start", help="Start the embedded server to test it.")
    ] = False,
    *,
    overrides: dict[str, Any],
) -> None:
    """Report which backend would be used, the model file and whether the endpoint answers."""
    from rich.table import Table

    from summarizer.llm.doctor import diagnose

    async def work() -> bool:
        settings = _settings(overrides)
        checks = await diagnose(settings, start_local=start)
        table = Table(title="summarizer doctor", show_lines=False)
        table.add_column("check")
        table.add_column("")
        table.add_column("detail", overflow="fold")
        for item in checks:
            table.add_row(
                item.name,
                "[green]ok[/green]" if item.ok else "[red]FAIL[/red]",
                escape(item.detail),
            )
        Console().print(table)
        return all(item.ok for item in checks)

    if not run(work):
        raise typer.Exit(3)


@app.command("eval")
@flags(ENDPOINT, MODE, CACHE)
def eval_command(
    dataset: Annotated[
        str, typer.Argument(help="A JSONL dataset, or 'compare' followed by two run folders.")
    ],
    runs: Annotated[list[Path] | None, typer.Argument(help="With 'compare': RUN_A RUN_B.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N cases.")] = None,
    system: Annotated[
        list[str] | None,
        typer.Option(
            "--system", help="full, freeform, draft, lead, central (repeatable; default: all)."
        ),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Run folder (re-running resumes it).")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="llm (default: the verifier's judge) or overlap (no model)."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local, or ray: case × system pairs on Ray workers.")
    ] = "local",
    *,
    overrides: dict[str, Any],
) -> None:
    """Score systems against gold summaries (ROUGE, citation recall/precision, cost).

    `summarizer eval compare RUN_A RUN_B` shows per-metric deltas with paired-bootstrap
    significance.
    """
    from summarizer.eval.cli import compare_runs, eval_dataset

    if dataset == "compare":
        if not runs or len(runs) != 2:
            raise fail("usage: summarizer eval compare RUN_A RUN_B")
        run(lambda: compare_runs(runs[0], runs[1], Console()))
        return
    if runs:
        raise fail("eval takes one dataset (did you mean 'eval compare A B'?)")

    async def work() -> None:
        settings = _settings(overrides)
        with progress_bars() as progress:
            await eval_dataset(
                Path(dataset),
                settings,
                systems=system,
                limit=limit,
                output_dir=output_dir,
                progress=progress,
                console=Console(),
                judge=judge,
                engine=engine,
            )

    run(work, interrupted="finished cases are kept; run the same command again to resume")


app.command("render")(render_command)
app.command("sources")(sources_command)

from summarizer.cli.batch import batch_command, serve_command  # noqa: E402

app.command("batch")(batch_command)
app.command("serve")(serve_command)


def main() -> None:
    """Console-script entry point."""
    app()
