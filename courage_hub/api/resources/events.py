"""``/api/v1/events``: the published and cancelled events of the offices and the Länder (``/veranstaltungen/``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import func, select

from ...core.db import utcnow
from ...core.links import external_url
from ...events import models
from ...events.policy import is_public
from ...events.public import EventFilter, get_event, local, one_line_address, seats_taken
from ...extensions import db
from ...regions.vocab import land_name
from ..http import newest
from ..pagination import Listing, Order
from ..params import PlaceQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, Event, EventContact, Organiser, RegionRef
from .common import EXAMPLE_SITE, offices, optional, region_ref, text

KINDS = tuple(kind.value for kind in models.EventKind)
AUDIENCES = tuple(audience.value for audience in models.Audience)


class EventQuery(PlaceQuery):
    kind: Literal[KINDS] | None = Field(None, description=N_("Only this kind of event."))  # type: ignore[valid-type]
    audience: Literal[AUDIENCES] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only events for this audience (events for both are always included).")
    )
    month: str | None = Field(
        None,
        pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$",
        description=N_("Only events on a day of this month (YYYY-MM)."),
    )
    period: Literal["upcoming", "past"] | None = Field(
        None, description=N_("Only events that have not ended yet, or only those that have.")
    )


def select_events(query: EventQuery) -> Listing:
    filters = EventFilter(
        place=query.place(),
        kind=models.EventKind(query.kind) if query.kind else None,
        audience=models.Audience(query.audience) if query.audience else None,
        month=date(int(query.month[:4]), int(query.month[5:]), 1) if query.month else None,
    )
    conditions = filters.conditions()
    if query.period == "upcoming":
        conditions.append(models.Event.ends_at > utcnow())
    elif query.period == "past":
        conditions.append(models.Event.ends_at <= utcnow())
    return Listing(select(models.Event).where(*conditions))


def get_public_event(event_id: int) -> models.Event | None:
    """The event if its page is public (``events.policy.is_public``)."""
    event = get_event(event_id)
    return event if event is not None and is_public(event) else None


def _registrations_changed(event_ids: list[int]) -> dict[int, datetime]:
    """The last change among each event's registrations: its free seats follow from them."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(models.EventRegistration.event_id, func.max(models.EventRegistration.updated_at))
        .where(models.EventRegistration.event_id.in_(event_ids))
        .group_by(models.EventRegistration.event_id)
    )
    return dict(rows.all())


def serialize(rows: Sequence[models.Event]) -> list[Item]:
    limited = [event.id for event in rows if event.capacity is not None]
    taken = seats_taken(limited)
    registrations = _registrations_changed(limited)
    regions = offices(event.region_id for event in rows)
    items = []
    for event in rows:
        region = regions.get(event.region_id) if event.region_id is not None else None
        land = region.land if region is not None else event.land or ""
        cancelled = event.state == models.EventState.CANCELLED
        body = Event(
            id=event.id,
            url=external_url("events.detail", event_id=event.id),
            calendar_url=external_url("events.event_ics", event_id=event.id),
            title=event.title,
            kind=event.kind.value,
            audience=event.audience.value,
            status="cancelled" if cancelled else "scheduled",
            cancel_reason=(event.cancel_reason or None) if cancelled else None,
            starts_at=local(event.starts_at),
            ends_at=local(event.ends_at),
            all_day=event.all_day,
            place_name=event.place_name,
            address=one_line_address(event),
            organiser=Organiser(
                region=region_ref(region) if region is not None else None, land=land, land_name=land_name(land)
            ),
            description=text(event.description),
            capacity=event.capacity,
            seats_left=None if event.capacity is None else max(0, event.capacity - taken.get(event.id, 0)),
            max_seats_per_school=event.max_seats_per_school,
            registration_deadline=local(event.registration_deadline) if event.registration_deadline else None,
            contact=EventContact(
                name=optional(event.contact_name),
                email=optional(event.contact_email),
                phone=optional(event.contact_phone),
            ),
            updated_at=event.updated_at,
        )
        changed = newest(event.updated_at, region.updated_at if region else None, registrations.get(event.id))
        items.append(Item(body, changed))
    return items


_MEETING = Event(
    id=31,
    url=f"{EXAMPLE_SITE}/veranstaltungen/31",
    calendar_url=f"{EXAMPLE_SITE}/veranstaltungen/31.ics",
    title="Regionaltreffen Frühjahr",
    kind="regionaltreffen",
    audience="both",
    status="scheduled",
    cancel_reason=None,
    starts_at=datetime.fromisoformat("2026-03-18T14:00:00+01:00"),
    ends_at=datetime.fromisoformat("2026-03-18T17:00:00+01:00"),
    all_day=False,
    place_name="Stadthalle Lippstadt",
    address="Am Rathaus 1, 59555 Lippstadt",
    organiser=Organiser(
        region=RegionRef(id=1, slug="kreis-soest", name="KI Kreis Soest", url=f"{EXAMPLE_SITE}/regionen/kreis-soest"),
        land="NW",
        land_name="Nordrhein-Westfalen",
    ),
    description="Austausch der Schulen über ihre Projekte, mit einem Workshop zu Hate Speech.",
    capacity=60,
    seats_left=14,
    max_seats_per_school=6,
    registration_deadline=datetime.fromisoformat("2026-03-11T23:59:00+01:00"),
    contact=EventContact(name="Team der Koordination", email="ki@kreis-soest.example", phone="02921 30-0"),
    updated_at=datetime(2026, 2, 20, 11, 45, tzinfo=UTC),
)

RESOURCE = Resource(
    name="events",
    id_name="event_id",
    model=Event,
    query=EventQuery,
    order=Order((models.Event.starts_at, models.Event.id)),
    select=select_events,
    get=get_public_event,
    serialize=serialize,
    summary=N_("Events"),
    description=N_(
        "Published and cancelled events, earliest first: the event list's filters. An office's filter includes "
        "the events of its Land. Drafts, registrations and the online link (for registered schools only) never "
        "appear."
    ),
    item_summary=N_("One event"),
    list_example=Example(
        "/events?region=kreis-soest&period=upcoming&limit=1",
        (_MEETING,),
        next=f"{EXAMPLE_SITE}/api/v1/events?limit=1&region=kreis-soest&period=upcoming"
        "&cursor=WyIyMDI2LTAzLTE4VDEzOjAwOjAwKzAwOjAwIiwzMV0",
        limit=1,
    ),
    item_example=Example("/events/31", (_MEETING,)),
)
