"""Page numbers from the query string (``?seite=``) and the number of pages."""

from __future__ import annotations

from flask import request

MAX_PAGE = 10_000


def requested_page() -> int:
    """The page asked for, clamped to 1 … MAX_PAGE (nonsense gives page 1)."""
    return max(1, min(request.args.get("seite", 1, type=int) or 1, MAX_PAGE))


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
