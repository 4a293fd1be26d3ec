"""Notebook views: HTML for one source or one sentence, and a progress display.

The fragments reuse the brief's HTML pieces and style (``render.html``), so a
sentence looks the same alone as inside its brief. Progress in Jupyter is one
display updated in place (IPython's display handle), which every frontend shows
without ipywidgets; rich's and tqdm's notebook bars both need ipywidgets, which
this package does not depend on. Outside a notebook the same stages draw rich
bars on stderr, as the CLI does.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from summarizer.errors import SummarizerError
from summarizer.models import Source, SummarySentence
from summarizer.render.html import _CSS, SentenceView, _h, _reference
from summarizer.render.html_notes import verdict_lines


def in_notebook() -> bool:
    """True inside a Jupyter kernel (Jupyter, VS Code, Colab), not in terminal IPython."""
    ipython = sys.modules.get("IPython")  # not imported: certainly no kernel
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return getattr(shell, "kernel", None) is not None


def _fragment(body: str) -> str:
    return f'<div class="sb-brief"><style>{_CSS}</style>\n{body}\n</div>'


def source_html(source: Source) -> str:
    """A source as its reference-list entry, with what ingest made of it."""
    entry = _reference(source)
    if source.error is not None:
        detail = f'<p class="failures">Could not be used: {_h(source.error)}</p>'
    else:
        words = len(source.text.split())
        detail = f'<p class="stats">{len(source.passages)} passages, {words} words</p>'
    return _fragment(f'<ol class="sources">{entry}</ol>\n{detail}')


def sentence_html(sentence: SummarySentence) -> str:
    """A sentence with its markers and badge, and its verdict and evidence shown open."""
    lines = verdict_lines(sentence.verdict)
    if sentence.attempts:
        trail = " → ".join(a.action.value for a in sentence.attempts)
        lines.append(f'<div class="repair">Repair: {_h(trail)}</div>')
    body = (
        f'<p class="paragraph">{SentenceView(sentence, set(sentence.citations)).html()}</p>\n'
        f'<div class="note-body">{"".join(lines)}</div>'
    )
    return _fragment(body)


class _Stages:
    """Stage → (done, total), in the order stages first reported."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}
        self.started = time.perf_counter()
        self.outcome: str | None = None

    def update(self, stage: str, done: int, total: int) -> None:
        self.counts[stage] = (done, total)

    def line(self) -> str:
        stages = " · ".join(f"{s} {d}/{t}" for s, (d, t) in self.counts.items())
        seconds = time.perf_counter() - self.started
        state = self.outcome or "running"
        return f"summarize: {state}, {seconds:.1f} s" + (f" ({stages})" if stages else "")


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "done"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, SummarizerError):
        return f"failed: {exc.one_line()}"
    return f"failed: {type(exc).__name__}"


class NotebookProgress:
    """One display in the cell's output, updated in place as stages advance."""

    def __init__(self) -> None:
        self._stages = _Stages()
        self._handle: Any = None

    def __enter__(self) -> NotebookProgress:
        from IPython.display import display

        self._handle = display(self, display_id=True)  # type: ignore[no-untyped-call]
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        self._stages.update(stage, done, total)
        if self._handle is not None:
            self._handle.update(self)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stages.outcome = _outcome(exc)
        if self._handle is not None:
            self._handle.update(self)

    def __repr__(self) -> str:
        return self._stages.line()

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<div><span style="display:inline-block;min-width:4.5em">{_h(stage)}</span> '
            f'<progress value="{done}" max="{max(total, 1)}"></progress> {done}/{total}</div>'
            for stage, (done, total) in self._stages.counts.items()
        )
        seconds = time.perf_counter() - self._stages.started
        state = _h(self._stages.outcome or "running")
        return (
            '<div class="sb-progress" style="font-family:system-ui,sans-serif;'
            'font-size:.85em;color:inherit;opacity:.85">'
            f"<div>summarize: {state}, {seconds:.1f} s</div>{rows}</div>"
        )


class TerminalProgress:
    """Rich bars on stderr, one per stage, gone when the job ends (as in the CLI)."""

    def __init__(self) -> None:
        console = Console(stderr=True)
        self._bars = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> TerminalProgress:
        self._bars.start()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._bars.add_task(stage, total=total)
        self._bars.update(self._tasks[stage], completed=done, total=total)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bars.stop()
