"""The public library API: one ``__all__``, and ``summarize`` from plain and notebook code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.openai_server import ScriptedOpenAI

import summarizer
from summarizer import Settings, Status, Summary, asummarize, summarize
from summarizer.ingest import make_source

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted(str(p) for p in (ROOT / "examples").glob("*.html"))


def test_all_is_complete_and_importable() -> None:
    public = {
        name
        for name, value in vars(summarizer).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("summarizer")
    }
    assert set(summarizer.__all__) >= public, (
        f"missing from __all__: {public - set(summarizer.__all__)}"
    )
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name
    assert len(summarizer.__all__) == len(set(summarizer.__all__))


def _settings(server: ScriptedOpenAI, tmp_path: Path) -> Settings:
    return Settings(base_url=server.base_url, model="scripted", home=tmp_path, retry_max_wait=0)


def test_summarize_sync_from_files_and_ready_sources(tmp_path: Path) -> None:
    note = make_source(
        0,
        "Officials said the barrier gates will be inspected after every closure.",
        url="notes://inspection",
        title="Inspection note",
    )
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        brief = summarize(
            [*ARTICLES, note], settings=_settings(server, tmp_path), target_sentences=4
        )
    assert isinstance(brief, Summary)
    assert [s.id for s in brief.sources] == [0, 1, 2, 3]
    assert brief.sources[0].title == "Inspection note"
    assert all(s.status is Status.SUPPORTED for s in brief.sentences)
    assert brief.options["target_sentences"] == 4
    assert Summary.model_validate_json(brief.to_json()) == brief
    assert brief._repr_markdown_().startswith("# ")


async def test_summarize_inside_running_loop(tmp_path: Path) -> None:
    """A notebook cell runs inside an event loop: the sync API must still work."""
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        settings = _settings(server, tmp_path)
        asyncio.get_running_loop()  # as in a notebook cell
        brief = summarize(ARTICLES, settings=settings)
        again = await asummarize(ARTICLES, settings=settings)
    assert brief.sentences and again.sentences
    assert again.stats.cache_hits >= 1, "the second identical run is served from the LLM cache"


def test_errors_share_one_root() -> None:
    from summarizer import errors

    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert all(issubclass(c, summarizer.SummarizerError) for c in classes)


def test_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(summarizer.SummarizerError, match="on_unsupported"):
        summarize(["x.html"], on_unsupported="sometimes", home=tmp_path)


def test_settings_read_only_documented_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """$HOME, $MODEL or $BASE_URL must never leak into the settings."""
    for name in ("OPENAI_BASE_URL", "SUMMARIZER_MODEL", "SUMMARIZER_HOME", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/somewhere/else")
    monkeypatch.setenv("MODEL", "wrong")
    monkeypatch.setenv("BASE_URL", "http://wrong")
    settings = Settings()
    assert settings.model is None and settings.base_url is None
    assert settings.home.name == "summarizer" and settings.home.parent.name == ".cache"

    monkeypatch.setenv("SUMMARIZER_HOME", "/tmp/sumhome")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    settings = Settings()
    assert (str(settings.home), settings.base_url, settings.model) == (
        "/tmp/sumhome",
        "http://127.0.0.1:1/v1",
        "m",
    )
