"""The command group: usage errors as one line, flags listed without a type.

Typer prints a usage error as a usage line, a hint and a boxed message; a
script reading stderr (and every other error of this CLI) gets one line, so
the group turns ``UsageError`` into ``error: ...; see 'summarizer CMD --help'``
with exit code 2. Boolean and counting flags take no value, so the type column
of ``--help`` (``<bool>``, ``<int>`` for ``-v``) is left empty for them.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup, TyperOption

from summarizer.cli.output import stderr


def plain_flags(command: Any, ctx: Any) -> None:
    """No ``<bool>``/``<int>`` type shown for options that take no value."""
    for param in command.get_params(ctx):
        takes_no_value = isinstance(param, TyperOption) and (param.is_flag or param.count)
        if takes_no_value and param.metavar is None:
            param.metavar = ""


def _is_usage_error(exc: Exception) -> bool:
    # By name, as typer does: click's classes moved into typer (typer._click) in 0.2x, and
    # "no arguments" is a UsageError that must still print the help.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "UsageError" in names and "NoArgsIsHelpError" not in names


def _one_line(exc: Exception, fallback: Any) -> typer.Exit:
    ctx = getattr(exc, "ctx", None) or fallback
    hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    message = " ".join(str(exc.format_message()).split()).rstrip(".")  # type: ignore[attr-defined]
    stderr.print(f"[red]error:[/red] {escape(message + hint)}", highlight=False)
    return typer.Exit(int(getattr(exc, "exit_code", 2)))


class Group(TyperGroup):
    """TyperGroup with one-line usage errors and type-less flags in help."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if _is_usage_error(exc):
                raise _one_line(exc, ctx) from None
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if _is_usage_error(exc):
                raise _one_line(exc, ctx) from None
            raise

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            plain_flags(command, ctx)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        plain_flags(self, ctx)
        super().format_help(ctx, formatter)
