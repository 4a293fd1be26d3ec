"""The LLM seam: one client per run, the only code that talks to the endpoint.

``open_llm(settings)`` is how the pipeline gets one: against the configured
endpoint, or, with no base URL set, against the embedded local model server,
which it starts on the first request the cache cannot answer (a fully cached
run starts no model) and is sure to stop again (also on Ctrl-C), unless a
``summarizer serve`` on this machine already keeps one warm (``llm.shared``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from summarizer.llm.client import LLM
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["LLM", "open_llm"]

_NOT_STARTED = "http://127.0.0.1:9/v1"  # replaced by the embedded server's URL when it starts


@asynccontextmanager
async def open_llm(
    settings: Settings, *, http_client: httpx.AsyncClient | None = None
) -> AsyncIterator[LLM]:
    """Yield an ``LLM`` for ``settings``, starting the embedded server when none is configured."""
    if not settings.uses_local_model:
        async with LLM(settings, http_client=http_client) as llm:
            yield llm
        return

    from summarizer.llm.local import MODEL_ALIAS, MODEL_SHA256, LocalServer
    from summarizer.llm.shared import find_shared

    local = settings.with_overrides(
        model=settings.model or MODEL_ALIAS,
        llm_timeout=max(settings.llm_timeout, settings.local_timeout),
    )
    shared = await find_shared(settings)
    if shared is not None:  # a `summarizer serve` on this machine: its warm model, no new one
        logger.info("using the shared model server at %s (pid %d)", shared.base_url, shared.pid)
        async with LLM(
            local.with_overrides(model=settings.model or shared.model),
            base_url=shared.base_url,
            http_client=http_client,
            cache_identity=shared.cache_identity,
        ) as llm:
            yield llm
        return

    server = LocalServer(settings)

    async def start() -> str:
        logger.info("no endpoint configured and not all answers cached: starting the local model")
        await server.astart()
        return server.base_url

    try:
        # The server starts on the first cache miss: a fully cached run starts no model.
        # Until then the client points at a placeholder it never contacts.
        async with LLM(
            local,
            base_url=_NOT_STARTED,
            http_client=http_client,
            cache_identity=f"local:{MODEL_SHA256}",
            connect=start,
        ) as llm:
            yield llm
    finally:
        server.stop()
