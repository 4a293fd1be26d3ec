"""Option bundles: each group of flags is declared once and shared by the commands.

A command declares which bundles it takes (``@flags(ENDPOINT, CACHE)``) and
receives what they mean, not the raw flags: the settings-bundles arrive merged
as ``overrides`` (a dict for ``Settings.with_overrides``), the output bundle as
``out`` (an :class:`OutputTarget`). Every command also gets ``-v``/``-q``
(``LOGGING``), applied when the command starts. The decorator rewrites the
command's signature, which is what typer reads, so ``--help`` and parsing are
typer's own. Defaults shown in help come from ``Settings``, not copies.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from summarizer.cli import logs
from summarizer.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def default_of(field: str) -> str:
    """A setting's default as help shows it."""
    return str(Settings.model_fields[field].default)


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


@dataclass(frozen=True)
class OutputTarget:
    """Where and how a command writes its result."""

    fmt: Format | None
    path: Path | None
    force: bool
    explain: bool = False


@dataclass(frozen=True)
class Bundle:
    """Flags declared once; ``build`` turns their values into what the command receives."""

    receives: str | None  # "overrides" (merged dicts), "out", or None: applied, not passed
    params: tuple[inspect.Parameter, ...]
    build: Callable[..., Any]


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def _settings_bundle(*params: inspect.Parameter, build: Callable[..., dict[str, Any]]) -> Bundle:
    return Bundle("overrides", params, build)


_HOME = _option(
    "home",
    Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Cache and model folder \\[env: SUMMARIZER_HOME].",
            show_default="~/.cache/summarizer",
        ),
    ],
)

ENDPOINT = _settings_bundle(
    _option(
        "base_url",
        Annotated[
            str | None,
            typer.Option(
                "--base-url",
                help="OpenAI-compatible endpoint \\[env: OPENAI_BASE_URL].",
                show_default="the embedded local model",
            ),
        ],
    ),
    _option(
        "model",
        Annotated[
            str | None,
            typer.Option(
                "--model",
                help="Model name \\[env: SUMMARIZER_MODEL].",
                show_default="the embedded model; 'default' on an endpoint",
            ),
        ],
    ),
    _option(
        "api_key",
        Annotated[
            str | None,
            typer.Option("--api-key", help="API key \\[env: OPENAI_API_KEY].", show_default=False),
        ],
    ),
    _HOME,
    build=lambda base_url, model, api_key, home: {
        "base_url": base_url,
        "model": model,
        "api_key": api_key,
        "home": home,
    },
)

HOME = _settings_bundle(_HOME, build=lambda home: {"home": home})

MODE = _settings_bundle(
    _option(
        "mode",
        Annotated[
            str | None,
            typer.Option(
                "--mode",
                help="Structured-output mode: tools or json (no tool calling).",
                show_default=default_of("mode"),
            ),
        ],
    ),
    build=lambda mode: {"mode": mode},
)

CACHE = _settings_bundle(
    _option(
        "no_cache",
        Annotated[bool, typer.Option("--no-cache", help="Bypass the page and LLM caches.")],
        False,
    ),
    build=lambda no_cache: {"cache": False if no_cache else None},
)

PRIVATE = _settings_bundle(
    _option(
        "allow_private",
        Annotated[
            bool,
            typer.Option(
                "--allow-private", help="Allow URLs on private, loopback or link-local addresses."
            ),
        ],
        False,
    ),
    build=lambda allow_private: {"allow_private": True if allow_private else None},
)

BRIEF = _settings_bundle(
    _option(
        "sentences",
        Annotated[
            int | None,
            typer.Option(
                "--sentences",
                "-n",
                help="Sentences in the brief.",
                show_default="two per usable source, 5 to 12",
            ),
        ],
    ),
    _option(
        "words", Annotated[int | None, typer.Option("--words", help="Target length in words.")]
    ),
    _option(
        "focus",
        Annotated[str | None, typer.Option("--focus", help="A question or angle to focus on.")],
    ),
    _option(
        "language",
        Annotated[
            str | None,
            typer.Option(
                "--language", help="Language of the brief.", show_default=default_of("language")
            ),
        ],
    ),
    _option(
        "on_unsupported",
        Annotated[
            OnUnsupported | None,
            typer.Option(
                "--on-unsupported",
                help="What to do with unsupported sentences.",
                show_default=default_of("on_unsupported"),
            ),
        ],
    ),
    _option(
        "no_verify",
        Annotated[
            bool,
            typer.Option(
                "--no-verify", help="Skip verification (sentences are marked unverified)."
            ),
        ],
        False,
    ),
    build=lambda sentences, words, focus, language, on_unsupported, no_verify: {
        "target_sentences": sentences,
        "target_words": words,
        "focus": focus,
        "language": language,
        "on_unsupported": on_unsupported.value if on_unsupported else None,
        "verify": False if no_verify else None,
    },
)


VERIFY = _settings_bundle(
    _option(
        "threshold",
        Annotated[
            float | None,
            typer.Option(
                "--threshold",
                min=0.0,
                max=1.0,
                help="Verifier score at or above which a sentence is supported "
                "\\[env: SUMMARIZER_SUPPORT_THRESHOLD]; 0.695 for abstractive, human-written "
                "briefs (fewer false alarms, fewer swapped roles caught; README).",
                show_default=default_of("support_threshold"),
            ),
        ],
    ),
    build=lambda threshold: {"support_threshold": threshold},
)


def output_bundle(*, explain: bool) -> Bundle:
    """``-f``/``-o``/``--force``/``--explain``; ``explain`` is the command's default."""
    return Bundle(
        "out",
        (
            _option(
                "fmt",
                Annotated[
                    Format | None,
                    typer.Option(
                        "--format",
                        "-f",
                        help="Output format.",
                        show_default="from the -o suffix; terminal on a TTY, else markdown",
                    ),
                ],
            ),
            _option(
                "output",
                Annotated[
                    Path | None,
                    typer.Option("--output", "-o", help="Write the result here (atomically)."),
                ],
            ),
            _option(
                "force",
                Annotated[
                    bool, typer.Option("--force", help="Overwrite an existing --output file.")
                ],
                False,
            ),
            _option(
                "explain",
                Annotated[
                    bool,
                    typer.Option(
                        "--explain/--no-explain",
                        help="List each flagged sentence with its reason, failed checks and "
                        "evidence (markdown, terminal).",
                    ),
                ],
                explain,
            ),
        ),
        lambda fmt, output, force, explain: OutputTarget(fmt, output, force, explain),
    )


OUTPUT = output_bundle(explain=False)
CHECK_OUTPUT = output_bundle(explain=True)

FETCH = _settings_bundle(
    _option(
        "timeout",
        Annotated[
            float | None,
            typer.Option(
                "--timeout",
                help="Seconds one source may take to fetch (connect, redirects, body).",
                show_default=default_of("total_timeout"),
                metavar="SECONDS",
            ),
        ],
    ),
    build=lambda timeout: {"total_timeout": timeout},
)

SourceArgs = Annotated[
    list[str] | None,
    typer.Argument(help="URLs or local files (.html .htm .txt .md); '-' reads a list from stdin."),
]
InputList = Annotated[
    Path | None, typer.Option("--input", "-i", help="A file listing one URL or path per line.")
]

Verbose = Annotated[
    int,
    typer.Option(
        "--verbose", "-v", count=True, help="More log output (-vv: debug).", show_default=False
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr (no progress).")]

LOGGING = Bundle(
    None,
    (_option("verbose", Verbose, 0), _option("quiet", Quiet, False)),
    logs.configure_command,
)


def flags(*bundles: Bundle) -> Callable[[F], F]:
    """Give a command the bundles' flags (and ``LOGGING``'s); it receives ``overrides``
    and/or ``out``."""
    bundles = (*bundles, LOGGING)

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        receives = {b.receives for b in bundles}
        own = [p for p in signature.parameters.values() if p.name not in receives]
        added = [p for b in bundles for p in b.params]

        @functools.wraps(command)
        def wrapper(**values: Any) -> Any:
            received: dict[str, Any] = {}
            for bundle in bundles:
                built = bundle.build(**{p.name: values.pop(p.name) for p in bundle.params})
                if bundle.receives == "overrides":
                    received.setdefault("overrides", {}).update(built)
                elif bundle.receives is not None:
                    received[bundle.receives] = built
            return command(**values, **received)

        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + added
        del wrapper.__wrapped__  # typer must read the rewritten signature, not the original
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate
