"""``summarizer render`` (a saved result in another format) and ``summarizer sources``
(what ingest made of each source, before any model is involved).

``render`` reads the JSON that ``summarize -f json`` / ``check -f json`` wrote and
validates it into a ``Summary``; anything else is one line and exit code 2.
``sources`` runs the ingest stage exactly as ``summarize`` does (the same list
handling, private-address guard, page cache and timeouts) and reports each
source's metadata, sentence count and a text preview, or why it failed. Exit code
2 when no source is usable, as for ``summarize``.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from summarizer.cli.logs import load_settings
from summarizer.cli.options import (
    CACHE,
    FETCH,
    HOME,
    OUTPUT,
    PRIVATE,
    InputList,
    OutputTarget,
    SourceArgs,
    flags,
)
from summarizer.cli.output import emit, progress_bars, read_text, run
from summarizer.errors import InputError
from summarizer.models import Source, Summary
from summarizer.render.explain import shorten
from summarizer.render.terminal import safe_text
from summarizer.render.text import source_url
from summarizer.text.clean import one_line

PREVIEW_CHARS = 160
# What every result we write has; a JSON object without them is someone else's.
_RESULT_KEYS = ("title", "sentences", "sources")


class SourcesFormat(StrEnum):
    table = "table"
    json = "json"


def load_result(text: str, name: str) -> Summary:
    """A saved result as a ``Summary``; ``InputError`` (one line) for anything else."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{name} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or any(key not in data for key in _RESULT_KEYS):
        missing = [k for k in _RESULT_KEYS if not isinstance(data, dict) or k not in data]
        raise InputError(
            f"{name} is not a summarizer result (no {', '.join(repr(k) for k in missing)}); "
            "expected the JSON of 'summarize -f json' or 'check -f json'"
        )
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{name} is not a valid summarizer result: {where}: {first['msg']}"
        ) from exc


@flags(OUTPUT)
def render_command(
    result: Annotated[
        Path,
        typer.Argument(help="A result saved by 'summarize -f json' or 'check -f json', or '-'."),
    ],
    browser: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Open the written file in a browser (a temporary file without -o; "
            "html unless -f or the -o suffix say otherwise).",
        ),
    ] = False,
    *,
    out: OutputTarget,
) -> None:
    """Render a saved JSON result again: markdown, html, terminal or json."""

    async def work() -> None:
        name = "stdin" if str(result) == "-" else str(result)
        summary = load_result(read_text(result), name)
        emit(summary, out, browser=browser)

    run(work)


def source_record(source: Source) -> dict[str, Any]:
    """What ``sources -f json`` reports for one source."""
    passages = source.segmented()
    return {
        "id": source.id,
        "url": source.url,
        "final_url": source.final_url,
        "title": source.title,
        "outlet": source.outlet,
        "published": source.published,
        "author": source.author,
        "sentences": len(passages),
        "chars": len(source.text),
        "preview": shorten(source.text, PREVIEW_CHARS) if source.text else None,
        "text": source.text,
        "error": source.error,
    }


def sources_table(sources: list[Source]) -> Table:
    """One row per source: what it is, how many sentences, the start of its text or the reason."""
    table = Table(title="Sources", title_justify="left", show_lines=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("source", ratio=2, overflow="fold")
    table.add_column("sentences", justify="right", no_wrap=True)
    table.add_column("text", ratio=3)
    for source in sorted(sources, key=lambda s: s.id):
        about = Text()
        if source.title:
            about.append_text(safe_text(source.title, "bold"))
            about.append("\n")
        details = [
            source.outlet,
            source.published,
            f"by {source.author}" if source.author else None,
        ]
        shown = " · ".join(one_line(part) for part in details if part)
        if shown:
            about.append(shown + "\n")
        about.append_text(safe_text(source_url(source), "dim"))
        if source.error is not None:
            table.add_row(str(source.id), about, "–", safe_text(f"✗ {source.error}", "red"))
        else:
            preview = safe_text(shorten(source.text, PREVIEW_CHARS))
            table.add_row(str(source.id), about, str(len(source.segmented())), preview)
    return table


@flags(HOME, CACHE, PRIVATE, FETCH)
def sources_command(
    sources: SourceArgs = None,
    input_file: InputList = None,
    fmt: Annotated[
        SourcesFormat, typer.Option("--format", "-f", help="A table, or JSON with the full text.")
    ] = SourcesFormat.table,
    *,
    overrides: dict[str, Any],
) -> None:
    """Show what ingest extracted from each source (title, outlet, date, text) or why not."""
    from summarizer.ingest import collect_inputs, ingest

    async def work() -> None:
        settings = load_settings(overrides)
        inputs = collect_inputs(
            sources or [], str(input_file) if input_file else None, stdin=sys.stdin
        )
        with progress_bars() as progress:
            fetched = await ingest(
                inputs, settings, progress=lambda _item, done, total: progress("fetch", done, total)
            )
        if fmt is SourcesFormat.json:
            sys.stdout.write(json.dumps([source_record(s) for s in fetched], indent=2) + "\n")
        else:
            Console(highlight=False).print(sources_table(fetched))

    run(work)
