"""Page numbers from the query string (``?seite=``) and the number of pages."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, request
from sqlalchemy import Select

from ..extensions import db

MAX_PAGE = 10_000
T = TypeVar("T")


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


def remembered(
    store: str, key: Hashable, compute: Callable[[], T], keep: Callable[[T], bool] = lambda value: True
) -> T:
    """``compute()``, reused for COUNT_CACHE_SECONDS per worker when ``keep(value)`` says it is worth keeping.

    ``store`` names the cache (``courage_hub.<store>`` in the app's extensions, so two apps in one process – tests –
    never share answers); ``key`` names the question (e.g. the page and its filters).
    """
    cache: dict = current_app.extensions.setdefault(f"courage_hub.{store}", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if keep(value):
        if len(cache) >= _COUNT_CACHE_SIZE:
            cache.clear()
        cache[key] = (now + COUNT_CACHE_SECONDS, value)
    return value


def cached_count(key: Hashable, statement: Select) -> int:
    """The result of a ``SELECT count(…)``; totals of at least CACHE_COUNTS_FROM are reused for a minute."""
    return remembered(
        "count_cache", key, lambda: db.session.scalar(statement) or 0, keep=lambda total: total >= CACHE_COUNTS_FROM
    )


def cached_ids(key: Hashable, statement: Select, total: int) -> list[int]:
    """The ids of one page of a large result (``total`` ≥ CACHE_COUNTS_FROM), reused for a minute like its total.

    Ranking thousands of full-text matches costs tens of milliseconds; the page's rows are then loaded by id, which
    is cheap and always current (a hidden material disappears at once, its gap closes within the minute).
    """
    if total < CACHE_COUNTS_FROM:
        return list(db.session.scalars(statement))
    return remembered("id_cache", key, lambda: list(db.session.scalars(statement)))


def cached_rows(key: Hashable, statement: Select) -> list[tuple]:
    """The rows of a small list that many pages show and that changes rarely (e.g. filter choices), for a minute."""
    return remembered("row_cache", key, lambda: [tuple(row) for row in db.session.execute(statement)])


def in_order_of(ids: list[int], rows) -> list:
    """``rows`` (objects with an ``id``) in the order of ``ids``, leaving out ids whose row is missing."""
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]
