"""Sliding-window rate limits shared by all workers: in Redis when configured, otherwise in the database."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, insert, select, text

from ..extensions import db
from .db import write_transaction
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

    def first_in_window(self, key: str, window: int) -> bool:
        """Record an event for ``key`` unless one lies within ``window``; True if this one was recorded.

        Check and insert run in one write transaction that only one request per key gets at a time: SQLite's
        ``BEGIN IMMEDIATE`` takes the database's write lock, PostgreSQL an advisory lock on the key's hash.
        """
        since = datetime.now(UTC) - timedelta(seconds=window)
        with write_transaction():
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
            seen = db.session.scalar(
                select(ThrottleEvent.id).where(ThrottleEvent.key == key, ThrottleEvent.created_at > since).limit(1)
            )
            if seen is not None:
                return False
            # A bookkeeping row: public pages need not be rendered anew for it.
            db.session.execute(
                insert(ThrottleEvent).values(key=key, created_at=datetime.now(UTC)),
                execution_options={"keeps_public_pages": True},
            )
        return True

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

    def first_in_window(self, key: str, window: int) -> bool:
        # SET NX is atomic: of several workers asking at once, exactly one gets True.
        return bool(self.redis.set(self.prefix + "once:" + key, 1, nx=True, ex=window))

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

    def first_in_window(self, key: str, window: int) -> bool:
        """Count an event for ``key`` only if none was counted in the last ``window`` seconds; True if counted.

        Race-free across workers: of concurrent calls for one key exactly one returns True.
        """
        return self.store.first_in_window(key, window)

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
