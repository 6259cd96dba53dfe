"""The NRW school year: 1 August to 31 July, written "2025/26"."""

from __future__ import annotations

from datetime import date


def school_year_of(day: date) -> int:
    """The calendar year in which the school year containing ``day`` began (1 Aug 2025 → 2025)."""
    return day.year if day.month >= 8 else day.year - 1


def current_school_year(today: date | None = None) -> int:
    return school_year_of(today or date.today())


def label(start_year: int) -> str:
    """2025 → "2025/26"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def bounds(start_year: int) -> tuple[date, date]:
    """First and last day of the school year that begins in ``start_year``."""
    return date(start_year, 8, 1), date(start_year + 1, 7, 31)
