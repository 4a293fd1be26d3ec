"""What the commands share at the edge: running a job, progress, writing the result.

Progress and messages go to stderr (none with ``-q``), the result to stdout or
atomically to ``-o FILE`` (mode 0666 less the umask, never over an existing
file without ``--force``), or to a browser with ``--open``; every
``SummarizerError`` becomes one line on stderr with the error's exit code.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import webbrowser
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from summarizer.cache import atomic_write_text
from summarizer.cli.logs import is_quiet
from summarizer.cli.logs import stderr as stderr
from summarizer.cli.options import Format, OutputTarget
from summarizer.errors import InputError, OutputError, SummarizerError
from summarizer.models import Summary
from summarizer.text.clean import one_line

T = TypeVar("T")


_SUFFIX_FORMATS = {
    ".md": Format.markdown,
    ".json": Format.json,
    ".html": Format.html,
    ".htm": Format.html,
}


def run(work: Callable[[], Awaitable[T]], interrupted: str = "no output written") -> T:
    """Run a coroutine, mapping known errors to one line and an exit code."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except SummarizerError as exc:
        stderr.print(f"[red]error:[/red] {escape(exc.one_line())}", highlight=False)  # sanitised
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        stderr.print(f"[yellow]interrupted[/yellow]; {interrupted}")
        raise typer.Exit(130) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a usage error (one line) and return the exit to raise."""
    stderr.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None]]:
    """Progress bars on stderr, one per stage; stdout stays for the result."""
    bars = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal or is_quiet(),
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update


def note(message: str) -> None:
    """A message for the user on stderr (markup allowed), unless ``-q``."""
    if not is_quiet():
        stderr.print(message, highlight=False)


def choose_format(out: OutputTarget, *, browser: bool = False) -> Format:
    """``-f``, else the ``-o`` suffix, else html for ``--open``, terminal on a TTY, markdown."""
    if out.fmt is not None:
        return out.fmt
    if out.path is not None and out.path.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[out.path.suffix.lower()]
    if browser:
        return Format.html
    return Format.terminal if out.path is None and sys.stdout.isatty() else Format.markdown


def check_output(out: OutputTarget) -> None:
    """Refuse before any work is done, so nothing the user had is overwritten silently."""
    path = out.path
    if path is None:
        return
    if path.is_dir():
        raise InputError(f"--output {path} is a directory")
    if path.exists() and not out.force:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    if not path.parent.exists():
        raise InputError(f"folder {path.parent} does not exist")


def emit(summary: Summary, out: OutputTarget, *, browser: bool = False) -> None:
    """Render ``summary`` as asked and write it to stdout or the output file.

    ``browser``: open the written file (a temporary one without ``-o``) in a browser.
    """
    from summarizer.render import render, to_terminal

    fmt = choose_format(out, browser=browser)
    if browser and fmt is Format.terminal:
        raise InputError("--open needs a file format: markdown, json or html")
    if fmt is Format.terminal and out.path is None:
        to_terminal(summary, Console(), explain=out.explain)
        return
    text = render(summary, fmt.value, explain=out.explain)
    if out.path is None and not browser:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = out.path if out.path is not None else _temporary(fmt)
    if out.path is not None:
        check_output(out)
    try:
        atomic_write_text(path, text, public=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
    note(f"wrote {escape(str(path))}")
    if browser:
        open_in_browser(path)


def _temporary(fmt: Format) -> Path:
    suffix = {Format.markdown: ".md", Format.json: ".json", Format.html: ".html"}[fmt]
    fd, name = tempfile.mkstemp(prefix="summarizer-", suffix=suffix)
    os.close(fd)
    return Path(name)


def open_in_browser(path: Path) -> None:
    """Open ``path`` in the user's browser ($BROWSER first); no browser is a note, not an error."""
    uri = path.resolve().as_uri()
    try:
        opened = webbrowser.open(uri)
    except webbrowser.Error:
        opened = False
    if not opened:
        note(f"[yellow]no browser found[/yellow]; open {escape(uri)} yourself")


def report_failures(summary: Summary) -> None:
    """One "skipped" line per failed source; list entries are user input, shown inert."""
    for src in summary.sources:
        if src.error:
            what, why = escape(one_line(src.url)), escape(one_line(src.error))
            note(f"[yellow]skipped[/yellow] {what}: {why}")


def read_text(path: Path) -> str:
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
