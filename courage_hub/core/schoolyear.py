"""The NRW school year: 1 August to 31 July, written "2025/26".

The one place that knows when a school year begins, for Python (``school_year_of``) and for SQL
(``school_year_expr``); both read ``FIRST_MONTH``. A school year is named by the calendar year it begins in.
Days are days in Europe/Berlin: an instant is first turned into Berlin's date (``local_today``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func

BERLIN = ZoneInfo("Europe/Berlin")
# August: the month in which a school year begins (on its first day).
FIRST_MONTH = 8


def calendar_year(start_year: int, month: int) -> int:
    """The calendar year in which ``month`` of the school year ``start_year`` falls (2025, March → 2026)."""
    return start_year if month >= FIRST_MONTH else start_year + 1


def school_year_of(day: date) -> int:
    """The calendar year in which the school year containing ``day`` began (1 Aug 2025 → 2025)."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def school_year_expr(day: ColumnElement) -> ColumnElement[int]:
    """SQL: the school year of a DATE column, by the same rule as ``school_year_of``."""
    year, month = func.extract("year", day), func.extract("month", day)
    return year - case((month < FIRST_MONTH, 1), else_=0)


def local_today(now: datetime | None = None) -> date:
    """Today in Europe/Berlin (the schools' and the KI's calendar), whatever the server's time zone."""
    # Mutation testing: ``datetime.now(None)`` survives and is equivalent, since a naive local time converts to
    # the same instant in ``astimezone``. The line is still mutated for ``now or`` (tests pass explicit instants).
    return (now or datetime.now(UTC)).astimezone(BERLIN).date()


def current_school_year(today: date | None = None) -> int:
    return school_year_of(today or local_today())


def label(start_year: int) -> str:
    """2025 → "2025/26"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def bounds(start_year: int) -> tuple[date, date]:
    """First and last day of the school year that begins in ``start_year``."""
    first = date(start_year, FIRST_MONTH, 1)
    return first, date(start_year + 1, FIRST_MONTH, 1) - timedelta(days=1)


def utc_bounds(start_year: int) -> tuple[datetime, datetime]:
    """The school year as UTC instants: from its first day 00:00 Berlin time (inclusive) to the next one's
    (exclusive), for comparing timestamps such as ``published_at``."""
    first, last = bounds(start_year)
    start = datetime.combine(first, time(), BERLIN).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), BERLIN).astimezone(UTC)
    return start, end


def months(start_year: int) -> list[date]:
    """The first day of each month of the school year, in order (August … July)."""
    result = []
    for offset in range(12):
        month = (FIRST_MONTH - 1 + offset) % 12 + 1
        result.append(date(calendar_year(start_year, month), month, 1))
    return result
