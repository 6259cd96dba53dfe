"""Sliding-window rate limits shared by all workers: in Redis when configured, otherwise in the database."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from .models import ThrottleEvent
from .redisguard import RedisGuard, redis_errors


def hashed_key(*parts: str) -> str:
    """A key that does not reveal the e-mail address or IP it was made from."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{parts[0]}:{digest}"


class DatabaseStore:
    """Events as rows; works with every worker that shares the database."""

    def add(self, key: str, window: int) -> None:
        db.session.add(ThrottleEvent(key=key))
        db.session.commit()

    def retry_after(self, key: str, limit: int, window: int) -> int:
        now = datetime.now(UTC)
        since = now - timedelta(seconds=window)
        count = db.session.scalar(
            select(func.count()).where(ThrottleEvent.key == key, ThrottleEvent.created_at > since)
        )
        if not count or count < limit:
            return 0
        # The event whose expiry brings the count below the limit again.
        oldest = db.session.scalar(
            select(ThrottleEvent.created_at)
            .where(ThrottleEvent.key == key, ThrottleEvent.created_at > since)
            .order_by(ThrottleEvent.created_at)
            .offset(count - limit)
            .limit(1)
        )
        return max(1, math.ceil((oldest + timedelta(seconds=window) - now).total_seconds()))

    def clear(self, key: str) -> None:
        db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.key == key))
        db.session.commit()

    def purge(self, older_than_seconds: int) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        result = db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.created_at < cutoff))
        db.session.commit()
        return result.rowcount or 0


class RedisStore:
    """Events as members of a sorted set per key, scored by time."""

    prefix = "courage_hub:rl:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def add(self, key: str, window: int) -> None:
        now = time.time()
        name = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.zadd(name, {uuid.uuid4().hex: now})
        pipe.zremrangebyscore(name, "-inf", now - window)
        pipe.expire(name, window + 1)
        pipe.execute()

    def retry_after(self, key: str, limit: int, window: int) -> int:
        now = time.time()
        name = self.prefix + key
        self.redis.zremrangebyscore(name, "-inf", now - window)
        count = self.redis.zcard(name)
        if count < limit:
            return 0
        (_member, score), *_ = self.redis.zrange(name, count - limit, count - limit, withscores=True)
        return max(1, math.ceil(score + window - now))

    def clear(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def purge(self, older_than_seconds: int) -> int:
        return 0  # keys expire by themselves


class RateLimiter:
    """Counts events in Redis when configured; while Redis is unreachable, in the database instead."""

    def __init__(self, store: DatabaseStore | RedisStore) -> None:
        self.store = store
        self.fallback = DatabaseStore()
        self.guard = RedisGuard("throttling") if isinstance(store, RedisStore) else None

    def _call(self, method: str, *args):
        if self.guard is None:
            return getattr(self.store, method)(*args)
        if self.guard.available():
            try:
                result = getattr(self.store, method)(*args)
            except redis_errors() as error:
                self.guard.failed(error)
            else:
                self.guard.succeeded()
                return result
        return getattr(self.fallback, method)(*args)

    def hit(self, key: str, window: int) -> None:
        """Count one event for ``key``."""
        self._call("add", key, window)

    def retry_after(self, key: str, limit: int, window: int) -> int:
        """Seconds until ``key`` is below ``limit`` events in ``window`` again; 0 when it is allowed now."""
        return self._call("retry_after", key, limit, window)

    def clear(self, key: str) -> None:
        self._call("clear", key)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    store = RedisStore(url) if url else DatabaseStore()
    app.extensions["courage_hub.ratelimit"] = RateLimiter(store)


def limiter() -> RateLimiter:
    return current_app.extensions["courage_hub.ratelimit"]


class RateLimited(Exception):
    """Raised by a service when a limit is reached; rendered as the German 429 page."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
