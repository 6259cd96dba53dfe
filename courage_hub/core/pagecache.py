"""A short-lived cache of public pages as anonymous visitors see them.

Pupils and the public read the same pages again and again (the library, the feed, the directory); rendering one
costs 10–15 ms of CPU, which on two cores limits how many visitors the site serves at once. A page that an
anonymous visitor (no session cookie: nobody signed in, no pending message) gets with status 200 is therefore kept
for ``PAGE_CACHE_SECONDS`` (default 30), keyed by language, path and query string. A request naming a host outside
TRUSTED_HOSTS is refused before this cache is asked, and pages build absolute links from PUBLIC_URL only, so a forged
Host header can neither read nor fill it.

Every committed change to the data starts a new *generation*, and cached pages of older generations are not used:
with Redis (production) the generation is shared, so a material the KI hides disappears from every worker's pages at
once; without Redis each worker knows only its own changes and older pages of other workers age out within the
30 seconds. Signed-in people always get fresh pages. Downloads and files are never cached here: they go through
their permission checks every time.

The cache never fails a request: whatever goes wrong in it (Redis down, a broken entry, a bug here) the page is served
fresh. Nothing is swallowed silently either: each kind of fault is logged with its traceback once a minute (a Redis
outage by its RedisGuard), not once per request.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Flask, Response, current_app, has_app_context, request
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from .redisguard import RareWarnings, RedisGuard, redis_errors

log = logging.getLogger(__name__)
_warnings = RareWarnings(log)

# Public pages whose HTML is the same for every anonymous visitor.
CACHEABLE_ENDPOINTS = frozenset(
    {
        "core.index",
        "schools.directory",
        "schools.profile",
        "activities.feed",
        "activities.detail",
        "activities.atom",
        "materials.index",
        "materials.detail",
        "materials.jsonld",
        "materials.amb_feed",
        "regions.index",
        "regions.detail",
        "events.index",
        "events.archive",
        "events.detail",
        "events.event_ics",
        "events.feed",
        "offers.index",
        "offers.detail",
        "offers.partners",
        "offers.partner",
    }
)
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Access-Control-Allow-Origin", "Link", "ETag", "Last-Modified")
MEMORY_ENTRIES = 2000


class MemoryStore:
    """Per-worker pages and generation (development, or production without Redis)."""

    def __init__(self) -> None:
        self.generation = 0
        self.pages: dict[str, tuple[float, bytes]] = {}

    def current_generation(self) -> int:
        return self.generation

    def bump(self) -> None:
        self.generation += 1
        self.pages.clear()

    def get(self, key: str) -> bytes | None:
        hit = self.pages.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def set(self, key: str, value: bytes, seconds: int) -> None:
        if len(self.pages) >= MEMORY_ENTRIES:
            self.pages.clear()
        self.pages[key] = (time.monotonic() + seconds, value)


class RedisStore:
    """Pages and the generation in Redis, shared by all workers.

    While Redis is unreachable the cache is bypassed (every method raises, and the callers serve pages fresh); the
    first successful call afterwards starts a new generation, since changes made meanwhile could not bump it.
    """

    prefix = "courage_hub:page:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.guard = RedisGuard("the page cache")
        self._missed_changes = False

    def _run(self, call):
        if not self.guard.available():
            raise CacheUnavailable
        try:
            result = call()
        except redis_errors() as error:
            self.guard.failed(error)
            self._missed_changes = True
            raise CacheUnavailable from error
        if self._missed_changes:
            self._missed_changes = False
            self.redis.incr(self.prefix + "generation")
        return result

    def current_generation(self) -> int:
        return int(self._run(lambda: self.redis.get(self.prefix + "generation")) or 0)

    def bump(self) -> None:
        self._run(lambda: self.redis.incr(self.prefix + "generation"))

    def get(self, key: str) -> bytes | None:
        return self._run(lambda: self.redis.get(self.prefix + key))

    def set(self, key: str, value: bytes, seconds: int) -> None:
        self._run(lambda: self.redis.set(self.prefix + key, value, ex=seconds))


class CacheUnavailable(Exception):
    """Redis is down: serve the page without the cache."""


def allow(app: Flask, endpoints: set[str]) -> None:
    """Keep the answers of ``endpoints`` too (the open data API registers its GET endpoints here)."""
    app.extensions.setdefault("courage_hub.pagecache_endpoints", set()).update(endpoints)


def _cacheable(endpoint: str | None) -> bool:
    return endpoint in CACHEABLE_ENDPOINTS or endpoint in current_app.extensions.get(
        "courage_hub.pagecache_endpoints", ()
    )


def _store() -> MemoryStore | RedisStore | None:
    return current_app.extensions.get("courage_hub.pagecache")


def _cache_key(store: MemoryStore | RedisStore) -> str | None:
    if request.method not in ("GET", "HEAD") or not _cacheable(request.endpoint):
        return None
    if request.routing_exception is not None:
        return None  # e.g. a Host that is not trusted: refused before this hook, and never kept
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        return None  # signed in, or a message waits to be shown: always fresh
    # Everything a public page varies by: the language and the path with its query string. Not the Host: only trusted
    # hosts get this far, and every absolute link in a page is built from PUBLIC_URL (core/links.py).
    query = request.query_string.decode("latin-1")
    return f"{store.current_generation()}:{get_locale()}:{request.path}?{query}"


def _pack(headers: list[tuple[str, str]], body: bytes) -> bytes:
    return json.dumps(headers).encode() + b"\n" + body


def _unpack(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    head, _newline, body = data.partition(b"\n")
    return [tuple(pair) for pair in json.loads(head)], body


def init_app(app: Flask) -> None:
    seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if seconds <= 0:
        return
    url = app.config.get("REDIS_URL")
    store: MemoryStore | RedisStore = RedisStore(url) if url else MemoryStore()
    app.extensions["courage_hub.pagecache"] = store
    _listen_for_changes()

    @app.before_request
    def _serve_cached() -> Response | None:
        try:
            key = _cache_key(store)
            cached = store.get(key) if key else None
            if cached is None:
                return None
            headers, body = _unpack(cached)
        except Exception as error:  # a cache that is down must never take the site with it
            _report("read", error)
            return None
        response = Response(body, status=200, headers=headers)
        response.headers["X-Page-Cache"] = "hit"
        return response

    @app.after_request
    def _keep(response: Response) -> Response:
        if response.status_code != 200 or response.headers.get("X-Page-Cache") or response.direct_passthrough:
            return response
        if "Set-Cookie" in response.headers:
            return response
        try:
            key = _cache_key(store)
            if key:
                headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
                store.set(key, _pack(headers, response.get_data()), seconds)
        except Exception as error:
            _report("store", error)
        return response


def _report(stage: str, error: Exception) -> None:
    """Log a fault of the cache once a minute per stage and kind; a Redis outage is already logged by its guard."""
    if isinstance(error, CacheUnavailable):
        return
    _warnings.warning(
        f"{stage}:{type(error).__name__}",
        "page cache failed to %s (%s: %s); the page is served fresh",
        stage,
        type(error).__name__,
        error,
        exc_info=error,
    )


_listening = False


def _listen_for_changes() -> None:
    """Once per process: a commit that changed data starts a new generation in the current app's store."""
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Session, "after_flush")
    def _changed(session: Session, flush_context: Any) -> None:
        session.info["courage_hub.changed"] = True

    @event.listens_for(Session, "do_orm_execute")
    def _bulk_change(state) -> None:
        writes = state.is_insert or state.is_update or state.is_delete
        if writes and not state.execution_options.get("keeps_public_pages"):
            state.session.info["courage_hub.changed"] = True

    @event.listens_for(Session, "after_commit")
    def _new_generation(session: Session) -> None:
        if not session.info.pop("courage_hub.changed", False) or not has_app_context():
            return
        store = _store()
        if store is not None:
            try:
                store.bump()
            except Exception as error:  # the pages then age out by themselves
                _report("invalidate", error)
