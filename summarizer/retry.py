"""One retry policy for everything that talks over the network: fetching and the model.

Only failures marked :class:`Transient` are retried (connect errors, timeouts,
408/409/429, 5xx, garbled bodies); everything else fails at once. Waits back off
exponentially from ``first_wait``, capped at ``max_wait``, unless the server
says how long to wait (``Retry-After``, ``retry-after-ms``); a server asking for
more than ``max_retry_after`` seconds means "not today", so the caller gives up
at once instead of sleeping (see :meth:`RetryPolicy.gives_up`).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

logger = logging.getLogger(__name__)

FIRST_WAIT = 0.5
MAX_RETRY_AFTER = 30.0


class Transient(Exception):
    """Marks a failure worth another attempt; ``retry_after`` is the server's wait, if any."""

    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    retries: int
    max_wait: float = 8.0
    first_wait: float = FIRST_WAIT
    max_retry_after: float = MAX_RETRY_AFTER

    @property
    def attempts(self) -> int:
        return max(0, self.retries) + 1

    def gives_up(self, retry_after: float | None) -> bool:
        """True when the server asks for a longer wait than we are willing to sleep."""
        return retry_after is not None and retry_after > self.max_retry_after

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.max_retry_after)
        backoff = self.first_wait * 2.0 ** (state.attempt_number - 1)
        return float(min(backoff, max(self.max_wait, 0.0)))

    def retrying(self, before_sleep: Callable[[RetryCallState], None]) -> AsyncRetrying:
        """A tenacity loop that retries ``Transient`` only and re-raises the last one."""
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_exception_type(Transient),
            before_sleep=before_sleep,
            reraise=True,
        )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait per ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
