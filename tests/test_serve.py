"""``summarizer serve``: the published state file, how other commands find it, when it is stale.

The embedded model is not started here (the one test that does is marked
``local_model``). A real HTTP server on 127.0.0.1, the scripted OpenAI-compatible
server, stands in as the running endpoint: it is published in ``serve.json``
exactly as ``serve`` publishes its own, with a live pid, and the real CLI
(``doctor``, ``summarize``, ``serve``) runs against it in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.auto_llm import AutoModel
from support.cli import ARTICLES, ROOT, cli_env, run_cli
from support.openai_server import ScriptedOpenAI

from summarizer.llm.local import MODEL_ALIAS, MODEL_SHA256
from summarizer.llm.shared import (
    SERVE_FILE,
    SharedServer,
    check_shared,
    publish,
    read_state,
    state_path,
    withdraw,
)
from summarizer.settings import Settings


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """No endpoint configured: what a user with a running ``serve`` has.

    ``models`` is a file here, so should a command ever fall back to the embedded
    model it fails at once instead of assembling and starting it."""
    home.mkdir()
    (home / "models").write_text("not a folder: no embedded model in these tests\n")
    clean = cli_env("http://127.0.0.1:9/v1", home)
    for endpoint in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SUMMARIZER_MODEL"):
        del clean[endpoint]
    return {**clean, "SUMMARIZER_LLM_TIMEOUT": "30", "COLUMNS": "250"}


def shared(base_url: str, pid: int, model: str = "scripted") -> SharedServer:
    return SharedServer(
        pid=pid, base_url=base_url, model=model, cache_identity=f"local:{MODEL_SHA256}",
        started="2026-12-02T12:00:00+00:00", server_pid=None,
    )  # fmt: skip


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_summarize_uses_a_published_server_and_doctor_reports_it(
    home: Path, env: dict[str, str], model: ScriptedOpenAI
) -> None:
    publish(Settings(home=home), shared(model.base_url, os.getpid()))

    doctor = run_cli("doctor", env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert f"a shared server is running at {model.base_url}" in doctor.stdout
    assert f"pid {os.getpid()}" in doctor.stdout
    assert "one-token completion" in doctor.stdout  # the chat check ran against it

    result = run_cli("summarize", *ARTICLES, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == "scripted" and data["stats"]["llm_calls"] > 0
    assert len(list(model.chat_requests())) >= data["stats"]["llm_calls"]
    assert not (home / "logs" / "local-server.log").exists()  # no model of its own started


def test_answers_cached_through_serve_are_keyed_on_the_model_not_the_port(
    home: Path, env: dict[str, str], model: ScriptedOpenAI
) -> None:
    """A restarted serve listens on another port: the cache still answers, since it keys on
    the published model identity (the embedded model's own), not the URL."""
    publish(Settings(home=home), shared(model.base_url, os.getpid()))
    first = run_cli("summarize", *ARTICLES, "--format", "json", env=env)
    assert first.returncode == 0, first.stderr
    calls = len(list(model.chat_requests()))
    with ScriptedOpenAI(fallback=AutoModel()) as restarted:
        publish(Settings(home=home), shared(restarted.base_url, os.getpid()))
        second = run_cli("summarize", *ARTICLES, "--format", "json", env=env)
        assert second.returncode == 0, second.stderr
        assert not list(restarted.chat_requests())
    assert json.loads(second.stdout)["stats"]["cache_hits"] == calls > 0


def test_doctor_ignores_a_stale_file(home: Path, env: dict[str, str]) -> None:
    gone = dead_pid()
    publish(Settings(home=home), shared("http://127.0.0.1:9/v1", gone))
    doctor = run_cli("doctor", env=env)
    assert f"stale {SERVE_FILE}: pid {gone} is not running; ignored" in doctor.stdout
    assert "embedded local model (OPENAI_BASE_URL is not set)" in doctor.stdout
    assert state_path(Settings(home=home)).exists()  # readers never delete it


async def test_a_published_server_must_hold(home: Path, model: ScriptedOpenAI) -> None:
    settings = Settings(home=home)
    assert (await check_shared(settings)).server is None  # nothing published

    publish(settings, shared(model.base_url, os.getpid()))
    assert (await check_shared(settings)).alive

    publish(settings, shared(model.base_url, dead_pid()))
    status = await check_shared(settings)
    assert not status.alive and "is not running" in status.reason

    publish(settings, shared(model.base_url, os.getpid(), model="another-model"))
    status = await check_shared(settings)
    assert not status.alive and "does not serve another-model" in status.reason

    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    publish(settings, shared(f"http://127.0.0.1:{closed}/v1", os.getpid()))
    status = await check_shared(settings)
    assert not status.alive and "refuses" in status.reason

    state_path(settings).write_text("{not json", encoding="utf-8")
    assert read_state(state_path(settings)) is None
    assert not (await check_shared(settings)).alive


async def test_a_busy_server_still_counts(home: Path) -> None:
    """llama.cpp answers /models only between generations: a connection that is accepted
    but not answered in time is a busy server, not a stale file."""
    settings = Settings(home=home)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel accepts; nobody answers
        port = listener.getsockname()[1]
        publish(settings, shared(f"http://127.0.0.1:{port}/v1", os.getpid()))
        started = time.monotonic()
        status = await check_shared(settings, timeout=0.3)
        assert status.alive and status.reason == "busy"
        assert time.monotonic() - started < 3


def test_only_the_publisher_withdraws(home: Path, model: ScriptedOpenAI) -> None:
    settings = Settings(home=home)
    publish(settings, shared(model.base_url, 4242))
    withdraw(settings, os.getpid())
    assert read_state(state_path(settings)) == shared(model.base_url, 4242)
    withdraw(settings, 4242)
    assert not state_path(settings).exists()
    withdraw(settings, 4242)  # nothing left: no error


def test_serve_refuses_a_second_server_before_starting_a_model(
    home: Path, env: dict[str, str], model: ScriptedOpenAI
) -> None:
    publish(Settings(home=home), shared(model.base_url, os.getpid()))
    result = run_cli("serve", env=env, timeout=60)
    assert result.returncode == 2
    assert f"a shared server is already running at {model.base_url}" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert not (home / "logs" / "local-server.log").exists()


def test_serve_refuses_a_taken_port_before_starting_a_model(
    home: Path, env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), env=env, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "logs" / "local-server.log").exists()
    bad = run_cli("serve", "--port", "70000", env=env, timeout=60)
    assert bad.returncode == 2 and "--port" in bad.stderr and "65535" in bad.stderr


@pytest.mark.local_model
def test_serve_for_real(tmp_path: Path) -> None:
    """The real embedded model behind ``serve``: published, used by summarize and doctor,
    and gone (file and port) after SIGTERM."""
    home = Path(os.environ.get("SUMMARIZER_HOME", Path.home() / ".cache" / "summarizer"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(SUMMARIZER_HOME=str(home), COLUMNS="250")
    server = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()  # blocks until the model answers
        second = server.stdout.readline()
        assert first.startswith("OPENAI_BASE_URL=http://127.0.0.1:"), first
        assert second.strip() == f"SUMMARIZER_MODEL={MODEL_ALIAS}"
        base_url = first.strip().split("=", 1)[1]
        state = read_state(home / SERVE_FILE)
        assert state is not None and state.pid == server.pid and state.base_url == base_url

        doctor = run_cli("doctor", env=env)
        assert doctor.returncode == 0, doctor.stdout
        assert f"a shared server is running at {base_url}" in doctor.stdout

        result = run_cli(
            "summarize", *ARTICLES, "--format", "json", "--no-cache", env=env, timeout=600
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["stats"]["llm_calls"] > 0
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 0, server.stderr.read() if server.stderr else ""
    assert not (home / SERVE_FILE).exists()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
