"""Log output for the command line: ``-v``/``-vv``/``-q`` before or after the command.

``summarizer -v summarize`` sets the level in the app callback; ``summarizer
summarize -v`` sets it again when the command starts (the flags are in every
command's bundle), adding to what the callback was given. Only the CLI
configures logging; library modules just log.
"""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

from summarizer.settings import Settings
from summarizer.text.clean import redact_secrets, strip_controls

# Libraries that log expected conditions (empty pages, re-asks) as errors: the
# run reports those itself, so they only speak with -vv.
NOISY = ("httpx", "httpcore", "openai", "instructor", "trafilatura", "htmldate", "justext")

QUIET = -1
# Logged by ingest for -v; the CLI's own "skipped" line already reports each failed source.
_DUPLICATES = {("summarizer.ingest", "source %s failed: %s")}

_state = {"base": 0, "level": 0}

stderr = Console(stderr=True, soft_wrap=True)  # progress, notes and logs; stdout is the result


class Scrubber(logging.Filter):
    """The one scrubber every log line passes on its way to the terminal: the API key
    becomes ``***`` (servers echo it back; libraries log it) and controls are removed."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact_secrets(record.getMessage(), self.secrets)
        record.msg, record.args = strip_controls(message), ()
        return True


def load_settings(overrides: dict[str, Any]) -> Settings:
    """Environment first, flags over it; unknown or invalid names are a ConfigError.

    The run's API key is scrubbed from every log line from here on.
    """
    settings = Settings().with_overrides(**overrides)
    scrubber = Scrubber([settings.api_key_value()])
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, Scrubber)]:
            handler.removeFilter(old)  # one scrubber per handler, for this run's key
        handler.addFilter(scrubber)
    return settings


class _OncePerSource(logging.Filter):
    """Drop log records that repeat what the CLI prints about a failed source."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (record.name, record.msg) not in _DUPLICATES


def configure(verbosity: int) -> None:
    """Log to ``console`` (stderr) at WARNING, INFO with 1, DEBUG with 2, ERROR when quiet."""
    _state["level"] = verbosity
    level = logging.ERROR if verbosity <= QUIET else logging.WARNING - 10 * min(verbosity, 2)
    handler = RichHandler(console=stderr, show_path=False, markup=False)
    handler.addFilter(_OncePerSource())
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    noisy = logging.DEBUG if verbosity >= 2 else logging.CRITICAL
    for name in NOISY:
        logging.getLogger(name).setLevel(noisy)


def configure_app(verbose: int, quiet: bool) -> None:
    """The app callback's ``-v``/``-q`` (before the command): the base for the command's own."""
    _state["base"] = QUIET if quiet else verbose
    configure(_state["base"])


def configure_command(verbose: int, quiet: bool) -> None:
    """The command's ``-v``/``-q``: added to the callback's; nothing to do when absent."""
    if quiet:
        configure(QUIET)
    elif verbose:
        configure(max(_state["base"], 0) + verbose)


def is_quiet() -> bool:
    """``-q``: no progress bars and no notes on stderr, only errors."""
    return _state["level"] <= QUIET
