"""Database helpers: SQLite settings, write transactions and small column helpers.

On SQLite every connection gets foreign keys, WAL and a busy timeout. Transactions that will write start with
``BEGIN IMMEDIATE``: the writer takes the lock up front and waits for it (busy timeout) instead of failing
half-way with "database is locked" or working on a stale snapshot. Requests with an unsafe method (POST, …)
and blocks inside :func:`write_transaction` count as writing; everything else reads with a plain ``BEGIN``.
PostgreSQL needs none of this and runs the same code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, current_app, request
from sqlalchemy import Connection, DateTime, event, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from ..extensions import db

_write_intent: ContextVar[bool] = ContextVar("courage_hub_write_intent", default=False)
# Callbacks of the innermost open write_transaction block, run once it has committed (None outside a block).
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("courage_hub_after_commit", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default for every timestamp column)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given for a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    timeout = 15000
    with suppress(RuntimeError):  # outside an app context: keep the default
        timeout = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout))
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={timeout:d}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run a block as one write transaction that commits at the end and rolls back on any error.

    A read transaction still open in the session is ended first, so the write re-reads its data under the lock.
    Callbacks registered with :func:`after_commit` inside the block run once it has committed.
    """
    session = db.session
    if session().in_transaction() and not _write_intent.get():
        session.commit()
    token = _write_intent.set(True)
    callbacks: list[Callable[[], None]] = []
    callbacks_token = _after_commit.set(callbacks)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _after_commit.reset(callbacks_token)
        _write_intent.reset(token)
    for callback in callbacks:
        callback()


def in_write_transaction() -> bool:
    """Whether the caller runs inside a :func:`write_transaction` block (its writes commit with that block)."""
    return _after_commit.get() is not None


def writes_intended() -> bool:
    """Whether transactions opened now start as writers (an unsafe request, or inside a write block)."""
    return _write_intent.get()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the enclosing write_transaction block has committed (never if it rolls back)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("after_commit() needs an enclosing write_transaction()")
    if callback not in callbacks:
        callbacks.append(callback)


def init_app(app: Flask) -> None:
    """Mark requests with unsafe methods as writers for the whole request."""

    @app.before_request
    def _mark_write_intent() -> None:
        request.environ["courage_hub.write_token"] = _write_intent.set(request.method not in SAFE_METHODS)

    @app.teardown_request
    def _reset_write_intent(exc: BaseException | None) -> None:
        token = request.environ.pop("courage_hub.write_token", None)
        if token is not None:
            try:
                _write_intent.reset(token)
            except ValueError:
                _write_intent.set(False)


MAX_VERSION = 2**31 - 1


def parse_version(value: object) -> int:
    """The version number a form sent back (hidden field); -1, which no row has, for anything else."""
    try:
        number = int(str(value if value is not None else "").strip() or 0)
    except ValueError:
        return -1
    return number if 0 <= number <= MAX_VERSION else -1


class EditConflict(Exception):
    """Someone else saved the object since the form was opened: the edit is refused and nothing is overwritten."""


def claim_version(model: type, object_id: int, expected: int, column: str = "version", **values: object) -> None:
    """Optimistic locking: raise the row's version if it is still ``expected``, else raise :class:`EditConflict`.

    ``values`` are written in the same conditional UPDATE (e.g. fields that need no ORM logic). One statement, so two
    concurrent saves can never both succeed. The caller refreshes its object afterwards if it goes on using it.
    """
    if not 0 <= expected <= MAX_VERSION:
        raise EditConflict  # a forged number (too large for the column): treat it as a conflict
    version = getattr(model, column)
    result = db.session.execute(
        update(model)
        .where(model.id == object_id, version == expected)
        .values({**values, column: version + 1})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EditConflict


@contextmanager
def own_write_transaction(lock_key: str | None = None, engine: Engine | None = None) -> Iterator[Connection]:
    """A write transaction on a connection of its own, apart from the request's session; commits at the end.

    It never commits (nor rolls back) what the request has pending. SQLite starts it with ``BEGIN IMMEDIATE``;
    on PostgreSQL ``lock_key`` takes a transaction-level advisory lock on the key's hash, so that a check-then-write
    for one key runs one at a time. Do not open it on SQLite while the request itself holds the write lock (it would
    wait for itself until the busy timeout).
    """
    token = _write_intent.set(True)
    try:
        with (engine or db.engine).begin() as connection:
            if lock_key is not None and connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": lock_key})
            yield connection
    finally:
        _write_intent.reset(token)


@contextmanager
def own_read_connection() -> Iterator[Connection]:
    """A connection of its own for reading, apart from the request's session (SQLite: a plain ``BEGIN``)."""
    token = _write_intent.set(False)
    try:
        with db.engine.connect() as connection:
            yield connection
    finally:
        _write_intent.reset(token)


def claim_once(model: type, object_id: int, column: str = "used_at") -> bool:
    """Mark a single-use row (a link, an invitation) as used now; False if another request already used it.

    One conditional UPDATE, so of two requests that bring the same link at once only one gets True: the other
    waits for the first one's row lock (PostgreSQL) and then finds the row used.
    """
    stamp = getattr(model, column)
    result = db.session.execute(
        update(model)
        .where(model.id == object_id, stamp.is_(None))
        .values({column: utcnow()})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
