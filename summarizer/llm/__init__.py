"""The LLM seam: one client per run, the only code that talks to the endpoint.

``open_llm(settings)`` is how the pipeline gets one: against the configured
endpoint, or, with no base URL set, against the embedded local model server,
which it starts and is sure to stop again (also on Ctrl-C).
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


@asynccontextmanager
async def open_llm(
    settings: Settings, *, http_client: httpx.AsyncClient | None = None
) -> AsyncIterator[LLM]:
    """Yield an ``LLM`` for ``settings``, starting the embedded server when none is configured."""
    if not settings.uses_local_model:
        async with LLM(settings, http_client=http_client) as llm:
            yield llm
        return

    from summarizer.llm.local import LocalServer

    logger.info("no endpoint configured: starting the embedded local model")
    async with LocalServer(settings) as server:
        local = settings.with_overrides(
            model=settings.model or server.model_name,
            llm_timeout=max(settings.llm_timeout, settings.local_timeout),
        )
        async with LLM(
            local,
            base_url=server.base_url,
            http_client=http_client,
            cache_identity=server.cache_identity,
        ) as llm:
            yield llm
