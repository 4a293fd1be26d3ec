"""The public library API: one ``__all__``, and ``summarize`` from plain and notebook code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.openai_server import ScriptedOpenAI

import summarizer
from summarizer import Settings, Status, Summary, asummarize, summarize
from summarizer.errors import ConfigError
from summarizer.ingest import make_source
from summarizer.llm import LLM
from summarizer.pipeline import summarize_sources

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted(str(p) for p in (ROOT / "examples").glob("*.html"))
SHORT_TEXTS = (
    "The barrier closed for the first time on Sunday. Its gates shut in 38 minutes.",
    "Storm Vela brought gusts of 130 km/h. About 40,000 homes lost power.",
)


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


def test_stage_costs_add_up_to_the_total_and_to_the_server(tmp_path: Path) -> None:
    """Per-stage calls and tokens are counted per call, so they sum to the totals, and the
    totals are what the endpoint actually served (repair runs: the draft has a bogus line)."""
    with ScriptedOpenAI(fallback=AutoModel(bogus=True)) as server:
        # the free-form drafter, whose answer carries one invented sentence for repair
        settings = _settings(server, tmp_path).with_overrides(cache=False, drafter="freeform")
        brief = summarize(ARTICLES, settings=settings)
        served = list(server.chat_requests())
    stats = brief.stats
    assert set(stats.stages) >= {"ingest", "draft", "verify", "repair"}
    assert stats.stages["draft"].llm_calls == 1
    assert stats.stages["verify"].llm_calls >= len(brief.sentences)
    assert stats.stages["repair"].llm_calls >= 1, "the bogus sentence was re-judged or rewritten"
    for field in ("llm_calls", "prompt_tokens", "completion_tokens", "cache_hits"):
        assert getattr(stats, field) == sum(getattr(s, field) for s in stats.stages.values())
    assert stats.llm_calls == len(served)
    assert stats.prompt_tokens == 50 * len(served) and stats.completion_tokens == 20 * len(served)
    assert all(stats.timings[name] == s.seconds for name, s in stats.stages.items())


async def test_concurrent_briefs_on_one_client_are_billed_apart(tmp_path: Path) -> None:
    """Two briefs sharing one client (as eval cases do) each count only their own calls."""
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        settings = _settings(server, tmp_path).with_overrides(cache=False)
        sources = [make_source(i, t, url=f"doc{i}") for i, t in enumerate(SHORT_TEXTS)]
        async with LLM(settings) as llm:
            one, two = await asyncio.gather(
                summarize_sources(sources[:1], settings, llm),
                summarize_sources(sources, settings, llm),
            )
            total = llm.stats.llm_calls
    assert one.stats.llm_calls + two.stats.llm_calls == total == len(list(server.chat_requests()))
    for brief in (one, two):  # one call per planned sentence and one for the title
        assert brief.stats.stages["draft"].llm_calls == len(brief.sentences) + 1


def test_draft_context_record_is_kept_in_the_result(tmp_path: Path) -> None:
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        brief = summarize(
            ARTICLES,
            settings=_settings(server, tmp_path),
            context_size=2100,
            max_tokens=300,
            drafter="freeform",  # the drafter that fits the sources into one context window
        )
    assert brief.options["context_trimmed"] is True
    shown, total = brief.options["passages_shown"], brief.options["passages_total"]
    assert set(shown) == set(total) and sum(shown.values()) < sum(total.values())
    assert brief.options["base_url"]  # the public options are there as well


def test_unknown_option_names_are_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'target_sentence'.*'target_sentences'"):
        summarize(["x.html"], target_sentence=4, home=tmp_path)
    with pytest.raises(ConfigError, match="did you mean 'support_threshold'"):
        Settings().with_overrides(suport_threshold=0.5)
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        Settings(colour="red")  # type: ignore[call-arg]


def test_unknown_environment_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_TARGET_SENTENCE", "4")
    with pytest.raises(ConfigError, match="SUMMARIZER_TARGET_SENTENCES"):
        Settings()
    monkeypatch.delenv("SUMMARIZER_TARGET_SENTENCE")
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:1/v1")
    with pytest.raises(ConfigError, match="set OPENAI_BASE_URL"):
        Settings()


def test_fail_policy_needs_verification() -> None:
    with pytest.raises(ConfigError, match="needs verification"):
        Settings(verify=False, on_unsupported="fail")
    assert Settings(on_unsupported="fail").verify is True
