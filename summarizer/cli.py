"""The command line: a thin shell over the library.

It parses flags into ``Settings``, shows progress on stderr, writes the result to
stdout or atomically to ``-o FILE``, and turns every ``SummarizerError`` into one
line on stderr with the error's exit code (0 ok, 1 verification failed,
2 bad usage / no usable source, 3 LLM backend unavailable).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from summarizer import __version__
from summarizer.cache import atomic_write_text
from summarizer.errors import InputError, OutputError, SummarizerError, VerificationFailed
from summarizer.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Multi-source news briefs in which every sentence is cited and verified.",
)
stderr = Console(stderr=True, soft_wrap=True)
logger = logging.getLogger("summarizer")


class Format(StrEnum):
    markdown = "markdown"
    json = "json"
    html = "html"
    terminal = "terminal"


class OnUnsupported(StrEnum):
    repair = "repair"
    mark = "mark"
    remove = "remove"
    fail = "fail"


_SUFFIX_FORMATS = {
    ".md": Format.markdown,
    ".json": Format.json,
    ".html": Format.html,
    ".htm": Format.html,
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output.")
    ] = 0,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=stderr, show_path=False, markup=False)],
        force=True,
    )
    # Libraries that log expected conditions (empty pages, re-asks) as errors: the
    # run reports those itself, so they only speak with -vv.
    quiet = logging.DEBUG if verbose >= 2 else logging.CRITICAL
    for noisy in (
        "httpx",
        "httpcore",
        "openai",
        "instructor",
        "trafilatura",
        "htmldate",
        "justext",
    ):
        logging.getLogger(noisy).setLevel(quiet)


# -- shared option types --------------------------------------------------------
BaseUrl = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL]."),
]
Model = Annotated[str | None, typer.Option("--model", help="Model name [env: SUMMARIZER_MODEL].")]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", help="API key [env: OPENAI_API_KEY].", show_default=False)
]
Home = Annotated[
    Path | None, typer.Option("--home", help="Cache and model folder [env: SUMMARIZER_HOME].")
]
Mode = Annotated[
    str | None, typer.Option("--mode", help="Structured-output mode: tools (default) or json.")
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Bypass the page and LLM caches.")]
AllowPrivate = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow URLs on private, loopback or link-local addresses."
    ),
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the result here (atomically).")
]
Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="markdown | json | html | terminal (default: from -o suffix, "
        "terminal on a TTY, else markdown).",
    ),
]


def _settings(**overrides: Any) -> Settings:
    try:
        base = Settings()
    except ValueError as exc:
        raise InputError(f"invalid environment setting: {exc}") from exc
    return base.with_overrides(**overrides)


def _run(work: Callable[[], Awaitable[T]], interrupted: str = "no output written") -> T:
    """Run a coroutine, mapping known errors to one line and an exit code."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except SummarizerError as exc:
        stderr.print(f"[red]error:[/red] {_escape(exc.one_line())}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        stderr.print(f"[yellow]interrupted[/yellow]; {interrupted}")
        raise typer.Exit(130) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """Progress bars on stderr, one per stage; stdout stays for the result."""
    bars = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update


def _choose_format(fmt: Format | None, output: Path | None) -> Format:
    if fmt is not None:
        return fmt
    if output is not None and output.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[output.suffix.lower()]
    return Format.terminal if output is None and sys.stdout.isatty() else Format.markdown


def _emit(summary: Any, fmt: Format, output: Path | None, force: bool) -> None:
    from summarizer.render import render, to_terminal

    if fmt is Format.terminal and output is None:
        to_terminal(summary, Console())
        return
    text = render(summary, fmt.value)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    _write_output(output, text, force)


def _check_output(output: Path | None, force: bool) -> None:
    """Refuse before any work is done, so nothing the user had is overwritten silently."""
    if output is None:
        return
    if output.is_dir():
        raise InputError(f"--output {output} is a directory")
    if output.exists() and not force:
        raise InputError(f"{output} already exists; pass --force to overwrite it")
    if not output.parent.exists():
        raise InputError(f"folder {output.parent} does not exist")


def _write_output(output: Path, text: str, force: bool) -> None:
    _check_output(output, force)
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror}") from exc
    stderr.print(f"wrote {_escape(str(output))}")


@app.command()
def summarize(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="URLs or local files (.html .htm .txt .md); '-' reads a list from stdin."
        ),
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", "-i", help="A file listing one URL or path per line.")
    ] = None,
    fmt: FormatOpt = None,
    output: Output = None,
    force: Force = False,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    mode: Mode = None,
    home: Home = None,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", help="Target number of sentences.")
    ] = None,
    words: Annotated[int | None, typer.Option("--words", help="Target length in words.")] = None,
    focus: Annotated[
        str | None, typer.Option("--focus", help="A question or angle to focus on.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Language of the brief.")
    ] = None,
    on_unsupported: Annotated[
        OnUnsupported | None,
        typer.Option("--on-unsupported", help="What to do with unsupported sentences."),
    ] = None,
    no_verify: Annotated[
        bool,
        typer.Option("--no-verify", help="Skip verification (sentences are marked unverified)."),
    ] = False,
    no_cache: NoCache = False,
    allow_private: AllowPrivate = False,
) -> None:
    """Fetch, extract, summarize, verify and render a cited brief."""
    from summarizer.ingest import collect_inputs
    from summarizer.pipeline import asummarize

    async def work() -> Any:
        settings = _settings(
            base_url=base_url,
            model=model,
            api_key=api_key,
            mode=mode,
            home=home,
            target_sentences=sentences,
            target_words=words,
            focus=focus,
            language=language,
            on_unsupported=on_unsupported.value if on_unsupported else None,
            verify=False if no_verify else None,
            cache=False if no_cache else None,
            allow_private=True if allow_private else None,
        )
        _check_output(output, force)
        inputs = collect_inputs(
            sources or [], str(input_file) if input_file else None, stdin=sys.stdin
        )
        with _progress() as progress:
            summary = await asummarize(inputs, settings=settings, progress=progress)
        _report_failures(summary)
        _emit(summary, _choose_format(fmt, output), output, force)
        if settings.on_unsupported == "fail" and not summary.all_supported:
            raise VerificationFailed("some sentences are not supported by their sources")
        return summary

    _run(work)


def _report_failures(summary: Any) -> None:
    for src in summary.sources:
        if src.error:
            stderr.print(
                f"[yellow]skipped[/yellow] {_escape(src.url)}: {_escape(src.error)}",
                highlight=False,
            )


@app.command()
def check(
    summary_file: Annotated[
        Path, typer.Argument(help="A cited text: a brief with [n] markers, or '-'.")
    ],
    sources: Annotated[
        list[str] | None, typer.Argument(help="The sources [0], [1], ... in order.")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", "-i", help="A list file of sources.")
    ] = None,
    fmt: FormatOpt = None,
    output: Output = None,
    force: Force = False,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    mode: Mode = None,
    home: Home = None,
    no_cache: NoCache = False,
    allow_private: AllowPrivate = False,
) -> None:
    """Audit an existing cited text: every sentence checked against the sources it cites.

    Exit code 1 when any sentence is uncited, cites a missing source or is unsupported.
    """
    from summarizer.audit import audit_text
    from summarizer.ingest import collect_inputs, ingest
    from summarizer.llm import open_llm

    async def work() -> Any:
        settings = _settings(
            base_url=base_url,
            model=model,
            api_key=api_key,
            mode=mode,
            home=home,
            cache=False if no_cache else None,
            allow_private=True if allow_private else None,
        )
        _check_output(output, force)
        text = _read_text(summary_file)
        inputs = collect_inputs(sources or [], str(input_file) if input_file else None, stdin=None)
        with _progress() as progress:
            fetched = await ingest(
                inputs, settings, progress=lambda _item, done, total: progress("fetch", done, total)
            )
            async with open_llm(settings) as llm:
                summary = await audit_text(text, fetched, llm, settings)
        _report_failures(summary)
        _emit(summary, _choose_format(fmt, output), output, force)
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

    _run(work)


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{path} not found") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a directory") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc


@app.command()
def doctor(
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    home: Home = None,
    start: Annotated[
        bool, typer.Option("--start/--no-start", help="Start the embedded server to test it.")
    ] = False,
) -> None:
    """Report which backend would be used, the model file and whether the endpoint answers."""
    from rich.table import Table

    from summarizer.llm.doctor import diagnose

    async def work() -> bool:
        settings = _settings(base_url=base_url, model=model, api_key=api_key, home=home)
        checks = await diagnose(settings, start_local=start)
        table = Table(title="summarizer doctor", show_lines=False)
        table.add_column("check")
        table.add_column("")
        table.add_column("detail", overflow="fold")
        for item in checks:
            table.add_row(
                item.name,
                "[green]ok[/green]" if item.ok else "[red]FAIL[/red]",
                _escape(item.detail),
            )
        Console().print(table)
        return all(item.ok for item in checks)

    if not _run(work):
        raise typer.Exit(3)


@app.command("eval")
def eval_command(
    dataset: Annotated[
        str, typer.Argument(help="A JSONL dataset, or 'compare' followed by two run folders.")
    ],
    runs: Annotated[list[Path] | None, typer.Argument(help="With 'compare': RUN_A RUN_B.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N cases.")] = None,
    system: Annotated[
        list[str] | None,
        typer.Option("--system", help="full, draft, lead, central (repeatable; default: all)."),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Run folder (re-running resumes it).")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="llm (default: the verifier's judge) or overlap (no model)."),
    ] = None,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    mode: Mode = None,
    home: Home = None,
    no_cache: NoCache = False,
) -> None:
    """Score systems against gold summaries (ROUGE, citation recall/precision, cost).

    `summarizer eval compare RUN_A RUN_B` shows per-metric deltas with paired-bootstrap
    significance.
    """
    from summarizer.eval.cli import compare_runs, eval_dataset

    if dataset == "compare":
        if not runs or len(runs) != 2:
            stderr.print("[red]error:[/red] usage: summarizer eval compare RUN_A RUN_B")
            raise typer.Exit(2)
        _run(lambda: compare_runs(runs[0], runs[1], Console()))
        return
    if runs:
        stderr.print("[red]error:[/red] eval takes one dataset (did you mean 'eval compare A B'?)")
        raise typer.Exit(2)

    async def work() -> None:
        settings = _settings(
            base_url=base_url,
            model=model,
            api_key=api_key,
            mode=mode,
            home=home,
            cache=False if no_cache else None,
        )
        with _progress() as progress:
            await eval_dataset(
                Path(dataset),
                settings,
                systems=system,
                limit=limit,
                output_dir=output_dir,
                progress=progress,
                console=Console(),
                judge=judge,
            )

    _run(work, interrupted="finished cases are kept; run the same command again to resume")


def main() -> None:
    """Console-script entry point."""
    app()
