"""What the public event pages show: the upcoming events and the archive with their filters, the next events of the
start page and of an office's page, one event's seats, place, dates in words and its schema.org data.

The filters (office, Land, kind, audience, month) come from the URL and are validated here: an unknown value is
ignored. An office's list holds the office's own events and those of its Land (they are meant for its schools too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote_plus

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, func, or_, select

from ..access.policy import is_coordinator
from ..core.db import utcnow
from ..core.links import external_url
from ..core.markdown import plain_text
from ..core.schoolyear import BERLIN
from ..extensions import db
from ..regions.services import Place, RegionInfo, all_regions, place, regions_by_id
from ..regions.vocab import land_name
from ..schools.coordinators import membership_school_ids
from ..schools.models import School
from .models import Audience, Event, EventKind, EventRegistration, EventState, RegistrationStatus
from .policy import can_manage_event, event_is_for_school, registration_open

PUBLIC_STATES = (EventState.PUBLISHED, EventState.CANCELLED)
OSM_SEARCH = "https://www.openstreetmap.org/search?query="


def is_public_expr() -> ColumnElement[bool]:
    """The SQL side of ``policy.is_public``: published and cancelled events."""
    return Event.state.in_(PUBLIC_STATES)


# --- filters -----------------------------------------------------------------------------------------------------


def _month(value: str) -> date | None:
    """``YYYY-MM`` as the first day of that month; anything else is ignored."""
    if len(value) != 7 or value[4] != "-":
        return None
    try:
        month = date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


@dataclass(frozen=True)
class EventFilter:
    """The validated filters of the event lists and the public feed."""

    place: Place = field(default_factory=Place)
    kind: EventKind | None = None
    audience: Audience | None = None
    month: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> EventFilter:
        kind, audience = args.get("art", ""), args.get("zielgruppe", "")
        return cls(
            place=place(args.get("land"), args.get("region")),
            kind=EventKind(kind) if kind in EventKind._value2member_map_ else None,
            audience=Audience(audience) if audience in Audience._value2member_map_ else None,
            month=_month(args.get("monat", "")),
        )

    def url_args(self) -> dict[str, str]:
        """The filters as they appear in the URL (for pagination and the feed link)."""
        args = dict(self.place.url_args())
        if self.kind:
            args["art"] = self.kind.value
        if self.audience:
            args["zielgruppe"] = self.audience.value
        if self.month:
            args["monat"] = self.month.strftime("%Y-%m")
        return args

    @property
    def active_filters(self) -> int:
        return len(self.url_args())

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [is_public_expr()]
        if self.place.region_ids is not None:
            where.append(where_for_regions(self.place.regions()))
        if self.kind:
            where.append(Event.kind == self.kind)
        if self.audience:
            # "Coordinators and pupils" is for both audiences.
            where.append(Event.audience.in_((self.audience, Audience.BOTH)))
        if self.month:
            start, end = month_bounds(self.month)
            where.append(and_(Event.starts_at < end, Event.ends_at > start))
        return where


def where_for_regions(regions: list[RegionInfo]) -> ColumnElement[bool]:
    """Events of these offices and of their Länder (a Land's events are meant for its offices' schools)."""
    if not regions:
        return false()
    return or_(Event.region_id.in_([r.id for r in regions]), Event.land.in_(sorted({r.land for r in regions})))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as UTC instants from its first midnight in Berlin to the next month's."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        datetime.combine(month, time(), BERLIN).astimezone(UTC),
        datetime.combine(following, time(), BERLIN).astimezone(UTC),
    )


def month_choices(upcoming: bool, now: datetime | None = None) -> list[tuple[str, str]]:
    """The next twelve months (upcoming list) or the last twelve (archive), as ``(YYYY-MM, "Mai 2026")``."""
    today = (now or utcnow()).astimezone(BERLIN).date().replace(day=1)
    months = []
    for step in range(12):
        index = today.year * 12 + today.month - 1 + (step if upcoming else -step)
        month = date(index // 12, index % 12 + 1, 1)
        months.append((month.strftime("%Y-%m"), format_date(month, "LLLL yyyy")))
    return months


# --- lists -------------------------------------------------------------------------------------------------------


def upcoming_page(filters: EventFilter, page: int, per_page: int, now: datetime | None = None):
    """Public events that have not ended yet, soonest first, and their total."""
    now = now or utcnow()
    where = [*filters.conditions(), Event.ends_at > now]
    return _page(where, (Event.starts_at, Event.id), page, per_page)


def archive_page(filters: EventFilter, page: int, per_page: int, now: datetime | None = None):
    """Public events that have ended, newest first, and their total."""
    now = now or utcnow()
    where = [*filters.conditions(), Event.ends_at <= now]
    return _page(where, (Event.starts_at.desc(), Event.id.desc()), page, per_page)


def _page(where: list, order: tuple, page: int, per_page: int) -> tuple[list[Event], int]:
    total = db.session.scalar(select(func.count(Event.id)).where(*where)) or 0
    events = list(
        db.session.scalars(select(Event).where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page))
    )
    return events, total


def feed_events(filters: EventFilter, now: datetime | None = None, past_days: int = 90, limit: int = 500):
    """The public calendar feed: events of the filters that end after ``past_days`` ago, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Event)
            .where(*filters.conditions(), Event.ends_at > now - timedelta(days=past_days))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def next_events(regions: list[RegionInfo] | None = None, limit: int = 3, now: datetime | None = None) -> list[Event]:
    """The next public events that have not ended (of these offices and their Länder; ``None``: everywhere).

    One query; the cards name the office from the regions the request has already read."""
    where = [is_public_expr(), Event.ends_at > (now or utcnow())]
    if regions is not None:
        where.append(where_for_regions(regions))
    return list(db.session.scalars(select(Event).where(*where).order_by(Event.starts_at, Event.id).limit(limit)))


def seats_taken(event_ids: list[int]) -> dict[int, int]:
    """Confirmed seats (pupils and adults) per event, in one query."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(EventRegistration.event_id, func.sum(EventRegistration.pupils + EventRegistration.adults))
        .where(EventRegistration.event_id.in_(event_ids), EventRegistration.status == RegistrationStatus.CONFIRMED)
        .group_by(EventRegistration.event_id)
    )
    return {event_id: int(total or 0) for event_id, total in rows}


def get_event(event_id: int) -> Event | None:
    return db.session.get(Event, event_id)


# --- one event ---------------------------------------------------------------------------------------------------


def organiser(event: Event) -> str:
    """Who holds the event: the office's name, or the Land's coordination."""
    if event.region_id is not None:
        region = regions_by_id().get(event.region_id)
        return region.name if region else ""
    return _("Land coordination %(land)s", land=land_name(event.land or ""))


def region_of(event: Event) -> RegionInfo | None:
    return regions_by_id().get(event.region_id) if event.region_id is not None else None


def one_line_address(event: Event) -> str:
    return ", ".join(line.strip() for line in event.address.splitlines() if line.strip())


def map_url(event: Event) -> str | None:
    """A plain link to OpenStreetMap's search for the address: nothing of a third party loads on our page."""
    address = one_line_address(event)
    return OSM_SEARCH + quote_plus(address) if address else None


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def last_day(event: Event) -> date:
    """The last day of the event in Berlin (all-day events end at 00:00 of the day after)."""
    end = local(event.ends_at)
    return (end - timedelta(days=1)).date() if event.all_day else end.date()


def clock(moment: datetime) -> str:
    """The time of day in Berlin, "15:00" (zoneinfo knows summer time in every year; Babel's tables end in 2037)."""
    return local(moment).strftime("%H:%M")


def when(event: Event) -> str:
    """The date and time in words: "Mittwoch, 13. Mai 2026, 15:00–17:30 Uhr", all-day and multi-day events too."""
    start, _end = local(event.starts_at), local(event.ends_at)
    first, last = start.date(), last_day(event)
    if event.all_day:
        if first == last:
            return _("%(day)s (all day)", day=format_date(first, "full"))
        return _("%(first)s to %(last)s (all day)", first=format_date(first, "full"), last=format_date(last, "full"))
    if first == last:
        return _(
            "%(day)s, %(start)s – %(end)s",
            day=format_date(first, "full"),
            start=clock(event.starts_at),
            end=clock(event.ends_at),
        )
    return _(
        "%(first)s, %(start)s to %(last)s, %(end)s",
        first=format_date(first, "full"),
        start=clock(event.starts_at),
        last=format_date(last, "full"),
        end=clock(event.ends_at),
    )


def short_when(event: Event) -> str:
    """The date for cards: "13.05.2026" or "13.05.2026 – 15.05.2026"."""
    first, last = local(event.starts_at).date(), last_day(event)
    if first == last:
        return format_date(first, "medium")
    return f"{format_date(first, 'medium')} – {format_date(last, 'medium')}"


def iso(moment: datetime) -> str:
    """A machine-readable Berlin time for ``<time datetime>`` and JSON-LD (to the minute)."""
    return local(moment).isoformat(timespec="minutes")


@dataclass(frozen=True)
class Seats:
    capacity: int | None
    taken: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def full(self) -> bool:
        return self.left == 0


def seats(event: Event) -> Seats:
    return Seats(event.capacity, seats_taken([event.id]).get(event.id, 0) if event.capacity is not None else 0)


@dataclass(frozen=True)
class CoordinatorView:
    """What a signed-in coordinator sees of an event: their school's registration and whether they may register."""

    registrations: list[EventRegistration]
    may_register: bool

    @property
    def confirmed(self) -> bool:
        return any(r.status == RegistrationStatus.CONFIRMED for r in self.registrations)


def coordinator_view(user: Any, event: Event) -> CoordinatorView | None:
    """For a coordinator: their schools' (not cancelled) registrations and whether one of their schools may
    register (registration open and the event meant for the school); for anyone else ``None``."""
    if not is_coordinator(user):
        return None
    school_ids = membership_school_ids(user)
    if not school_ids:
        return CoordinatorView([], False)
    registrations = list(
        db.session.scalars(
            select(EventRegistration).where(
                EventRegistration.event_id == event.id,
                EventRegistration.school_id.in_(school_ids),
                EventRegistration.status != RegistrationStatus.CANCELLED,
            )
        )
    )
    may_register = False
    if registration_open(event):
        lands = {region.id: region.land for region in all_regions()}
        schools = db.session.scalars(select(School).where(School.id.in_(school_ids)))
        may_register = any(event_is_for_school(event, school, lands.get(school.region_id)) for school in schools)
    return CoordinatorView(registrations, may_register)


def shows_online_link(user: Any, event: Event, view: CoordinatorView | None) -> bool:
    """The online link: for coordinators of a school with a confirmed registration, and the event's staff."""
    if not event.online_url:
        return False
    return (view is not None and view.confirmed) or can_manage_event(user, event)


def description(event: Event) -> str:
    """The page's meta description: the event's text, else its date and organiser."""
    text = plain_text(event.description, 160)
    return text or plain_text(f"{short_when(event)} · {event.title} · {organiser(event)}", 160)


def jsonld(event: Event) -> dict:
    """schema.org ``Event`` for search engines; the online link stays private (only the page's URL is given)."""
    url = external_url("events.detail", event_id=event.id)
    if event.all_day:
        start: str = local(event.starts_at).date().isoformat()
        end: str = last_day(event).isoformat()
    else:
        start, end = iso(event.starts_at), iso(event.ends_at)
    address = one_line_address(event)
    online = bool(event.online_url)
    locations: list[dict] = []
    if address or event.place_name:
        venue: dict = {"@type": "Place", "name": event.place_name or address}
        if address:
            venue["address"] = {"@type": "PostalAddress", "streetAddress": address, "addressCountry": "DE"}
        locations.append(venue)
    if online:
        locations.append({"@type": "VirtualLocation", "url": url})
    mode = "Mixed" if online and locations[0]["@type"] == "Place" else ("Online" if online else "Offline")
    region = region_of(event)
    organizer: dict = {"@type": "Organization", "name": organiser(event)}
    if region is not None:
        organizer["url"] = external_url("regions.detail", slug=region.slug)
    if event.contact_email:
        organizer["email"] = event.contact_email
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": start,
        "endDate": end,
        "eventStatus": "https://schema.org/"
        + ("EventCancelled" if event.state == EventState.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": f"https://schema.org/{mode}EventAttendanceMode",
        "organizer": organizer,
        "inLanguage": "de",
    }
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    text = plain_text(event.description)
    if text:
        data["description"] = text
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
    return data
