"""A circuit breaker for Redis: when it is unreachable, callers fall back for a while instead of failing.

Redis holds shared state that the site can live without for minutes (throttling falls back to the database, the page
cache is bypassed). While it is down, every call would otherwise wait for a connection timeout and log an error; the
guard remembers the failure, lets callers skip Redis for ``retry_seconds`` and then tries again, so the site uses
Redis again by itself once it is back. It logs one warning per ``warn_every`` seconds, not one per request
(:class:`RareWarnings`).
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


class RareWarnings:
    """Log a recurring warning at most once per ``every`` seconds for each kind, not once per request.

    A fault that every request meets (Redis down, a broken cache entry) would otherwise flood the log and hide
    everything else; one line a minute still tells the operator that it goes on.
    """

    def __init__(self, logger: logging.Logger, every: float = 60.0) -> None:
        self.logger = logger
        self.every = every
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def due(self, kind: str) -> bool:
        """True (and the clock for ``kind`` restarts) if no warning of ``kind`` was logged in the last interval."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(kind, float("-inf")) < self.every:
                return False
            self._last[kind] = now
        return True

    def warning(self, kind: str, message: str, *args: object, exc_info: BaseException | None = None) -> None:
        if self.due(kind):
            self.logger.warning(message, *args, exc_info=exc_info)


class RedisGuard:
    def __init__(self, name: str, retry_seconds: float = 10.0, warn_every: float = 60.0) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._warnings = RareWarnings(log, warn_every)

    def available(self) -> bool:
        """Whether Redis should be tried now (it worked last time, or the retry pause is over)."""
        return time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        """Record a failed call: skip Redis for a while, and warn at most once per ``warn_every`` seconds."""
        self._down_until = time.monotonic() + self.retry_seconds
        self._warnings.warning(
            "unreachable", "Redis unreachable (%s: %s), %s falls back", type(error).__name__, error, self.name
        )

    def succeeded(self) -> None:
        self._down_until = 0.0


def redis_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "Redis is not there" (connection refused, timeouts, a server shutting down)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
