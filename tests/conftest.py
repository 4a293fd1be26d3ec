"""Fixtures several test modules share (a module that needs other ones defines its own).

``model``: the scripted OpenAI-compatible server on 127.0.0.1, answering every request
through ``AutoModel`` (valid structured answers computed from the prompt).
``pages``: the three sample articles served over real HTTP (``support.batch.PAGES``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.auto_llm import AutoModel
from support.batch import article_pages
from support.openai_server import ScriptedOpenAI
from support.pages import PageServer


@pytest.fixture
def model() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        yield server


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with article_pages() as server:
        yield server
