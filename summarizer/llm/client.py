"""The LLM seam: the one place that talks to the OpenAI-compatible endpoint.

Layers, innermost first:

1. ``_attempt`` — one HTTP request through the ``openai`` client (its own retries
   off), under a hard deadline of ``settings.llm_timeout`` for the *whole*
   response. httpx's read timeout alone never fires on a server that trickles a
   byte now and then.
2. ``_send`` — transport retries per the one retry policy (``summarizer.retry``:
   connect errors, timeouts, 408/409/429, 5xx, unparseable bodies; a short
   ``Retry-After`` honoured, a long one gives up); then
   ``BackendUnavailableError``. Every response that arrives is reported to the
   usage observers here (``summarizer.llm.usage``), so re-asks and failed
   validations are billed too, to the stage that made the call.
3. ``structured`` — instructor's re-ask loop (validation errors only) over
   ``_send``. ``_send`` raises only our own errors, which instructor does not
   retry, so a transport failure is never multiplied by the re-ask loop.

Why not ``instructor.from_openai(client)``: it hard-wires the client's bare
``create``; we build the same ``AsyncInstructor`` around ``_send`` instead.

Why the validation context is *not* handed to instructor: instructor 1.17 renders
every message as a Jinja template whenever ``context`` is non-empty, so page text
containing ``{{`` or ``{%`` would be rewritten or crash the call. The context is
bound to the response model instead (``_bind_context``), which is all validators
need (``info.context``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState

from summarizer.cache import DiskCache, make_key
from summarizer.errors import (
    BackendUnavailableError,
    ConfigError,
    LLMError,
    LLMResponseError,
)
from summarizer.llm import usage
from summarizer.llm.capped import CappedTransport, too_large
from summarizer.llm.response import describe, root_reason, server_message, yes_share
from summarizer.models import RunStats
from summarizer.prompts import Prompt
from summarizer.retry import RetryPolicy, Transient, retry_after
from summarizer.settings import Settings
from summarizer.text.clean import one_line, redact_secrets
from summarizer.text.urls import is_loopback, redact_url

if TYPE_CHECKING:
    # openai and instructor take ~0.7 s to import: they are imported on the first
    # request the cache cannot answer, so a fully cached run never loads them.
    import instructor
    import openai
    from openai.types.chat import ChatCompletion

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

DEFAULT_MODEL_NAME = "default"
CONNECT_TIMEOUT = 5.0
YES_NO_MAX_TOKENS = 64
_TRANSIENT_STATUS = frozenset({408, 409, 429})


class YesNoVerdict(BaseModel):
    """Answer the question with true (yes) or false (no)."""

    supported: bool


class _Transient(Transient):
    """A failure worth another attempt; ``reason`` is short and secret-free."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class LLM:
    """One client for the whole run; the only place that talks to the endpoint.

    Implements the model seam (``summarizer.llm.seam.Model``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        cache_identity: str | None = None,
        connect: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        """``cache_identity`` names the backend in cache keys (default: its URL).

        ``connect``: called once, before the first request that the cache cannot
        answer, and returns the endpoint's real base URL (the embedded server is
        started there, so a fully cached run starts no model).
        """
        url = base_url or settings.base_url
        if not url:
            raise ConfigError(
                "no LLM endpoint: set OPENAI_BASE_URL, or use summarizer.llm.open_llm() "
                "to start the local model"
            )
        self.settings = settings
        self.base_url = url.rstrip("/")
        self._cache_identity = cache_identity or self.base_url
        self.model_name = settings.model or DEFAULT_MODEL_NAME
        self._connect = connect
        self._connecting = asyncio.Lock()
        self.stats = RunStats()  # this client's running total, kept by its own observer
        self._policy = RetryPolicy(settings.llm_retries, max_wait=settings.retry_max_wait)
        retry_timeouts = settings.retry_timeouts
        self._local_endpoint = (
            not retry_timeouts if retry_timeouts is not None else is_loopback(self.base_url)
        )
        self._secret = settings.api_key_value()
        self._owns_http = http_client is None
        timeout = httpx.Timeout(
            settings.llm_timeout, connect=min(CONNECT_TIMEOUT, settings.llm_timeout)
        )
        if http_client is None:  # ours: every response body is capped (an endless one is refused)
            http_client = httpx.AsyncClient(
                transport=CappedTransport(httpx.AsyncHTTPTransport(), settings.max_response_bytes),
                timeout=timeout,
            )
        self._http = http_client
        self._timeout = timeout
        self._sdk: tuple[openai.AsyncOpenAI, instructor.AsyncInstructor] | None = None
        self._cache = DiskCache(settings.cache_dir, "llm", enabled=settings.cache)
        self._semaphore = asyncio.Semaphore(max(1, settings.llm_concurrency))

    def _clients(self) -> tuple[openai.AsyncOpenAI, instructor.AsyncInstructor]:
        """The SDK clients, built (and their packages imported) on first use."""
        if self._sdk is None:
            import instructor
            import openai

            # openai 3.x is typed against httpx2 but accepts httpx 0.28 clients/timeouts.
            client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self._secret,
                timeout=cast(Any, self._timeout),
                max_retries=0,
                http_client=cast(Any, self._http),
            )
            mode = instructor.Mode.TOOLS if self.settings.mode == "tools" else instructor.Mode.JSON
            patched = instructor.patch(create=self._send, mode=mode)
            self._sdk = (
                client,
                instructor.AsyncInstructor(client=client, create=patched, mode=mode),
            )
        return self._sdk

    # -- lifecycle ---------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the HTTP client if we created it (an injected one belongs to the caller)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> LLM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def connect(self) -> str:
        """The endpoint's base URL, starting the embedded server now if it has not started.

        For callers that talk to the endpoint themselves (benches asking for token
        counts or raw logprobs); the calls below connect on the first cache miss.
        """
        await self._ensure_connected()
        return self.base_url

    # -- public calls --------------------------------------------------------------------
    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        prompts: Sequence[Prompt],
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> T:
        """A validated ``response_model`` instance; re-asks on validation errors.

        Validators see ``context`` as ``info.context``. Raises LLMResponseError when
        the output is still invalid after ``settings.reask_retries`` re-asks.
        """
        max_tokens = max_tokens or self.settings.max_tokens
        key = self._key(
            "structured",
            prompts,
            messages,
            response_model.model_json_schema(),
            max_tokens,
            _digest(context),
        )
        cached = self._cache.get(key)
        if cached is not None:
            try:
                hit = response_model.model_validate(cached, context=context)
            except ValidationError:
                logger.warning(
                    "cached %s no longer validates; asking again", response_model.__name__
                )
            else:
                self._observe(usage.Call(cached=True))
                return hit

        from instructor.core.exceptions import (
            IncompleteOutputException,
            InstructorError,
            InstructorRetryException,
        )

        bound = _bind_context(response_model, context)
        try:
            raw = await self._clients()[1].create(
                response_model=bound,
                messages=cast(Any, messages),
                max_retries=self.settings.reask_retries,
                strict=False,
                model=self.model_name,
                temperature=self.settings.temperature,
                max_tokens=max_tokens,
            )
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, LLMError):
                raise cause from cause.__cause__  # keep the openai error as the cause
            raise LLMResponseError(
                self._scrub(
                    f"model output for {response_model.__name__} still invalid after "
                    f"{exc.n_attempts} attempt(s): {describe(cause or exc)}"
                )
            ) from exc
        except IncompleteOutputException as exc:
            raise LLMResponseError(
                f"model output for {response_model.__name__} was cut off at max_tokens={max_tokens}"
            ) from exc
        except InstructorError as exc:
            raise LLMResponseError(self._scrub(f"instructor failed: {one_line(str(exc))}")) from exc

        # Hand back the caller's own class, not instructor's wrapper subclass.
        result = response_model.model_construct(
            _fields_set=raw.model_fields_set,
            **{name: getattr(raw, name) for name in type(raw).model_fields},
        )
        self._cache.set(key, result.model_dump(mode="json"))
        return result

    async def text(
        self,
        messages: list[dict[str, str]],
        *,
        prompts: Sequence[Prompt],
        max_tokens: int | None = None,
    ) -> str:
        """Free text from the model (no schema); cached like everything else."""
        max_tokens = max_tokens or self.settings.max_tokens
        key = self._key("text", prompts, messages, max_tokens)
        cached = self._cache.get(key)
        if isinstance(cached, str):
            self._observe(usage.Call(cached=True))
            return cached
        response = await self._send(
            model=self.model_name,
            messages=messages,
            temperature=self.settings.temperature,
            max_tokens=max_tokens,
        )
        content = response.choices[0].message.content
        if not content or not content.strip():
            raise LLMResponseError("the model returned an empty answer")
        self._cache.set(key, content)
        return content

    async def yes_probability(
        self, messages: list[dict[str, str]], *, prompts: Sequence[Prompt]
    ) -> float:
        """P(yes) / (P(yes) + P(no)) for the first answer token.

        Read from the top-10 logprobs of a one-token answer; alternatives are
        matched after strip + lower, so "Yes", " yes" and "YES" all count. 0.5 when
        neither appears. Endpoints that return no logprobs get a structured yes/no
        instead, scored 1.0 or 0.0.
        """
        key = self._key("yes_probability", prompts, messages)
        cached = self._cache.get(key)
        if isinstance(cached, (int, float)) and not isinstance(cached, bool):
            self._observe(usage.Call(cached=True))
            return float(cached)
        response = await self._send(
            model=self.model_name,
            messages=messages,
            temperature=0.0,
            max_tokens=1,
            logprobs=True,
            top_logprobs=10,
        )
        probability = yes_share(response)
        if probability is None:
            logger.info("endpoint returned no logprobs; asking for a structured yes/no")
            verdict = await self.structured(
                YesNoVerdict, messages, prompts=prompts, max_tokens=YES_NO_MAX_TOKENS
            )
            probability = 1.0 if verdict.supported else 0.0
        self._cache.set(key, probability)
        return probability

    # -- transport -------------------------------------------------------------------------
    async def _ensure_connected(self) -> None:
        if self._connect is None:
            return
        async with self._connecting:
            if self._connect is None:
                return
            url = (await self._connect()).rstrip("/")
            self.base_url = url
            if self._sdk is not None:
                self._sdk[0].base_url = url  # openai normalises it (and adds the slash)
            self._connect = None

    async def _send(self, **kwargs: Any) -> ChatCompletion:
        """One chat completion with transport retries; what instructor calls per attempt."""
        await self._ensure_connected()
        attempts = 0
        try:
            async for attempt in self._policy.retrying(self._log_retry):
                with attempt:
                    attempts += 1
                    started = time.perf_counter()
                    response = await self._attempt(kwargs)
                    tokens = response.usage
                    self._observe(
                        usage.Call(
                            prompt_tokens=(tokens.prompt_tokens or 0) if tokens else 0,
                            completion_tokens=(tokens.completion_tokens or 0) if tokens else 0,
                            seconds=time.perf_counter() - started,
                        )
                    )
                    return response
        except _Transient as exc:
            raise BackendUnavailableError(
                self._unavailable(f"{exc.reason} (tried {attempts} time(s))")
            ) from exc
        raise AssertionError("unreachable: tenacity neither returned nor raised")

    async def _attempt(self, kwargs: dict[str, Any]) -> ChatCompletion:
        import openai
        from openai.types.chat import ChatCompletion

        client = self._clients()[0]
        try:
            async with self._semaphore, asyncio.timeout(self.settings.llm_timeout):
                response: Any = await client.chat.completions.create(**kwargs)
        except (openai.APITimeoutError, TimeoutError) as exc:
            reason = f"no complete response within {self.settings.llm_timeout:g}s"
            if self._local_endpoint:
                # A local server (llama.cpp) cannot cancel the abandoned request: a retry
                # would only queue behind it. Give up, and say what would help.
                raise BackendUnavailableError(
                    self._unavailable(
                        f"{reason}; the local server may still be working on it "
                        "(raise SUMMARIZER_LLM_TIMEOUT for long inputs)"
                    )
                ) from exc
            raise _Transient(reason) from exc
        except openai.APIConnectionError as exc:
            if too_large(exc):
                raise BackendUnavailableError(
                    self._unavailable(
                        f"response larger than {self.settings.max_response_bytes} bytes"
                    )
                ) from exc
            raise _Transient(f"cannot connect ({root_reason(exc)})") from exc
        except openai.APIStatusError as exc:
            status = exc.status_code
            reason = f"HTTP {status}: {server_message(exc)}"
            if status in _TRANSIENT_STATUS or status >= 500:
                wait = retry_after(exc.response.headers)
                if self._policy.gives_up(wait):
                    raise BackendUnavailableError(
                        self._unavailable(f"{reason} (asked to retry after {wait:.0f}s)")
                    ) from exc
                raise _Transient(reason, wait) from exc
            raise BackendUnavailableError(self._unavailable(f"request rejected, {reason}")) from exc
        except ValueError as exc:  # json.JSONDecodeError: a truncated or garbled body
            raise _Transient("response body is not valid JSON") from exc
        except openai.OpenAIError as exc:
            raise BackendUnavailableError(self._unavailable(one_line(str(exc)))) from exc
        choices = getattr(response, "choices", None)
        if not isinstance(response, ChatCompletion) or not choices or choices[0].message is None:
            raise BackendUnavailableError(
                self._unavailable("the response is not a chat completion (no choices)")
            )
        return response

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "LLM request failed (%s); retry %d/%d in %.1fs",
            self._scrub(str(exc)),  # servers sometimes echo the Authorization header
            state.attempt_number,
            self.settings.llm_retries,
            wait,
        )

    # -- helpers ----------------------------------------------------------------------------
    def _observe(self, call: usage.Call) -> None:
        """Every answer, billed to this client's total and to the meters in scope."""
        usage.add_to(self.stats, call)
        usage.record(call)

    def _key(self, kind: str, prompts: Sequence[Prompt], *parts: Any) -> str:
        return make_key(
            kind,
            self._cache_identity,
            self.model_name,
            self.settings.mode,
            self.settings.temperature,
            sorted(p.sha for p in prompts),
            *parts,
        )

    def _unavailable(self, reason: str) -> str:
        return self._scrub(f"LLM backend at {redact_url(self.base_url)} unavailable: {reason}")

    def _scrub(self, text: str) -> str:
        """One line, never the API key (servers sometimes echo request headers)."""
        return redact_secrets(one_line(text), [self._secret])


# -- module helpers ----------------------------------------------------------------------------
def _bind_context(model: type[T], context: dict[str, Any] | None) -> type[T]:
    """A subclass of ``model`` whose JSON validation always sees ``context``.

    Same name, docstring and JSON schema, so the tool the model sees is unchanged.
    """
    if context is None:
        return model
    bound: Any = None

    def validate_json(cls: Any, json_data: Any, /, **kwargs: Any) -> Any:
        kwargs["context"] = context
        return super(bound, cls).model_validate_json(json_data, **kwargs)

    namespace = {
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "__doc__": model.__doc__,
        "model_validate_json": classmethod(validate_json),
    }
    metaclass: Any = type(model)
    bound = metaclass(model.__name__, (model,), namespace)
    return cast(type[T], bound)


def _digest(context: dict[str, Any] | None) -> str | None:
    if not context:
        return None
    blob = json.dumps(context, sort_keys=True, default=_jsonable, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)
