"""Usage counted by an observer on each call, attributed to the stage that made it.

The model seam reports every answer it produces (one HTTP response, re-asks and
retries included, or one cache hit) with :func:`record`. Which meter counts it,
and for which stage, is carried by a context variable that
:meth:`UsageMeter.stage` sets, the way instructor's hooks see each completion:
asyncio tasks inherit it, so concurrent sentences of one stage are all billed to
that stage, and two briefs running side by side on one shared client (the eval
runner does this) never see each other's calls. Per-stage calls, tokens and
seconds are therefore right by construction, and totals are their sums.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from summarizer.models import RunStats, StageStats

UNATTRIBUTED = "other"


@dataclass(frozen=True)
class Call:
    """One answer from the model seam: an HTTP response, or a cache hit."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached: bool = False


class UsageMeter:
    """Counts the calls made inside its :meth:`stage` blocks, per stage."""

    def __init__(self) -> None:
        self._stages: dict[str, StageStats] = {}

    def _entry(self, stage: str) -> StageStats:
        return self._stages.setdefault(stage, StageStats())

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Attribute calls made in this block (and tasks it starts) to ``name``; time it."""
        meters, _ = _scope.get()
        token = _scope.set((meters if self in meters else (*meters, self), name))
        started = time.perf_counter()
        try:
            yield
        finally:
            _scope.reset(token)
            entry = self._entry(name)
            entry.seconds = round(entry.seconds + time.perf_counter() - started, 4)

    def add(self, stage: str, call: Call) -> None:
        add_to(self._entry(stage), call)

    def stats(self) -> RunStats:
        """Totals (sums of the stages), seconds per stage, and the stages themselves."""
        stages = {name: entry.model_copy() for name, entry in self._stages.items()}
        return RunStats(
            llm_calls=sum(s.llm_calls for s in stages.values()),
            cache_hits=sum(s.cache_hits for s in stages.values()),
            prompt_tokens=sum(s.prompt_tokens for s in stages.values()),
            completion_tokens=sum(s.completion_tokens for s in stages.values()),
            timings={name: s.seconds for name, s in stages.items()},
            stages=stages,
        )


_scope: ContextVar[tuple[tuple[UsageMeter, ...], str]] = ContextVar(
    "summarizer_usage", default=((), UNATTRIBUTED)
)


def record(call: Call) -> None:
    """Bill ``call`` to every meter in scope, under the current stage."""
    meters, stage = _scope.get()
    for meter in meters:
        meter.add(stage, call)


def add_to(stats: RunStats | StageStats, call: Call) -> None:
    """Add one call to a running count (a stage's, or the client's own ``LLM.stats``)."""
    if call.cached:
        stats.cache_hits += 1
        return
    stats.llm_calls += 1
    stats.prompt_tokens += call.prompt_tokens
    stats.completion_tokens += call.completion_tokens
