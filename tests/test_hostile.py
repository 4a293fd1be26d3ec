"""Hostile input, round two: each way in or way down found by an outside tester, kept shut.

Servers are on 127.0.0.1 only; every loop is bounded. Nothing asserts on elapsed time
except the hang detectors (hypothesis deadlines of seconds for work that takes
milliseconds), which only fail on a blow-up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.auto_llm import BOGUS, AutoModel
from support.openai_server import ScriptedOpenAI, error_reply, text_reply
from support.pages import PageServer, Resp, Route, page

from summarizer.errors import (
    BackendUnavailableError,
    ConfigError,
    ExtractionError,
    FetchError,
    InputError,
    OutputError,
    SourceError,
    VerificationFailed,
)
from summarizer.ingest import collect_inputs, ingest
from summarizer.ingest.extract import extract_plain
from summarizer.ingest.fetch import Fetcher
from summarizer.ingest.inputs import classify, parse_list
from summarizer.llm import LLM
from summarizer.prompts import load_prompt
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted(str(p) for p in (ROOT / "examples").glob("*.html"))
KEY = "sk-hostile-secret-4242"
JSON = "application/json"


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT,
    )  # fmt: skip


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(extra)
    return env


@pytest.fixture
def env(tmp_path: Path, model: ScriptedOpenAI) -> dict[str, str]:
    return clean_env(
        OPENAI_BASE_URL=model.base_url,
        OPENAI_API_KEY=KEY,
        SUMMARIZER_MODEL="scripted",
        SUMMARIZER_HOME=str(tmp_path / "home"),
        SUMMARIZER_RETRY_MAX_WAIT="0",
        SUMMARIZER_LLM_TIMEOUT="5",
    )


# -- 1. no regex blow-ups in plain-text / Markdown extraction -------------------------------
PATHOLOGICAL = [
    "# " + "a " * 2000 + "\nThe body sentence is here.",  # a 4 KB first line (was cubic)
    "#" + " #" * 3000 + " x\nThe body sentence is here.",
    "Title\n" + "[" * 60_000,  # link pattern (was quadratic)
    "Title\n" + "[a](" * 15_000,
    "Title\n" + "![x](" * 15_000,
    "Title\n" + "**" + "a" * 60_000,
    "Title\n" + ("(" * 30_000) + ("]" * 30_000),
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
@pytest.mark.parametrize("markdown", [True, False], ids=["md", "txt"])
def test_pathological_text_is_extracted_or_refused(text: str, markdown: bool) -> None:
    try:
        extracted = extract_plain(text, markdown=markdown)
    except ExtractionError:
        return
    assert extracted.text


TOKENS = [*"#[]()!*_ \n\t-:>|`ab1.", "](", "**", "# ", "[a](", "a " * 50]
MARKDOWNISH = st.lists(st.sampled_from(TOKENS), max_size=16_000).map(lambda t: "".join(t)[:64_000])


@settings(max_examples=60, deadline=timedelta(seconds=5), suppress_health_check=list(HealthCheck))
@given(MARKDOWNISH, st.booleans())
def test_extraction_of_any_text_up_to_64k_finishes(text: str, markdown: bool) -> None:
    """A hang detector, not a speed test: extraction is linear, so 64 KB takes milliseconds."""
    with contextlib.suppress(ExtractionError):
        extract_plain(text, markdown=markdown)


async def test_extraction_has_a_time_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a parser does, one source's extraction cannot hold the others up."""
    import summarizer.ingest as ingest_module

    real = ingest_module.extract_page

    def stuck(page: Any) -> Any:
        if page.url.endswith("slow.txt"):
            import time

            time.sleep(3)
        return real(page)

    monkeypatch.setattr(ingest_module, "extract_page", stuck)
    (tmp_path / "slow.txt").write_text("Slow title\nThis body takes forever to parse.\n")
    sources = await ingest(
        [str(tmp_path / "slow.txt"), ARTICLES[0]],
        Settings(home=tmp_path / "home", cache=False, extract_timeout=0.5),
    )
    by_url = {s.url: s for s in sources}
    assert "longer than 0.5s" in (by_url[str(tmp_path / "slow.txt")].error or "")
    assert by_url[ARTICLES[0]].ok


# -- 2. the page cache does not get around the private-address guard -----------------------
async def test_cached_private_page_is_refused_without_allow_private(tmp_path: Path) -> None:
    with PageServer() as server:
        url = server.add("/story", page("harbor-bridge.html"))
        home = tmp_path / "home"
        async with Fetcher(Settings(home=home, allow_private=True)) as fetcher:
            assert (await fetcher.fetch(url)).text
        async with Fetcher(Settings(home=home)) as fetcher:
            with pytest.raises(FetchError, match=r"private|loopback|not allowed"):
                await fetcher.fetch(url)
        async with Fetcher(Settings(home=home, allow_private=True)) as fetcher:
            assert (await fetcher.fetch(url)).from_cache  # still served where it is allowed
        assert server.hits["/story"] == 1


# -- 3. no key on stderr, in results or in the cache -----------------------------------------
async def test_echoed_key_is_scrubbed_from_retry_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"bad gateway; request headers: Authorization: Bearer {KEY}"
    with ScriptedOpenAI() as server:
        server.script(error_reply(502, echo), text_reply("ok"))
        settings = Settings(
            base_url=server.base_url, api_key=KEY, home=tmp_path, retry_max_wait=0, cache=False
        )
        with caplog.at_level(logging.WARNING):
            async with LLM(settings) as llm:
                await llm.text([{"role": "user", "content": "hi"}], prompts=[load_prompt("judge")])
    assert "retry 1/" in caplog.text and KEY not in caplog.text


def test_key_in_base_url_and_credentials_in_source_urls_stay_out(
    tmp_path: Path, model: ScriptedOpenAI
) -> None:
    with PageServer() as pages:
        story = pages.add("/story", page("harbor-bridge.html"))
        with_password = story.replace("http://", "http://reporter:hunter2@")
        out = tmp_path / "brief.json"
        base = model.base_url.replace("/v1", f"/v1?api-key={KEY}")
        env = clean_env(
            OPENAI_BASE_URL=base, SUMMARIZER_HOME=str(tmp_path / "home"), SUMMARIZER_MODEL="m"
        )
        result = run_cli("summarize", with_password, "--allow-private", "-o", str(out), env=env)
    assert result.returncode == 0, result.stderr
    written = out.read_text()
    assert KEY not in written and "hunter2" not in written and "reporter" not in written
    assert json.loads(written)["options"]["base_url"].endswith("api-key=***")
    assert KEY not in result.stderr and "hunter2" not in result.stderr
    cached = "".join(p.read_text() for p in (tmp_path / "home" / "cache").rglob("*.json"))
    assert "hunter2" not in cached and KEY not in cached


# -- 4. inputs that used to cost the whole run a traceback -----------------------------------
def test_nul_byte_in_a_list_entry_fails_that_entry_only(
    env: dict[str, str], tmp_path: Path
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"bad\x00name.html\n{ARTICLES[0]}\n")
    result = run_cli("summarize", "-i", str(listing), "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert "NUL byte" in result.stderr and "Traceback" not in result.stderr
    assert classify("a\x00b").key == "a\x00b"


def test_file_name_that_is_not_utf8(env: dict[str, str], tmp_path: Path) -> None:
    odd = os.fsencode(str(tmp_path)) + b"/caf\xe9.html"
    Path(os.fsdecode(odd)).write_bytes(Path(ARTICLES[0]).read_bytes())
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"summarizer", b"summarize", odd, b"-f", b"markdown"],
        capture_output=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr


def test_cache_entry_that_is_a_directory_is_a_miss(tmp_path: Path) -> None:
    from summarizer.cache import DiskCache

    cache = DiskCache(tmp_path, "x")
    cache._path("ab" * 32).mkdir(parents=True)
    assert cache.get("ab" * 32) is None  # warned, not raised
    cache.set("ab" * 32, {"v": 1})  # cannot replace a directory: warned, not raised


def test_home_that_is_a_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    with pytest.raises(ConfigError, match="not a folder"):
        Settings(home=home)
    result = run_cli("summarize", ARTICLES[0], env={**env, "SUMMARIZER_HOME": str(home)})
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert "Traceback" not in result.stderr


# -- 6. no terminal escapes from the source list ----------------------------------------------
def test_list_entries_are_shown_inert(env: dict[str, str], tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"/no/such/\x1b[2J\x1b]0;pwned\x07file.html\n{ARTICLES[0]}\n")
    result = run_cli("summarize", "-i", str(listing), "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "skipped /no/such/file.html" in result.stderr  # the escape sequences are removed whole
    assert result.stderr.count("/no/such/") == 1, "a failed source is reported once"


# -- 7. every option validated up front -------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (("--sentences", "0"), {}, "target_sentences"),
        (("--sentences", "-3"), {}, "target_sentences"),
        (("--sentences", "100000"), {}, "target_sentences"),
        (("--words", "-5"), {}, "target_words"),
        ((), {"SUMMARIZER_LLM_TIMEOUT": "-1"}, "llm_timeout"),
        ((), {"SUMMARIZER_TOTAL_TIMEOUT": "0"}, "total_timeout"),
        (("--base-url", "localhost:8080"), {}, "http:// or https://"),
        (("--base-url", "http://"), {}, "http:// or https://"),
        (("--base-url", "http://h:99999/v1"), {}, "base_url"),
    ],
)
def test_bad_options_exit_2_at_once(
    env: dict[str, str], model: ScriptedOpenAI, args: tuple[str, ...], extra_env: dict[str, str],
    message: str,
) -> None:  # fmt: skip
    result = run_cli("summarize", ARTICLES[0], *args, env={**env, **extra_env})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert not list(model.chat_requests()), "refused before any work"


# -- 8. exit codes and files -------------------------------------------------------------------
def test_output_file_mode_follows_the_umask_and_force_keeps_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "brief.html"
    old = os.umask(0o022)
    try:
        assert run_cli("summarize", ARTICLES[0], "-o", str(out), env=env).returncode == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o640)
        forced = run_cli("summarize", ARTICLES[0], "-o", str(out), "--force", env=env)
        assert forced.returncode == 0 and stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_unwritable_output_exits_4(env: dict[str, str]) -> None:
    result = run_cli("summarize", ARTICLES[0], "-o", "/proc/brief.md", env=env)
    assert result.returncode == OutputError.exit_code == 4, result.stderr
    assert "cannot write" in result.stderr


class OnlyInventions(AutoModel):
    """Drafts only sentences the sources do not contain."""

    def _draft(self, request: Any) -> Any:
        from support.openai_server import tool_reply

        return tool_reply(
            "Draft", {"title": "T", "sentences": [{"text": BOGUS, "source_ids": [0]}]}
        )


def test_a_brief_with_nothing_left_to_show_fails(tmp_path: Path) -> None:
    with ScriptedOpenAI(fallback=OnlyInventions()) as server:
        env = clean_env(
            OPENAI_BASE_URL=server.base_url, SUMMARIZER_MODEL="m",
            SUMMARIZER_HOME=str(tmp_path / "home"),
        )  # fmt: skip
        env["SUMMARIZER_DRAFTER"] = "freeform"
        result = run_cli("summarize", ARTICLES[0], "--on-unsupported", "remove", env=env)
    assert result.returncode == VerificationFailed.exit_code == 1
    assert "nothing is left to show" in result.stderr


async def test_long_retry_after_makes_the_model_client_give_up_at_once(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        server.script(error_reply(429, "come back tomorrow", **{"Retry-After": "3600"}))
        settings = Settings(base_url=server.base_url, home=tmp_path, cache=False)
        async with LLM(settings) as llm:
            with pytest.raises(BackendUnavailableError, match="retry after 3600s"):
                await llm.text([{"role": "user", "content": "hi"}], prompts=[load_prompt("judge")])
        assert len(list(server.chat_requests())) == 1


async def test_doctor_notices_a_chat_endpoint_that_hangs(tmp_path: Path) -> None:
    from summarizer.llm.doctor import diagnose

    with PageServer() as endpoint:
        endpoint.add(
            "/v1/models",
            Route([Resp(body=b'{"data": [{"id": "m"}]}', content_type="application/json")]),
        )
        endpoint.add(
            "/v1/chat/completions", Route([Resp(delay=3, content_type="application/json")])
        )
        checks = await diagnose(
            Settings(base_url=endpoint.url("/v1"), home=tmp_path, llm_timeout=1)
        )
    by_name = {c.name: c for c in checks}
    assert by_name["endpoint"].ok and not by_name["chat"].ok
    assert "no chat answer within 1s" in by_name["chat"].detail


# -- the list / file-name parser under fuzzing --------------------------------------------------
@settings(max_examples=200, deadline=timedelta(seconds=5), suppress_health_check=list(HealthCheck))
@given(st.text(max_size=4000))
def test_list_parser_never_crashes(text: str) -> None:
    entries = parse_list(text)
    assert all(e == e.strip() and e and not e.startswith("#") for e in entries)
    for entry in entries[:20]:
        classify(entry)  # URL or file, never an exception
    with contextlib.suppress(InputError):
        collect_inputs(entries, None, stdin=None)


@settings(max_examples=100, deadline=timedelta(seconds=5), suppress_health_check=list(HealthCheck))
@given(st.text(min_size=1, max_size=300))
def test_file_loader_fails_only_with_a_reason(name: str) -> None:
    from summarizer.ingest.inputs import load_file

    try:
        load_file(name, 10_000)
    except SourceError as exc:
        assert exc.reason


def test_echoed_key_never_reaches_the_terminal(env: dict[str, str], model: ScriptedOpenAI) -> None:
    model.script(*[error_reply(502, f"upstream saw Authorization: Bearer {KEY}")] * 2)
    result = run_cli("summarize", ARTICLES[0], "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert "retry 1/" in result.stderr and KEY not in result.stderr and "***" in result.stderr
