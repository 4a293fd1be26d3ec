"""Shared setup of the verifier, repair and audit tests.

A ScriptedOpenAI server whose fallback is the evidence-aware ``Oracle`` (judge
and rewrite answers computed from the prompt), settings pinned so that verdicts
depend on the oracle alone, the real LLM client over HTTP, and the hand-written
bridge sources. A module overrides ``oracle`` to script rewrites.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fixtures.verify.oracle import Oracle, load_sources
from support.openai_server import ScriptedOpenAI

from summarizer.llm import LLM
from summarizer.models import Source
from summarizer.settings import Settings


@pytest.fixture
def oracle() -> Oracle:
    return Oracle()


@pytest.fixture
def server(oracle: Oracle) -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(fallback=oracle) as scripted:
        yield scripted


@pytest.fixture
def settings(server: ScriptedOpenAI, tmp_path: Path) -> Settings:
    return Settings(
        base_url=server.base_url,
        home=tmp_path,
        cache=False,
        llm_retries=0,
        support_threshold=0.5,
        check_penalty=0.3,
        lexical_weight=0.0,
        evidence_per_source=2,
        evidence_neighbours=0,
        check_scope="sources",
        repair_rounds=2,
        on_unsupported="repair",
    )


@pytest.fixture
async def llm(settings: Settings) -> AsyncIterator[LLM]:
    async with LLM(settings) as client:
        yield client


@pytest.fixture
def sources() -> list[Source]:
    return load_sources()
