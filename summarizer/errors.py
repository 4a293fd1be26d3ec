"""One exception tree for the whole package.

Library errors (httpx, openai, instructor, OS) are translated into these at the
boundary where they happen (``raise ... from exc``), so callers, and the CLI in
particular, only ever handle ``SummarizerError``::

    SummarizerError                     exit 1   anything we raise on purpose
    ├── InputError                      exit 2   bad usage: unreadable list, bad option
    │   └── NoUsableSourceError         exit 2   every source failed
    ├── SourceError                     (per source, recorded on Source.error)
    │   ├── FetchError                            HTTP / network / policy failure
    │   └── ExtractionError                       nothing article-like in the page
    ├── LLMError                        exit 3
    │   ├── BackendUnavailableError     exit 3   endpoint down / timing out / 5xx storm
    │   ├── LLMResponseError            exit 3   output still invalid after re-asks
    │   └── LocalModelError             exit 3   model parts missing, checksum, server start
    ├── ConfigError                     exit 2   settings that cannot work together
    ├── PromptError                     exit 1   a template is missing or lacks a variable
    ├── OutputError                     exit 4   result could not be written
    └── VerificationFailed              exit 1   --on-unsupported fail / check found problems /
                                                 nothing left to show (every sentence removed)
"""

from __future__ import annotations

from summarizer.text.clean import one_line


class SummarizerError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: int = 1

    def one_line(self) -> str:
        """The message the CLI prints: a single line, never a traceback."""
        return one_line(str(self)) or type(self).__name__

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it in a notebook: one line, as the CLI does (the full
        traceback stays in ``__traceback__`` and in the DEBUG log)."""
        return [f"{type(self).__name__}: {self.one_line()}"]


class InputError(SummarizerError):
    exit_code = 2


class NoUsableSourceError(InputError):
    pass


class ConfigError(SummarizerError):
    exit_code = 2


class SourceError(SummarizerError):
    """A single source failed; the run goes on with the others."""

    def __init__(self, reason: str, *, url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


class FetchError(SourceError):
    pass


class ExtractionError(SourceError):
    pass


class LLMError(SummarizerError):
    exit_code = 3


class BackendUnavailableError(LLMError):
    pass


class LLMResponseError(LLMError):
    pass


class LocalModelError(LLMError):
    pass


class PromptError(SummarizerError):
    pass


class OutputError(SummarizerError):
    exit_code = 4


class VerificationFailed(SummarizerError):
    exit_code = 1
