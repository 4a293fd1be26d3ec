"""The public library API: one ``__all__``, and ``summarize`` from plain and notebook code
(errors without loop frames, interrupts that stop the job, progress, short reprs, tables)."""

from __future__ import annotations

import _thread
import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from support.auto_llm import AutoModel
from support.openai_server import Reply, Request, ScriptedOpenAI
from support.pages import PageServer, Resp, Route
from support.signals import foreground

import summarizer
from summarizer import (
    RepairAction,
    Settings,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
    asummarize,
    summarize,
)
from summarizer.errors import ConfigError
from summarizer.ingest import make_source
from summarizer.llm import LLM
from summarizer.pipeline import progress_display, summarize_sources
from summarizer.render.notebook import TerminalProgress, in_notebook
from summarizer.verify.verifier import verbatim_span

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
    # one judgement per drafted sentence that is not a copy of its source (one citation each)
    by_id = {source.id: source for source in brief.sources}
    assert all(len(s.citations) == 1 for s in brief.sentences)
    judged = [s for s in brief.sentences if verbatim_span(s.text, [by_id[s.citations[0]]]) is None]
    assert stats.stages["verify"].llm_calls == len(judged) >= 1
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


# -- notebook use: errors, interrupts, progress, reprs, tables ------------------------


def _frames(exc: BaseException) -> list[str]:
    """The file of every frame in the traceback as printed, chained exceptions included."""
    return re.findall(r'^  File "([^"]+)"', "".join(traceback.format_exception(exc)), re.M)


def _assert_clean_error(exc: BaseException) -> None:
    frames = _frames(exc)
    assert frames, "the traceback still says where summarize was called"
    noise = [f for f in frames if re.search(r"[/\\](asyncio|concurrent)[/\\]|threading\.py$", f)]
    assert not noise, noise
    message = str(exc)
    assert "\n" not in message and "/nonexistent" in message and "not found" in message


def test_an_error_is_raised_without_event_loop_frames(tmp_path: Path) -> None:
    with pytest.raises(summarizer.SummarizerError) as caught:
        summarize(["/nonexistent"], home=tmp_path)
    _assert_clean_error(caught.value)
    assert len(traceback.format_exception(caught.value)) < 8


async def test_an_error_in_a_notebook_is_raised_without_worker_thread_frames(
    tmp_path: Path,
) -> None:
    asyncio.get_running_loop()  # as in a notebook cell: the job runs in a worker thread
    with pytest.raises(summarizer.SummarizerError) as caught:
        summarize(["/nonexistent"], home=tmp_path)
    _assert_clean_error(caught.value)


@contextmanager
def kernel_interrupts() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in the main thread, as ipykernel arranges for a cell.

    Entered inside the test coroutine: asyncio's runner installs its own handler (which
    only cancels the test's task) when it starts the test.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_when(ready: Callable[[], bool], times: int = 1, gap: float = 0.3) -> None:
    """Press Ctrl-C (``times`` times, ``gap`` apart) once ``ready()`` holds."""

    def press() -> None:
        deadline = time.monotonic() + 20
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        for _ in range(times):
            _thread.interrupt_main()
            time.sleep(gap)

    threading.Thread(target=press, daemon=True).start()


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "summarizer"]


async def test_interrupt_cancels_the_job_and_waits_for_it(tmp_path: Path) -> None:
    """Ctrl-C in a notebook cell: the job's task is cancelled, its thread has ended when
    KeyboardInterrupt arrives, and the endpoint hears nothing more."""
    asyncio.get_running_loop()
    with (
        kernel_interrupts(),
        ScriptedOpenAI(fallback=lambda request: Reply(body=None, delay=30)) as server,
    ):
        settings = _settings(server, tmp_path).with_overrides(cache=False)
        _interrupt_when(lambda: bool(server.requests))
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            summarize(ARTICLES, settings=settings, progress=False)
        assert time.monotonic() - started < 10
        assert not _worker_threads(), "the worker thread ended before KeyboardInterrupt"
        calls = len(server.requests)
        time.sleep(0.5)
        assert len(server.requests) == calls == 1, "nothing kept calling the endpoint"


_SCRIPT = """
import sys, threading
from summarizer import summarize
try:
    summarize(sys.argv[2:], base_url=sys.argv[1], model="scripted", cache=False)
except KeyboardInterrupt:
    print("threads:", sorted(t.name for t in threading.enumerate()), flush=True)
    raise
"""


def test_ctrl_c_in_a_script_stops_the_job(tmp_path: Path) -> None:
    """No event loop running (a plain script): Ctrl-C cancels the job and nothing lingers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    env["SUMMARIZER_HOME"] = str(tmp_path)
    with ScriptedOpenAI(fallback=lambda request: Reply(body=None, delay=30)) as server:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, server.base_url, *ARTICLES],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=foreground,
        )
        deadline = time.monotonic() + 60
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the job reached the endpoint"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        calls = len(server.requests)
    assert proc.returncode != 0 and err.rstrip().endswith("KeyboardInterrupt")
    assert out.strip() == "threads: ['MainThread']", "no worker or executor thread left"
    assert calls == 1


class SlowToStop(httpx.AsyncBaseTransport):
    """Real HTTP; once cancelled, it holds the job's loop for ``linger`` seconds before
    letting go (as a transport tearing down a connection might)."""

    def __init__(self, linger: float) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.linger = linger
        self.stopped_at: float | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except asyncio.CancelledError:
            time.sleep(self.linger)  # blocking: cancellation cannot hurry it
            self.stopped_at = time.monotonic()
            raise


async def test_a_new_job_waits_for_an_interrupted_one_to_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Interrupted twice (the second time while it is stopping), the cell returns at once;
    the next summarize() waits until that job has stopped: two never run together."""
    asyncio.get_running_loop()
    slow = SlowToStop(linger=1.5)
    with kernel_interrupts(), PageServer() as pages, ScriptedOpenAI(fallback=AutoModel()) as server:
        url = pages.add("/slow", Route([Resp(body=b"<p>late</p>", delay=10)]))
        settings = _settings(server, tmp_path).with_overrides(allow_private=True, cache=False)
        _interrupt_when(lambda: pages.in_flight > 0, times=2)
        with pytest.raises(KeyboardInterrupt):
            summarize([url], settings=settings, transport=slow, progress=False)
        assert slow.stopped_at is None, "the first job was still stopping"

        first_call: list[float] = []

        def record(request: Request) -> Reply:
            first_call.append(time.monotonic())
            return AutoModel()(request)

        server.fallback = record
        with caplog.at_level(logging.WARNING, logger="summarizer.pipeline"):
            brief = summarize(ARTICLES, settings=settings, progress=False)
    assert brief.sentences
    assert "waiting for the interrupted summarize job to stop" in caplog.text
    assert slow.stopped_at is not None and first_call and first_call[0] > slow.stopped_at
    assert not _worker_threads()


async def test_progress_reaches_the_callers_thread(tmp_path: Path) -> None:
    """In a notebook the job runs in a worker thread; its progress is reported from the
    cell's thread, where displays live, stage by stage."""
    asyncio.get_running_loop()
    seen: list[tuple[str, str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        seen.append((threading.current_thread().name, stage, done, total))

    with ScriptedOpenAI(fallback=AutoModel()) as server:
        brief = summarize(ARTICLES, settings=_settings(server, tmp_path), progress=progress)
    assert {thread for thread, *_ in seen} == {threading.current_thread().name}
    stages = list(dict.fromkeys(stage for _, stage, _, _ in seen))
    assert stages == ["fetch", "draft", "verify", "repair"]
    assert ("fetch", 3, 3) in [(s, d, t) for _, s, d, t in seen]
    verify = [(d, t) for _, s, d, t in seen if s == "verify"]
    assert verify[-1] == (len(brief.sentences), len(brief.sentences))


def test_progress_is_off_in_scripts_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert not in_notebook()
    with progress_display(None) as report:
        assert report is None, "a library prints nothing by default outside a notebook"
    with progress_display(False) as report:
        assert report is None
    with progress_display(True) as report:
        assert isinstance(report, TerminalProgress)
    calls: list[tuple[str, int, int]] = []
    with progress_display(lambda *event: calls.append(event)) as report:
        assert report is not None
        report("fetch", 1, 2)
    assert calls == [("fetch", 1, 2)]
    assert capsys.readouterr().out == ""


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A real brief (scripted endpoint, one bogus sentence for repair, one failed source)."""
    home = tmp_path_factory.mktemp("home")
    with ScriptedOpenAI(fallback=AutoModel(bogus=True)) as server:
        settings = Settings(base_url=server.base_url, model="scripted", home=home, retry_max_wait=0)
        return summarize(
            [*ARTICLES, "/nonexistent"], settings=settings, drafter="freeform", progress=False
        )


def test_reprs_are_one_short_line(brief: Summary) -> None:
    text = repr(brief)
    assert len(text) < 300 and "\n" not in text
    shown = len(brief.shown_sentences)
    assert text.startswith(f"<Summary '{brief.title}' · {shown} sentences · cites ")
    assert "of 3 sources" in text and "1 failed" in text
    removed = len(brief.sentences) - shown
    assert (f"{removed} removed" in text) == (removed > 0)

    sentence = brief.shown_sentences[0]
    line = repr(sentence)
    assert len(line) < 200 and line.startswith(f"<SummarySentence {sentence.status.value} ")
    assert "".join(f"[{c}]" for c in sentence.citations) in line

    usable, failed = brief.sources[0], brief.sources[-1]
    assert repr(usable).startswith(f"<Source 0 '{usable.title}'")
    assert f"{len(usable.passages)} passages" in repr(usable)
    assert repr(failed).startswith("<Source 3 '/nonexistent' · failed: ")
    assert all(len(repr(s)) < 300 for s in brief.sources)


def test_a_long_title_is_clipped_in_the_repr(brief: Summary) -> None:
    long = brief.model_copy(update={"title": "Storm " * 200})
    assert len(repr(long)) < 300 and "…" in repr(long)


def test_source_and_sentence_render_as_escaped_html() -> None:
    hostile = Source(
        id=0,
        url="https://example.com/a",
        title="<script>alert(1)</script> Barrier",
        outlet="Gazette & Co",
        text="The barrier closed. It held.",
    )
    page = hostile._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "Gazette &amp; Co" in page
    assert 'href="https://example.com/a"' in page and 'class="sb-brief"' in page
    failed = Source(id=1, url="/nonexistent", error="file not found")
    assert "file not found" in failed._repr_html_()

    sentence = SummarySentence(
        text="The barrier <b>closed</b>.",
        citations=[0],
        verdict=Verdict(
            status=Status.SUPPORTED,
            score=0.91,
            evidence=[Span(source_id=0, start=0, end=19, text="The barrier closed.")],
        ),
    )
    html = sentence._repr_html_()
    assert "<b>closed</b>" not in html and "&lt;b&gt;closed&lt;/b&gt;" in html
    assert "Verdict: supported (score 0.91)" in html and "The barrier closed." in html
    assert "[0]" in html


def test_to_dataframe_has_one_row_per_sentence(brief: Summary) -> None:
    frame = brief.to_dataframe()
    assert len(frame) == len(brief.sentences)
    assert list(frame["text"]) == [s.text for s in brief.sentences]
    assert list(frame["status"]) == [s.status.value for s in brief.sentences]
    assert list(frame["shown"]) == [s.shown for s in brief.sentences]
    assert [list(c) for c in frame["citations"]] == [s.citations for s in brief.sentences]
    repaired = [s for s in brief.sentences if s.attempts]
    assert repaired, "the bogus sentence went through repair"
    actions = {a.value for a in RepairAction}
    assert set(frame["repair"].dropna()) <= actions and frame["repair"].notna().sum() == len(
        repaired
    )


def test_to_dataframe_without_pandas_says_so(
    brief: Summary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(ConfigError, match=r"needs pandas.*pip install pandas") as caught:
        brief.to_dataframe()
    assert "\n" not in caught.value.one_line()
