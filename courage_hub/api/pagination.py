"""Cursor pagination: a page ends with the position of its last item, and the next page starts after it.

The position is the item's sort key and its id (``(start_date, id)``), so a page never shifts when items are added
or removed before it, and the database reads one page through the sort index (keyset pagination, no OFFSET). The
cursor is that position as base64url JSON: opaque to clients, checked when it comes back (types and bounds), and
without meaning beyond the collection it came from.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from ..core.requests import EARLIEST_DATE, LATEST_DATE, MAX_ID
from ..extensions import db

MAX_TEXT = 300  # longer than any sort column (names are at most 200 characters)


class InvalidCursor(ValueError):
    """The cursor was not made by this collection (or was changed)."""


@dataclass(frozen=True)
class Order:
    """A collection's order: its key columns (the last one the id), all ascending or all descending."""

    columns: tuple[InstrumentedAttribute, ...]
    descending: bool = False

    def by(self, sort: tuple[ColumnElement, ...] | None = None) -> tuple[ColumnElement, ...]:
        return tuple(column.desc() if self.descending else column.asc() for column in sort or self.columns)

    def after(self, position: tuple, sort: tuple[ColumnElement, ...] | None = None) -> ColumnElement[bool]:
        """Rows that come after ``position`` in this order (a row-value comparison, which the index can serve)."""
        key = tuple_(*(sort or self.columns))  # a plain tuple on the right takes their types (UTC times on SQLite)
        return key < position if self.descending else key > position

    def position(self, row: Any) -> tuple:
        return tuple(getattr(row, column.key) for column in self.columns)

    def encode(self, row: Any) -> str:
        values = [value.isoformat() if isinstance(value, date) else value for value in self.position(row)]
        raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple:
        """The position in ``cursor``; raises InvalidCursor for anything this order did not write."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(raw)
        except (binascii.Error, ValueError) as error:
            raise InvalidCursor from error
        if not isinstance(values, list) or len(values) != len(self.columns):
            raise InvalidCursor
        return tuple(_typed(value, column) for value, column in zip(values, self.columns, strict=True))


def _typed(value: Any, column: InstrumentedAttribute) -> Any:
    """``value`` as the column's Python type, within what the database can hold."""
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator (UTCDateTime): its impl's
    if kind is int and type(value) is int and -MAX_ID <= value <= MAX_ID:
        return value
    if kind is str and isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if kind is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as error:
            raise InvalidCursor from error
        if moment.tzinfo is not None and EARLIEST_DATE.year <= moment.year <= LATEST_DATE.year:
            return moment
    if kind is date and isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError as error:
            raise InvalidCursor from error
        if EARLIEST_DATE <= day <= LATEST_DATE:
            return day
    raise InvalidCursor


@dataclass(frozen=True)
class Listing:
    """The public rows a collection reads (a ``select()`` of one entity, without order or limit), and the columns its
    order runs on in SQL when they are not the order's own: equal values read from another table, such as a text
    index's row ids, which it can return in their order (see the materials' search)."""

    statement: Select
    sort: tuple[ColumnElement, ...] | None = None


def read_page(listing: Listing, order: Order, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``listing`` in ``order`` after ``cursor``, and the next cursor.

    One query whatever the page size: one row more than the page tells whether another page follows.
    """
    statement = listing.statement
    if cursor:
        statement = statement.where(order.after(order.decode(cursor), listing.sort))
    rows = list(db.session.scalars(statement.order_by(*order.by(listing.sort)).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, order.encode(rows[-1])
