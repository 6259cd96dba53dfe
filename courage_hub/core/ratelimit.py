"""Sliding-window rate limits shared by all workers: in Redis when configured, otherwise in the database."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from .db import own_read_connection, own_write_transaction, writes_intended
from .models import ThrottleEvent
from .redisguard import RedisGuard, redis_errors


def hashed_key(*parts: str) -> str:
    """A key that does not reveal the e-mail address or IP it was made from."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{parts[0]}:{digest}"


class DatabaseStore:
    """Events as rows; works with every worker that shares the database.

    Every write runs in a transaction of its own (:func:`own_write_transaction`), so counting an attempt never commits
    what the request has pending, and a request that rolls back keeps its counted attempts. One exception: on SQLite
    while the request already holds the write lock (an unsafe request that has read or written), a second connection
    could not write until the request ends; the event is then written in the request's own transaction (still
    atomic: the lock is held) and, should that transaction roll back, written again on its own right afterwards.
    """

    def add(self, key: str, window: int) -> None:
        self._write(lambda run: run(insert(ThrottleEvent).values(key=key, created_at=datetime.now(UTC))), key)

    def hit_if_allowed(self, key: str, limit: int, window: int) -> int:
        """Count an event for ``key`` if fewer than ``limit`` lie in ``window``: 0 if counted, else seconds to wait.

        Count and insert run under one lock per key (SQLite's write lock, PostgreSQL's advisory lock), so of many
        concurrent calls exactly ``limit`` are counted.
        """

        def check_and_add(run) -> int:
            wait = _wait(run, key, limit, window)
            if not wait:
                run(insert(ThrottleEvent).values(key=key, created_at=datetime.now(UTC)))
            return wait

        return self._write(check_and_add, key)

    def retry_after(self, key: str, limit: int, window: int) -> int:
        if _request_holds_sqlite_write_lock():
            return _wait(db.session.execute, key, limit, window)
        with own_read_connection() as connection:  # a read of its own: the request's transaction stays untouched
            return _wait(connection.execute, key, limit, window)

    def first_in_window(self, key: str, window: int) -> bool:
        """Record an event for ``key`` unless one lies within ``window``; True if this one was recorded.

        Check and insert run in one write transaction that only one request per key gets at a time: SQLite's
        ``BEGIN IMMEDIATE`` takes the database's write lock, PostgreSQL an advisory lock on the key's hash.
        """
        return not self.hit_if_allowed(key, 1, window)

    def clear(self, key: str) -> None:
        self._write(lambda run: run(delete(ThrottleEvent).where(ThrottleEvent.key == key)), key)

    def purge(self, older_than_seconds: int) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        with own_write_transaction() as connection:
            return connection.execute(delete(ThrottleEvent).where(ThrottleEvent.created_at < cutoff)).rowcount or 0

    def _write(self, work, key: str):
        if not _request_holds_sqlite_write_lock():
            with own_write_transaction(lock_key=key) as connection:
                return work(connection.execute)
        session = db.session()
        before = len(session.info.setdefault(_REPLAY, []))
        session.info[_REPLAY_ENGINE] = db.engine

        def run(statement):
            # A bookkeeping row: public pages need not be rendered anew for it.
            result = session.execute(statement, execution_options={"keeps_public_pages": True})
            if statement.is_dml:
                session.info[_REPLAY].append(statement)
            return result

        try:
            return work(run)
        except BaseException:
            del session.info[_REPLAY][before:]
            raise


_REPLAY = "courage_hub.throttle_replay"
_REPLAY_ENGINE = "courage_hub.throttle_replay_engine"
_WROTE = "courage_hub.throttle_session_wrote"


def _wait(run, key: str, limit: int, window: int) -> int:
    """Seconds until ``key`` has fewer than ``limit`` events in the last ``window`` seconds; 0 if it has now."""
    now = datetime.now(UTC)
    since = now - timedelta(seconds=window)
    count = run(select(func.count()).where(ThrottleEvent.key == key, ThrottleEvent.created_at > since)).scalar()
    if not count or count < limit:
        return 0
    # The event whose expiry brings the count below the limit again.
    oldest = run(
        select(ThrottleEvent.created_at)
        .where(ThrottleEvent.key == key, ThrottleEvent.created_at > since)
        .order_by(ThrottleEvent.created_at)
        .offset(count - limit)
        .limit(1)
    ).scalar()
    return max(1, math.ceil((oldest + timedelta(seconds=window) - now).total_seconds()))


def _request_holds_sqlite_write_lock() -> bool:
    session = db.session()
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return False
    return writes_intended() or session.info.get(_WROTE, False)


@event.listens_for(Session, "after_flush")
def _session_wrote(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _throttle_rows_committed(session: Session) -> None:
    session.info.pop(_REPLAY, None)


@event.listens_for(Session, "after_transaction_end")
def _replay_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_WROTE, None)
    statements = session.info.pop(_REPLAY, None)
    engine = session.info.pop(_REPLAY_ENGINE, None)
    if statements:  # the request's transaction rolled back: its counted attempts still count
        with own_write_transaction(engine=engine) as connection:
            for statement in statements:
                connection.execute(statement)


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

    # Trim, count and add in one script: Redis runs it atomically, so concurrent calls never overshoot the limit.
    _HIT_IF_ALLOWED = """
        local name, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', name, '-inf', now - window)
        local count = redis.call('ZCARD', name)
        if count >= limit then
            return redis.call('ZRANGE', name, count - limit, count - limit, 'WITHSCORES')[2]
        end
        redis.call('ZADD', name, now, ARGV[4])
        redis.call('EXPIRE', name, window + 1)
        return false
    """

    def hit_if_allowed(self, key: str, limit: int, window: int) -> int:
        now = time.time()
        script = self.redis.register_script(self._HIT_IF_ALLOWED)
        oldest = script(keys=[self.prefix + key], args=[now, window, limit, uuid.uuid4().hex])
        if oldest is None:
            return 0
        return max(1, math.ceil(float(oldest) + window - now))

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

    def hit_if_allowed(self, key: str, limit: int, window: int) -> int:
        """Count one event for ``key`` if fewer than ``limit`` lie in ``window``; 0 if counted, else seconds to wait.

        Check and count are one atomic step: of concurrent calls exactly ``limit`` are counted.
        """
        return self._call("hit_if_allowed", key, limit, window)

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
