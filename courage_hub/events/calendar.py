"""iCalendar (RFC 5545) for events, made with the icalendar library: stable UIDs, SEQUENCE, a VTIMEZONE.

One function builds every calendar the app gives out: the public feed and the file of one event (``PUBLISH``),
the attachment of a confirmation or an update (``REQUEST``), and of a cancellation (``CANCEL``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from ..core.links import external_url
from ..core.schoolyear import BERLIN
from .models import Event, EventState

PRODID = "-//Courage Hub//Veranstaltungen//DE"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def vevent(event: Event, *, with_online_link: bool = False, cancelled: bool = False) -> VEvent:
    """One event as a VEVENT: times in Europe/Berlin (dates for all-day events), its place, its public page."""
    item = VEvent()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", event.updated_at or event.created_at)
    item.add("summary", event.title)
    if event.all_day:
        item.add("dtstart", _local(event.starts_at).date())
        item.add("dtend", _local(event.ends_at).date())
    else:
        item.add("dtstart", _local(event.starts_at))
        item.add("dtend", _local(event.ends_at))
    location = ", ".join(part for part in (event.place_name, " ".join(event.address.split())) if part)
    if with_online_link and event.online_url:
        location = ", ".join(part for part in (location, event.online_url) if part)
    if location:
        item.add("location", location)
    url = external_url("events.detail", event_id=event.id)
    item.add("url", url)
    description = [event.description.strip()] if event.description.strip() else []
    if event.state == EventState.CANCELLED and event.cancel_reason:
        description.insert(0, event.cancel_reason.strip())
    description.append(url)
    item.add("description", "\n\n".join(description))
    if event.contact_email:
        item.add("organizer", f"mailto:{event.contact_email}", parameters={"CN": event.contact_name or event.title})
    cancelled = cancelled or event.state == EventState.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return item


def ics(events: Iterable[Event], *, method: str = "PUBLISH", with_online_link: bool = False, name: str = "") -> bytes:
    """A calendar of ``events`` as bytes (``text/calendar``), with the Europe/Berlin time zone."""
    if method not in METHODS:
        raise ValueError(method)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    items = list(events)
    if any(not event.all_day for event in items):
        first = min(_local(event.starts_at) for event in items) - timedelta(days=366)
        last = max(_local(event.ends_at) for event in items) + timedelta(days=366)
        calendar.add_component(Timezone.from_tzid("Europe/Berlin", first_date=first.date(), last_date=last.date()))
    for event in items:
        calendar.add_component(vevent(event, with_online_link=with_online_link, cancelled=method == "CANCEL"))
    return calendar.to_ical()
