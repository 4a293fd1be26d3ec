"""Output formats of a ``Summary``: markdown, JSON, HTML and the terminal.

Every format is rendered from the models, never from another format's text,
and every one escapes page and model text for its own syntax.
"""

from __future__ import annotations

import io
from typing import Literal, get_args

from rich.console import Console

from summarizer.errors import InputError
from summarizer.models import Summary
from summarizer.render.html import to_html
from summarizer.render.markdown import to_markdown
from summarizer.render.terminal import to_terminal

Format = Literal["markdown", "json", "html", "terminal"]
FORMATS: tuple[str, ...] = get_args(Format)


def to_json(summary: Summary, indent: int | None = 2) -> str:
    """The full result, including the repair trail and computed status/score/evidence."""
    return summary.model_dump_json(indent=indent)


def to_terminal_text(
    summary: Summary, *, width: int = 100, color: bool = True, explain: bool = False
) -> str:
    """What ``to_terminal`` prints, as a string (with ANSI styles when ``color``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    to_terminal(summary, console, explain=explain)
    return buffer.getvalue()


def render(summary: Summary, fmt: Format, *, width: int = 100, explain: bool = False) -> str:
    """Render in the named format; ``terminal`` gives text with ANSI styles.

    ``explain`` lists each flagged sentence with its reasons (markdown, terminal);
    JSON always holds all of it and HTML shows it on hover.
    """
    if fmt == "markdown":
        return to_markdown(summary, explain=explain)
    if fmt == "json":
        return to_json(summary) + "\n"
    if fmt == "html":
        return to_html(summary)
    if fmt == "terminal":
        return to_terminal_text(summary, width=width, explain=explain)
    raise InputError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")


def for_models(summary: Summary, fmt: str) -> str:
    """What ``Summary.to_markdown`` / ``to_html`` / ``_repr_html_`` call (see models)."""
    if fmt == "html-fragment":
        return to_html(summary, standalone=False)
    return render(summary, "html" if fmt == "html" else "markdown")


__all__ = [
    "FORMATS",
    "Format",
    "render",
    "to_html",
    "to_json",
    "to_markdown",
    "to_terminal",
    "to_terminal_text",
]
