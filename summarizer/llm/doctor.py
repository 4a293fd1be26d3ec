"""``summarizer doctor``: which LLM backend a run would use, and whether it would work.

Returns data, never prints: the CLI renders the checks. Every check answers one
question a user asks when the first run fails ("is the extra installed?", "is the
model there and intact?", "does the endpoint answer with my key?"). The API key is
never part of any detail, not even when an error message would echo it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from summarizer.errors import LocalModelError
from summarizer.llm import local, shared
from summarizer.settings import Settings
from summarizer.text.clean import redact_secrets
from summarizer.text.urls import redact_url

logger = logging.getLogger(__name__)

ENDPOINT_TIMEOUT = 5.0
CHAT_TIMEOUT = 30.0  # one generated token; a cold local model may need a few seconds


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    ok: bool
    detail: str


def _scrub(text: str, secret: str | None) -> str:
    return redact_secrets(text, [secret], min_length=1)


async def diagnose(
    settings: Settings,
    *,
    start_local: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[DoctorCheck]:
    """Run the checks for the backend ``settings`` selects.

    ``start_local`` also boots the embedded server and queries it (slow: seconds,
    plus a one-time model assembly); a running ``summarizer serve`` is checked
    instead, as it is what a run would use. ``transport`` is the HTTP seam for tests.
    """
    if settings.uses_local_model:
        status = await shared.check_shared(settings)
        if status.alive and status.server is not None:
            return await _shared_checks(settings, status.server)
        checks = [DoctorCheck("backend", True, "embedded local model (OPENAI_BASE_URL is not set)")]
        if status.server is not None:  # published once, gone now: say why it is not used
            checks.append(DoctorCheck("shared server", True, f"{status.reason}; ignored"))
        return checks + await _local_checks(settings, start_local=start_local)
    assert settings.base_url is not None
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    checks = [DoctorCheck("backend", True, f"configured endpoint {redact_url(settings.base_url)}")]
    checks += await _endpoint_checks(
        settings.base_url,
        api_key=api_key,
        model=settings.model,
        transport=transport,
        chat_timeout=min(CHAT_TIMEOUT, settings.llm_timeout),
    )
    # Last line of defence: whatever a server or library echoed, the key is not shown.
    return [DoctorCheck(c.name, c.ok, _scrub(c.detail, api_key)) for c in checks]


async def _shared_checks(settings: Settings, server: shared.SharedServer) -> list[DoctorCheck]:
    """A ``summarizer serve`` is up: what runs without OPENAI_BASE_URL use, and does it answer."""
    where = redact_url(server.base_url)
    checks = [
        DoctorCheck(
            "backend",
            True,
            f"a shared server is running at {where} (summarizer serve, pid {server.pid}, "
            f"since {server.started}); runs without OPENAI_BASE_URL use it",
        )
    ]
    return checks + await _endpoint_checks(
        server.base_url,
        api_key=None,
        model=settings.model or server.model,
        name="shared server",
        chat_timeout=CHAT_TIMEOUT,
    )


async def _endpoint_checks(
    base_url: str,
    *,
    api_key: str | None,
    model: str | None,
    transport: httpx.AsyncBaseTransport | None = None,
    name: str = "endpoint",
    chat_timeout: float = CHAT_TIMEOUT,
) -> list[DoctorCheck]:
    """GET {base_url}/models with the key; report reachability, auth and the model list."""
    shown = redact_url(base_url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=ENDPOINT_TIMEOUT, transport=transport) as client:
            response = await client.get(f"{base_url.rstrip('/')}/models", headers=headers)
    except httpx.TimeoutException:
        return [DoctorCheck(name, False, f"{shown} did not answer within {ENDPOINT_TIMEOUT:.0f}s")]
    except httpx.HTTPError as exc:
        reason = _scrub(str(exc) or type(exc).__name__, api_key)
        return [DoctorCheck(name, False, f"cannot reach {shown}: {reason}")]
    elapsed_ms = (time.monotonic() - started) * 1000
    if response.status_code in (401, 403):
        return [
            DoctorCheck(
                name,
                False,
                f"{shown} rejected the API key (HTTP {response.status_code}); check OPENAI_API_KEY",
            )
        ]
    if response.status_code != 200:
        return [DoctorCheck(name, False, f"{shown}/models answered HTTP {response.status_code}")]
    ids = _model_ids(response)
    listed = ", ".join(ids[:8]) + (f" (+{len(ids) - 8} more)" if len(ids) > 8 else "")
    listed = _scrub(listed, api_key) or "none listed"
    checks = [DoctorCheck(name, True, f"{shown} answered in {elapsed_ms:.0f} ms; models: {listed}")]
    if model is not None:
        if model in ids:
            checks.append(DoctorCheck("model", True, f"{model} is served"))
        else:
            checks.append(
                DoctorCheck("model", False, f"{model} is not among the models {shown} lists")
            )
    chosen = model or (ids[0] if ids else "default")
    checks.append(await _chat_check(base_url, headers, chosen, transport, api_key, chat_timeout))
    return checks


async def _chat_check(
    base_url: str,
    headers: dict[str, str],
    model: str,
    transport: httpx.AsyncBaseTransport | None,
    api_key: str | None,
    timeout: float,
) -> DoctorCheck:
    """One chat completion of one token: a server can list models and still hang on chat."""
    shown = redact_url(base_url)
    body = {"model": model, "messages": [{"role": "user", "content": "Say yes."}], "max_tokens": 1}
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            response = await client.post(
                f"{base_url.rstrip('/')}/chat/completions", headers=headers, json=body
            )
    except httpx.TimeoutException:
        return DoctorCheck("chat", False, f"no chat answer within {timeout:g}s")
    except httpx.HTTPError as exc:
        reason = _scrub(str(exc) or type(exc).__name__, api_key)
        return DoctorCheck("chat", False, f"chat request to {shown} failed: {reason}")
    if response.status_code != 200:
        return DoctorCheck("chat", False, f"chat completion answered HTTP {response.status_code}")
    try:
        choices = response.json().get("choices")
    except (ValueError, AttributeError):
        choices = None
    if not choices:
        return DoctorCheck("chat", False, "chat completion answer is not a chat completion")
    elapsed_ms = (time.monotonic() - started) * 1000
    return DoctorCheck("chat", True, f"one-token completion in {elapsed_ms:.0f} ms")


def _model_ids(response: httpx.Response) -> list[str]:
    try:
        data = response.json().get("data", [])
        return [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]
    except (ValueError, AttributeError, TypeError):
        return []


async def _local_checks(settings: Settings, *, start_local: bool) -> list[DoctorCheck]:
    checks: list[DoctorCheck] = []
    if local.llama_cpp_available():
        version = local.llama_cpp_version() or "unknown version"
        checks.append(DoctorCheck("llama_cpp", True, f"llama-cpp-python {version}"))
    else:
        checks.append(DoctorCheck("llama_cpp", False, local.LLAMA_MISSING))

    model_path = settings.models_dir / local.MODEL_FILENAME
    verified = await asyncio.to_thread(local.model_is_verified, settings.models_dir)
    have_parts = False
    try:
        parts = local.locate_parts()
    except LocalModelError as exc:
        checks.append(DoctorCheck("model parts", False, exc.one_line()))
    else:
        have_parts = True
        size = sum(p.stat().st_size for p in parts)
        detail = f"{len(parts)} of {local.PART_COUNT} parts installed ({_gib(size)})"
        checks.append(DoctorCheck("model parts", True, detail))
    checks.append(await _model_file_check(model_path, verified=verified, have_parts=have_parts))

    if start_local and all(c.ok for c in checks):
        checks.append(await _server_check(settings))
    return checks


async def _model_file_check(model_path: Path, *, verified: bool, have_parts: bool) -> DoctorCheck:
    if verified:
        size = model_path.stat().st_size
        return DoctorCheck(
            "model file", True, f"{model_path} ({_gib(size)}), sha256 verified (stamp)"
        )
    if model_path.is_file():
        digest = await asyncio.to_thread(local.file_sha256, model_path)
        size = model_path.stat().st_size
        if digest == local.MODEL_SHA256:
            return DoctorCheck("model file", True, f"{model_path} ({_gib(size)}), sha256 verified")
        return DoctorCheck(
            "model file",
            have_parts,
            f"{model_path} has the wrong sha256 ({digest[:12]}…); "
            + ("it will be rebuilt from the parts" if have_parts else "delete it and reinstall"),
        )
    if have_parts:
        return DoctorCheck(
            "model file",
            True,
            f"not assembled yet; the first run builds {model_path} from the parts",
        )
    return DoctorCheck(
        "model file", False, f"{model_path} is missing and no parts to build it from"
    )


async def _server_check(settings: Settings) -> DoctorCheck:
    """Boot the embedded server, ask it for its models, stop it."""
    try:
        async with local.LocalServer(settings) as server:
            startup = server.startup_seconds or 0.0
            answers = await _endpoint_checks(
                server.base_url,
                api_key=None,
                model=server.model_name,
                name="local server",
            )
    except LocalModelError as exc:
        return DoctorCheck("local server", False, exc.one_line())
    ok = all(check.ok for check in answers)
    detail = f"started in {startup:.1f}s; " + "; ".join(check.detail for check in answers)
    return DoctorCheck("local server", ok, detail)


def _gib(size: int) -> str:
    return f"{size / 2**30:.2f} GiB"
