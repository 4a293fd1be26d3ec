"""The LLM seam over real HTTP: openai client + instructor against ScriptedOpenAI."""

from __future__ import annotations

import asyncio
import json
import math
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationInfo, field_validator
from support.openai_server import (
    Reply,
    ScriptedOpenAI,
    completion,
    error_reply,
    text_reply,
    tool_reply,
)
from support.pages import PageServer, Resp, Route

from summarizer.errors import BackendUnavailableError, ConfigError, LLMResponseError
from summarizer.llm import LLM
from summarizer.llm.client import _bind_context
from summarizer.prompts import Prompt
from summarizer.retry import retry_after
from summarizer.settings import Settings

SECRET = "sk-test-SECRET-0123456789"
PROMPTS = [Prompt("test", "a test prompt $x")]
MESSAGES = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Pick 3."}]


class Answer(BaseModel):
    """A number the caller allows."""

    value: int

    @field_validator("value")
    @classmethod
    def _allowed(cls, value: int, info: ValidationInfo) -> int:
        if isinstance(info.context, dict) and value not in info.context["allowed"]:
            raise ValueError(f"value {value} is not allowed, pick one of {info.context['allowed']}")
        return value


CONTEXT = {"allowed": [1, 2, 3]}


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as scripted:
        yield scripted


def make_settings(tmp_path: Path, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": base_url,
        "api_key": SECRET,
        "model": "test-model",
        "home": tmp_path,
        "llm_retries": 2,
        "reask_retries": 2,
        "retry_max_wait": 0.0,
        "llm_timeout": 10.0,
        "mode": "tools",
    }
    values.update(overrides)
    return Settings(**values)


def chat(server: ScriptedOpenAI) -> list[dict[str, Any]]:
    return list(server.chat_requests())


def all_text(request: dict[str, Any]) -> str:
    return json.dumps(request.get("messages", []), ensure_ascii=False)


def assert_secret_absent(tmp_path: Path, *errors: BaseException) -> None:
    for error in errors:
        assert SECRET not in str(error)
        assert "\n" not in str(error)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace")


# -- structured output -------------------------------------------------------------------------
async def test_structured_valid_answer_tools_mode(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(tool_reply("Answer", {"value": 3}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert type(result) is Answer
    assert result.value == 3
    (request,) = chat(server)
    assert request["model"] == "test-model"
    assert request["tools"][0]["function"]["name"] == "Answer"
    assert request["tool_choice"]["function"]["name"] == "Answer"
    assert request["temperature"] == 0.0
    assert request["max_tokens"] == 1024
    assert request["messages"] == MESSAGES
    headers = {k.lower(): v for k, v in request["_headers"].items()}
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert (llm.stats.llm_calls, llm.stats.prompt_tokens, llm.stats.completion_tokens) == (
        1,
        50,
        20,
    )


async def test_structured_json_mode(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(text_reply('{"value": 9}'), text_reply('{"value": 2}'))
    async with LLM(make_settings(tmp_path, server.base_url, mode="json")) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert result.value == 2
    first, second = chat(server)
    assert first["response_format"] == {"type": "json_object"}
    assert "tools" not in first
    assert "value 9 is not allowed" in all_text(second)


async def test_validation_error_is_reasked_with_the_error_text(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    server.script(tool_reply("Answer", {"value": 9}), tool_reply("Answer", {"value": 3}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert result.value == 3
    first, second = chat(server)
    assert "not allowed" not in all_text(first)
    assert "value 9 is not allowed" in all_text(second)
    # Usage of every HTTP call, re-asks included: the server reports 50/20 per reply.
    assert (llm.stats.llm_calls, llm.stats.prompt_tokens, llm.stats.completion_tokens) == (
        2,
        100,
        40,
    )


async def test_reasks_exhausted_raise_llm_response_error(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, server.base_url, reask_retries=2)
    server.script(*[tool_reply("Answer", {"value": 9}) for _ in range(5)])
    async with LLM(settings) as llm:
        with pytest.raises(LLMResponseError) as caught:
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert len(chat(server)) == 3
    message = caught.value.one_line()
    assert "Answer" in message and "3 attempt" in message
    assert "value: Value error, value 9 is not allowed" in message
    assert llm.stats.llm_calls == 3
    assert_secret_absent(tmp_path, caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        tool_reply("Answer", '{"value": 3'),  # malformed JSON arguments
        tool_reply("Answer", {"value": "three"}),  # valid JSON, wrong type
        tool_reply("Answer", {"number": 3}),  # valid JSON, wrong shape
        text_reply("The answer is 3."),  # no tool call at all
    ],
    ids=["malformed-json", "wrong-type", "wrong-shape", "no-tool-call"],
)
async def test_bad_output_is_reasked(server: ScriptedOpenAI, tmp_path: Path, bad: Reply) -> None:
    server.script(bad, tool_reply("Answer", {"value": 1}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert result.value == 1
    first, second = chat(server)
    assert "Validation Error" in all_text(second)
    assert len(second["messages"]) > len(first["messages"])


async def test_output_cut_off_at_max_tokens(server: ScriptedOpenAI, tmp_path: Path) -> None:
    cut = completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c",
                    "type": "function",
                    "function": {"name": "Answer", "arguments": '{"val'},
                }
            ],
        },
        finish="length",
    )
    server.script(cut)
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        with pytest.raises(LLMResponseError, match="cut off at max_tokens=77"):
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS, max_tokens=77)
    assert len(chat(server)) == 1


async def test_context_is_not_rendered_as_a_template(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """Instructor would Jinja-render messages given a context; page text must pass verbatim."""
    hostile = "Page says {{ allowed }} and {% for x in allowed %}{{ x }}{% endfor %} and {{"
    messages = [{"role": "user", "content": hostile}]
    server.script(tool_reply("Answer", {"value": 2}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, messages, prompts=PROMPTS, context=CONTEXT)
    assert result.value == 2
    assert chat(server)[0]["messages"][0]["content"] == hostile


def test_bound_model_keeps_name_doc_and_schema() -> None:
    bound = _bind_context(Answer, CONTEXT)
    assert bound is not Answer and issubclass(bound, Answer)
    assert bound.__name__ == "Answer" and bound.__doc__ == Answer.__doc__
    assert bound.model_json_schema() == Answer.model_json_schema()
    assert bound.model_validate_json('{"value": 2}').value == 2
    with pytest.raises(ValueError, match="not allowed"):
        bound.model_validate_json('{"value": 5}')
    assert _bind_context(Answer, None) is Answer


# -- transport failures ---------------------------------------------------------------------------
async def test_rate_limit_retry_after_then_success(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(
        error_reply(429, "slow down", **{"Retry-After": "0"}), tool_reply("Answer", {"value": 1})
    )
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert result.value == 1
    first, second = chat(server)
    assert first["messages"] == second["messages"]  # a transport retry, not a re-ask
    assert llm.stats.llm_calls == 1


def test_retry_after_headers() -> None:
    assert retry_after(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert retry_after(httpx.Headers({"retry-after": "7"})) == 7.0
    assert retry_after(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after(httpx.Headers({})) is None


async def test_server_error_storm(server: ScriptedOpenAI, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, server.base_url, llm_retries=3)
    server.script(*[error_reply(500, "model crashed") for _ in range(10)])
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError) as caught:
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    # Exactly llm_retries + 1 attempts: instructor's re-ask loop does not multiply them.
    assert len(chat(server)) == 4
    message = str(caught.value)
    assert message.startswith(f"LLM backend at {server.base_url} unavailable: HTTP 500")
    assert "model crashed" in message and "tried 4 time(s)" in message
    assert llm.stats.llm_calls == 0
    assert_secret_absent(tmp_path, caught.value)


async def test_transport_retry_inside_a_reask(server: ScriptedOpenAI, tmp_path: Path) -> None:
    """A 503 on the re-ask attempt retries that attempt only; the re-ask text survives."""
    server.script(
        tool_reply("Answer", {"value": 9}),
        error_reply(503, "busy"),
        tool_reply("Answer", {"value": 3}),
    )
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert result.value == 3
    _, second, third = chat(server)
    assert "value 9 is not allowed" in all_text(second)
    assert second["messages"] == third["messages"]
    assert llm.stats.llm_calls == 2


async def test_client_error_is_not_retried(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(error_reply(401, "bad key"), tool_reply("Answer", {"value": 1}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        with pytest.raises(BackendUnavailableError, match="rejected, HTTP 401: bad key"):
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert len(chat(server)) == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with LLM(make_settings(tmp_path, url, llm_retries=1)) as llm:
        with pytest.raises(BackendUnavailableError) as caught:
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert str(caught.value).startswith(f"LLM backend at {url} unavailable: cannot connect")
    assert "tried 2 time(s)" in str(caught.value)
    assert_secret_absent(tmp_path, caught.value)


async def test_hang_past_timeout_is_retried_then_fails(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """A remote endpoint's timeout is retried (``retry_timeouts`` stands in for "remote":
    every test server is on this machine)."""
    settings = make_settings(
        tmp_path, server.base_url, llm_timeout=0.4, llm_retries=1, retry_timeouts=True
    )
    server.script(Reply(delay=30), Reply(delay=30), tool_reply("Answer", {"value": 1}))
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError, match=r"no complete response within 0\.4s"):
            await asyncio.wait_for(llm.structured(Answer, MESSAGES, prompts=PROMPTS), 60)
    assert len(chat(server)) == 2


async def test_local_endpoint_timeout_is_not_retried(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """A server on this machine cannot cancel the request we gave up on: retrying would
    queue the same work behind it, so the client stops and says what to change."""
    settings = make_settings(tmp_path, server.base_url, llm_timeout=0.4, llm_retries=3)
    server.script(Reply(delay=30), tool_reply("Answer", {"value": 1}))
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError, match="SUMMARIZER_LLM_TIMEOUT"):
            await asyncio.wait_for(llm.structured(Answer, MESSAGES, prompts=PROMPTS), 60)
    assert len(chat(server)) == 1


async def test_never_ending_response_ends_in_an_error(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """A server that trickles bytes forever defeats httpx's read timeout, not ours."""
    settings = make_settings(
        tmp_path,
        server.base_url,
        llm_timeout=0.5,
        llm_retries=1,
        retry_timeouts=True,
        max_response_bytes=2 * 10**9,  # past the declared length: the deadline must end it
    )
    server.script(Reply(trickle=True), Reply(trickle=True))
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError, match="no complete response within"):
            await asyncio.wait_for(llm.structured(Answer, MESSAGES, prompts=PROMPTS), 60)
    assert len(chat(server)) == 2


async def test_endless_response_body_is_capped(tmp_path: Path) -> None:
    """An endpoint streaming a body without end is refused after the cap, without retries
    and without reading it all into memory."""
    with PageServer() as endpoint:
        endless = Resp(
            body=b'{"id": "x", "choices": [', content_type="application/json", stream_bytes=10**10
        )
        endpoint.add("/v1/chat/completions", Route([endless]))
        settings = make_settings(tmp_path, endpoint.url("/v1"), max_response_bytes=100_000)
        async with LLM(settings) as llm:
            with pytest.raises(BackendUnavailableError, match="larger than 100000 bytes"):
                await asyncio.wait_for(llm.structured(Answer, MESSAGES, prompts=PROMPTS), 60)
        assert endpoint.hits["/v1/chat/completions"] == 1, "not retried"
        assert endpoint.bytes_sent["/v1/chat/completions"] < 50_000_000


async def test_declared_oversized_response_is_refused_unread(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    server.script(Reply(trickle=True))  # announces Content-Length: 10**9
    settings = make_settings(tmp_path, server.base_url, max_response_bytes=100_000)
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError, match="larger than 100000 bytes"):
            await asyncio.wait_for(llm.structured(Answer, MESSAGES, prompts=PROMPTS), 60)
    assert len(chat(server)) == 1


async def test_truncated_body_is_a_transport_retry(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(Reply(raw=b'{"id": "chatcmpl-1", "choi'), tool_reply("Answer", {"value": 2}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        result = await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert result.value == 2
    first, second = chat(server)
    assert first["messages"] == second["messages"]


async def test_truncated_body_storm_is_not_multiplied_by_reasks(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, server.base_url, llm_retries=1, reask_retries=3)
    server.script(*[Reply(raw=b'{"id": "chat') for _ in range(10)])
    async with LLM(settings) as llm:
        with pytest.raises(BackendUnavailableError, match="response body is not valid JSON"):
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert len(chat(server)) == 2


async def test_body_that_is_not_a_chat_completion(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(Reply(body={"status": "ok"}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        with pytest.raises(BackendUnavailableError, match="not a chat completion"):
            await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert len(chat(server)) == 1


# -- cache -------------------------------------------------------------------------------------
async def test_cache_hit_makes_no_request(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(tool_reply("Answer", {"value": 3}), tool_reply("Answer", {"value": 2}))
    settings = make_settings(tmp_path, server.base_url)
    async with LLM(settings) as llm:
        first = await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    async with LLM(settings) as again:  # a new run: the cache is on disk
        second = await again.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    assert first == second == Answer(value=3)
    assert len(chat(server)) == 1
    assert (again.stats.cache_hits, again.stats.llm_calls) == (1, 0)
    assert list((tmp_path / "cache" / "llm").rglob("*.json"))
    assert_secret_absent(tmp_path)


async def test_cache_survives_a_new_port_of_the_same_backend(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """The embedded server gets a new port every run; its answers stay cached."""
    server.script(tool_reply("Answer", {"value": 3}))
    settings = make_settings(tmp_path, server.base_url)
    async with LLM(settings, cache_identity="local:abc") as llm:
        await llm.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
    with ScriptedOpenAI() as moved:  # same model, other port: nothing scripted, no request
        async with LLM(settings, base_url=moved.base_url, cache_identity="local:abc") as again:
            second = await again.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
        assert not moved.requests
        async with LLM(settings, base_url=moved.base_url) as by_url:  # keyed by URL: a miss
            with pytest.raises(BackendUnavailableError):
                await by_url.structured(Answer, MESSAGES, prompts=PROMPTS, context=CONTEXT)
        assert moved.requests
    assert second == Answer(value=3)
    assert (again.stats.cache_hits, again.stats.llm_calls) == (1, 0)


@pytest.mark.parametrize(
    "change",
    [
        {"context": {"allowed": [2, 3]}},
        {"messages": [{"role": "user", "content": "Pick 2."}]},
        {"prompts": [Prompt("test", "edited prompt $x")]},
        {"max_tokens": 99},
    ],
    ids=["context", "messages", "prompt-sha", "max-tokens"],
)
async def test_cache_key_covers_inputs(
    server: ScriptedOpenAI, tmp_path: Path, change: dict[str, Any]
) -> None:
    server.script(tool_reply("Answer", {"value": 3}), tool_reply("Answer", {"value": 3}))
    base: dict[str, Any] = {"messages": MESSAGES, "prompts": PROMPTS, "context": CONTEXT}
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        await llm.structured(Answer, **base)
        await llm.structured(Answer, **{**base, **change})
    assert len(chat(server)) == 2
    assert llm.stats.cache_hits == 0


async def test_cache_disabled(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(tool_reply("Answer", {"value": 3}), tool_reply("Answer", {"value": 3}))
    async with LLM(make_settings(tmp_path, server.base_url, cache=False)) as llm:
        await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
        await llm.structured(Answer, MESSAGES, prompts=PROMPTS)
    assert len(chat(server)) == 2
    assert not (tmp_path / "cache").exists()


# -- yes_probability and text ----------------------------------------------------------------------
async def test_yes_probability_from_top_logprobs(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(
        text_reply("Yes", top_logprobs={"Yes": -0.1, "No": -2.5, " yes": -3.0, "Maybe": -4.0})
    )
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        p = await llm.yes_probability(MESSAGES, prompts=PROMPTS)
        again = await llm.yes_probability(MESSAGES, prompts=PROMPTS)
    p_yes = math.exp(-0.1) + math.exp(-3.0)
    p_no = math.exp(-2.5)
    assert p == pytest.approx(p_yes / (p_yes + p_no))
    assert again == p and llm.stats.cache_hits == 1
    (request,) = chat(server)
    assert request["max_tokens"] == 1 and request["logprobs"] is True
    assert request["top_logprobs"] == 10 and request["temperature"] == 0.0


async def test_yes_probability_neither_token(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(text_reply("Maybe", top_logprobs={"Maybe": -0.2, "Perhaps": -1.0}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        assert await llm.yes_probability(MESSAGES, prompts=PROMPTS) == 0.5


@pytest.mark.parametrize("supported, expected", [(True, 1.0), (False, 0.0)])
async def test_yes_probability_falls_back_without_logprobs(
    server: ScriptedOpenAI, tmp_path: Path, supported: bool, expected: float
) -> None:
    server.script(text_reply("Yes"), tool_reply("YesNoVerdict", {"supported": supported}))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        assert await llm.yes_probability(MESSAGES, prompts=PROMPTS) == expected
    first, second = chat(server)
    assert "tools" not in first
    assert second["tools"][0]["function"]["name"] == "YesNoVerdict"


async def test_text(server: ScriptedOpenAI, tmp_path: Path) -> None:
    server.script(text_reply("A plain answer."), text_reply(""))
    async with LLM(make_settings(tmp_path, server.base_url)) as llm:
        assert await llm.text(MESSAGES, prompts=PROMPTS, max_tokens=50) == "A plain answer."
        assert await llm.text(MESSAGES, prompts=PROMPTS, max_tokens=50) == "A plain answer."
        with pytest.raises(LLMResponseError, match="empty answer"):
            await llm.text(MESSAGES, prompts=PROMPTS, max_tokens=60)
    assert chat(server)[0]["max_tokens"] == 50
    assert (llm.stats.llm_calls, llm.stats.cache_hits) == (2, 1)


# -- construction -------------------------------------------------------------------------------
def test_no_endpoint_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no LLM endpoint"):
        LLM(Settings(base_url=None, home=tmp_path))


async def test_injected_http_client_is_used_and_left_open(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    server.script(tool_reply("Answer", {"value": 1}))
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        async with LLM(make_settings(tmp_path, server.base_url), http_client=http) as llm:
            assert (await llm.structured(Answer, MESSAGES, prompts=PROMPTS)).value == 1
        assert not http.is_closed
    assert seen == [f"{server.base_url}/chat/completions"]


async def test_endpoint_is_connected_on_the_first_cache_miss_only(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """What the embedded server relies on: a fully cached run never starts it."""
    started: list[str] = []

    async def connect() -> str:
        started.append("start")
        await asyncio.sleep(0.05)  # concurrent first misses must wait for one start
        return server.base_url

    settings = make_settings(tmp_path, "http://127.0.0.1:9/v1")
    server.script(tool_reply("Answer", {"value": 1}), tool_reply("Answer", {"value": 2}))
    async with LLM(settings, cache_identity="local:test", connect=connect) as llm:
        first, second = await asyncio.gather(
            llm.structured(Answer, MESSAGES, prompts=PROMPTS),
            llm.structured(
                Answer, [*MESSAGES, {"role": "user", "content": "again"}], prompts=PROMPTS
            ),
        )
    assert {first.value, second.value} == {1, 2} and started == ["start"]

    never: list[str] = []

    async def must_not_start() -> str:
        never.append("start")
        return server.base_url

    async with LLM(settings, cache_identity="local:test", connect=must_not_start) as llm:
        assert (await llm.structured(Answer, MESSAGES, prompts=PROMPTS)).value == first.value
        assert llm.stats.cache_hits == 1 and llm.stats.llm_calls == 0
    assert never == [] and len(chat(server)) == 2


async def test_connect_starts_the_endpoint_for_a_caller_that_talks_to_it_itself(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    """A cached run never started the endpoint; ``connect()`` does, once, and says where."""
    started: list[str] = []

    async def connect() -> str:
        started.append("start")
        return server.base_url

    settings = make_settings(tmp_path, "http://127.0.0.1:9/v1")
    async with LLM(settings, cache_identity="local:test", connect=connect) as llm:
        assert llm.base_url == "http://127.0.0.1:9/v1"  # not started yet
        assert await llm.connect() == server.base_url.rstrip("/")
        assert await llm.connect() == server.base_url.rstrip("/")
    assert started == ["start"]
