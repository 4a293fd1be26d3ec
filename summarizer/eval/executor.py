"""Where the eval runner's case × system jobs run: the executor interface.

The runner describes its work as a :class:`Task`: ``open`` makes what a worker
needs (its model endpoint, judge, ingest memo) and ``run`` does one job with it.
An executor decides where and how many at once. :class:`LocalExecutor` runs
them as asyncio tasks in this process, one worker context shared by all (today's
loop); an executor that spreads jobs over processes or machines opens one
context per worker and needs no change to the runner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

J = TypeVar("J")  # one job
C = TypeVar("C")  # what a worker opens once and every job it runs shares
R = TypeVar("R")  # one job's result


@dataclass(frozen=True)
class Task(Generic[J, C, R]):
    """The runner's work: a per-worker context and what one job does with it."""

    open: Callable[[], AbstractAsyncContextManager[C]]
    run: Callable[[C, J], Awaitable[R]]


class Executor(Protocol):
    """Runs every job of a task; ``on_result`` is called in this process as each finishes."""

    async def run(
        self, task: Task[J, C, R], jobs: Sequence[J], on_result: Callable[[J, R], None]
    ) -> None: ...


class LocalExecutor:
    """Jobs as asyncio tasks in this process, at most ``concurrency`` at a time."""

    def __init__(self, concurrency: int = 1) -> None:
        self.concurrency = max(1, concurrency)

    async def run(
        self, task: Task[J, C, R], jobs: Sequence[J], on_result: Callable[[J, R], None]
    ) -> None:
        if not jobs:
            return
        async with task.open() as context:
            gate = asyncio.Semaphore(self.concurrency)

            async def one(job: J) -> None:
                async with gate:
                    result = await task.run(context, job)
                on_result(job, result)

            pending = [asyncio.ensure_future(one(job)) for job in jobs]
            try:
                await asyncio.gather(*pending)
            finally:
                for future in pending:
                    future.cancel()
