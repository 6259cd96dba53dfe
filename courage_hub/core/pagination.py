"""Page numbers from the query string (``?seite=``) and the number of pages."""

from __future__ import annotations

import time
from collections.abc import Hashable

from flask import current_app, request
from sqlalchemy import Select

from ..extensions import db

MAX_PAGE = 10_000


def requested_page() -> int:
    """The page asked for, clamped to 1 … MAX_PAGE (nonsense gives page 1)."""
    return max(1, min(request.args.get("seite", 1, type=int) or 1, MAX_PAGE))


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# Counting every matching row costs as much as reading them: tens of milliseconds for a feed of 200,000 reports.
# Large totals are therefore kept for a minute (per worker); small ones are cheap and always exact.
CACHE_COUNTS_FROM = 1000
COUNT_CACHE_SECONDS = 60
_COUNT_CACHE_SIZE = 500


def cached_count(key: Hashable, statement: Select) -> int:
    """The result of a ``SELECT count(…)``; totals of at least CACHE_COUNTS_FROM are reused for a minute.

    ``key`` names the question (e.g. the page and its filters); the cache belongs to the app, so two apps in one
    process (tests) never share answers.
    """
    cache: dict = current_app.extensions.setdefault("courage_hub.count_cache", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    total = db.session.scalar(statement) or 0
    if total >= CACHE_COUNTS_FROM:
        if len(cache) >= _COUNT_CACHE_SIZE:
            cache.clear()
        cache[key] = (now + COUNT_CACHE_SECONDS, total)
    return total


def cached_ids(key: Hashable, statement: Select, total: int) -> list[int]:
    """The ids of one page of a large result (``total`` ≥ CACHE_COUNTS_FROM), reused for a minute like its total.

    Ranking thousands of full-text matches costs tens of milliseconds; the page's rows are then loaded by id, which
    is cheap and always current (a hidden material disappears at once, its gap closes within the minute).
    """
    if total < CACHE_COUNTS_FROM:
        return list(db.session.scalars(statement))
    cache: dict = current_app.extensions.setdefault("courage_hub.id_cache", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    ids = list(db.session.scalars(statement))
    if len(cache) >= _COUNT_CACHE_SIZE:
        cache.clear()
    cache[key] = (now + COUNT_CACHE_SECONDS, ids)
    return ids


def cached_rows(key: Hashable, statement: Select) -> list[tuple]:
    """The rows of a small list that many pages show and that changes rarely (e.g. filter choices), for a minute."""
    cache: dict = current_app.extensions.setdefault("courage_hub.row_cache", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = [tuple(row) for row in db.session.execute(statement)]
    if len(cache) >= _COUNT_CACHE_SIZE:
        cache.clear()
    cache[key] = (now + COUNT_CACHE_SECONDS, rows)
    return rows
