"""Where a run's jobs execute: the executor interface, in this process or on Ray.

The eval runner and ``summarizer batch`` describe their work as a :class:`Task`:
``open`` makes what a worker needs (its model endpoint, judge, ingest memo) and
``run`` does one job with it. An executor decides where and how many at once:

- :class:`LocalExecutor` runs jobs as asyncio tasks in this process, one worker
  context shared by all;
- :class:`RayExecutor` runs them on Ray actors, one worker context per actor,
  so each worker process opens its own model endpoint (or shares the configured
  one). ``ray.init()`` starts a local instance unless ``RAY_ADDRESS`` names a
  cluster, so the same command scales out with no code change.

Results always come back to this process (``on_result``), which is the only one
that writes run files. A task given to Ray must pickle (module-level callables
or closures cloudpickle can carry), and so must its jobs and results.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from summarizer.errors import ConfigError, SummarizerError
from summarizer.text.clean import one_line

logger = logging.getLogger(__name__)

J = TypeVar("J")  # one job
C = TypeVar("C")  # what a worker opens once and every job it runs shares
R = TypeVar("R")  # one job's result

Engine = Literal["local", "ray"]
ENGINES: tuple[Engine, ...] = ("local", "ray")
RAY_MISSING = "--engine ray needs Ray: pip install 'summarizer[ray]'"
_CLOSE_TIMEOUT = 30.0  # a worker stopping its own embedded server takes well under that


@dataclass(frozen=True)
class Task(Generic[J, C, R]):
    """The work: a per-worker context and what one job does with it."""

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


def ray_available() -> bool:
    """Is Ray installed? (find_spec only: importing ray takes a second.)"""
    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):  # a broken or blocked installation
        return False


def _import_ray() -> Any:
    if not ray_available():
        raise ConfigError(RAY_MISSING)
    import ray

    return ray


class RayWorker:
    """One Ray actor: opens the task's context on its first job and keeps it for the rest.

    Ray runs an actor's async methods on one event loop in the actor's process, so
    the context (an HTTP client, an embedded server) lives as long as the actor.
    """

    def __init__(self, task: Task[Any, Any, Any]) -> None:
        self._task = task
        self._stack: AsyncExitStack | None = None
        self._context: Any = None
        self._opening = asyncio.Lock()

    async def run(self, job: Any) -> Any:
        async with self._opening:
            if self._stack is None:
                stack = AsyncExitStack()
                self._context = await stack.enter_async_context(self._task.open())
                self._stack = stack
        return await self._task.run(self._context, job)

    async def close(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()


class RayExecutor:
    """Jobs on ``workers`` Ray actors, one job at a time each, one worker context per actor.

    ``workers=None``: as many as the Ray cluster has CPUs. Ray is initialised here
    when nobody has yet (``RAY_ADDRESS`` picks an existing cluster, else a local
    instance starts) and shut down again after the run; an instance the caller
    started is left running. Actors reserve no CPU (``num_cpus=0``): a worker mostly
    waits on its model endpoint, and reserving one would leave extra workers queued
    forever on a small machine; ``SPREAD`` places them across a cluster's nodes.
    """

    def __init__(self, workers: int | None = None, **init_options: Any) -> None:
        self.workers = workers
        self.init_options = init_options

    async def run(
        self, task: Task[J, C, R], jobs: Sequence[J], on_result: Callable[[J, R], None]
    ) -> None:
        if not jobs:
            return
        ray = _import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            options = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.WARNING,
                **self.init_options,
            }
            ray.init(**options)  # in the main thread: Ray installs its signal handlers there
        try:
            await self._run(ray, task, jobs, on_result)
        finally:
            if started_here:
                ray.shutdown()

    async def _run(
        self,
        ray: Any,
        task: Task[J, C, R],
        jobs: Sequence[J],
        on_result: Callable[[J, R], None],
    ) -> None:
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor_class = ray.remote(num_cpus=0, scheduling_strategy="SPREAD")(RayWorker)
        actors = [actor_class.remote(task) for _ in range(min(workers, len(jobs)))]
        logger.info("running %d jobs on %d Ray workers", len(jobs), len(actors))
        queue = deque(jobs)

        async def drive(actor: Any) -> None:
            while queue:
                job = queue.popleft()
                try:
                    result = await actor.run.remote(job)
                except ray.exceptions.RayTaskError as exc:
                    cause = exc.cause
                    if isinstance(cause, BaseException):
                        raise cause from None  # the worker's own error, not its traceback dump
                    raise SummarizerError(f"a Ray worker failed: {one_line(str(exc))}") from None
                except ray.exceptions.RayActorError as exc:
                    raise SummarizerError(
                        f"a Ray worker died while running a job: {one_line(str(exc))[:300]}"
                    ) from None
                on_result(job, result)

        finished = False
        try:
            await asyncio.gather(*(drive(actor) for actor in actors))
            finished = True
        finally:
            if finished:  # let each worker stop what it opened (an embedded server)
                closing = [actor.close.remote() for actor in actors]
                try:
                    await asyncio.wait_for(asyncio.gather(*closing), _CLOSE_TIMEOUT)
                except (TimeoutError, ray.exceptions.RayError) as exc:
                    logger.warning("a Ray worker did not close cleanly: %s", one_line(str(exc)))
            for actor in actors:
                ray.kill(actor, no_restart=True)


def make_executor(engine: str, concurrency: int | None = None) -> Executor:
    """The executor for ``--engine``; ``concurrency``: jobs at once (Ray: workers)."""
    if engine == "local":
        return LocalExecutor(concurrency or 1)
    if engine == "ray":
        if not ray_available():
            raise ConfigError(RAY_MISSING)
        return RayExecutor(concurrency)
    raise ConfigError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
