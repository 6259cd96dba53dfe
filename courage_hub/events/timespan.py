"""An event's time in words, in Berlin time: "Mi., 3. Juni 2026, 14:00–17:00" or whole days for all-day events."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_date, format_time

from ..core.schoolyear import BERLIN
from .models import Event


def event_when(event: Event) -> str:
    """When the event takes place (dates and times in Europe/Berlin)."""
    start, end = event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)
    if event.all_day:
        last = (end - timedelta(days=1)).date()
        if last <= start.date():
            return format_date(start.date(), "full")
        return f"{format_date(start.date(), 'full')} – {format_date(last, 'full')}"
    start_time, end_time = format_time(start, "short", rebase=False), format_time(end, "short", rebase=False)
    if start.date() == end.date():
        return f"{format_date(start.date(), 'full')}, {start_time}–{end_time}"
    return f"{format_date(start.date(), 'full')}, {start_time} – {format_date(end.date(), 'full')}, {end_time}"
