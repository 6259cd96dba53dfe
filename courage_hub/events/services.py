"""The rules of events: staff create, edit, publish and cancel; coordinators register their school, change or cancel.

Seats are never overbooked: every registration change runs in one write transaction that first locks the event's
row (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), then counts the
confirmed seats and confirms the registration or puts it on the waiting list. Seats that free up go to waiting
registrations in the order they came in (``queued_at``), each of which gets a mail with the calendar entry.

Registered schools' calendars follow the event: a change of time, place or online link raises ``sequence`` and
mails an update (same UID, method REQUEST); a cancellation mails a method CANCEL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import User
from ..core import audit
from ..core.db import claim_version, utcnow, write_transaction
from ..core.mail import send_mail, sender_domain
from ..extensions import db
from ..regions.models import Region
from ..schools.models import EventKind, Membership, School, SchoolEvent
from . import calendar
from .models import Audience, Event, EventRegistration, EventState, RegistrationStatus
from .models import EventKind as Kind
from .policy import registration_open

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
# Fields whose change registered schools' calendars must follow (a new SEQUENCE and an update mail).
CALENDAR_FIELDS = ("starts_at", "ends_at", "all_day", "place_name", "address", "online_url", "title")


class RegistrationRefused(Exception):
    """A registration (or its change) that the rules do not allow; ``message`` says why in German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class EventData:
    """What the staff's form says about an event (times already in UTC)."""

    title: str
    kind: Kind
    audience: Audience
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False
    place_name: str = ""
    address: str = ""
    online_url: str | None = None
    description: str = ""
    capacity: int | None = None
    max_seats_per_school: int | None = None
    registration_deadline: datetime | None = None
    contact_name: str = ""
    contact_email: str | None = None
    contact_phone: str = ""


@dataclass
class Seats:
    """Who comes: numbers of pupils and adults, the adults' names (one per line), a note."""

    pupils: int
    adults: int
    adult_names: str = ""
    note: str = ""

    @property
    def total(self) -> int:
        return self.pupils + self.adults


# --- staff -------------------------------------------------------------------------------------------------------


def _apply(event: Event, data: EventData) -> None:
    for name, value in vars(data).items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)


def create_event(user: User, data: EventData, *, region_id: int | None = None, land: str | None = None) -> Event:
    """A new draft of ``region_id``'s (regional staff) or ``land``'s (Land staff) event."""
    if (region_id is None) == (land is None):
        raise ValueError("an event belongs to a region or a Land")
    with write_transaction():
        event = Event(
            uid=f"event-{uuid.uuid4().hex}@{sender_domain()}",
            region_id=region_id,
            land=land,
            created_by_id=user.id,
            state=EventState.DRAFT,
        )
        _apply(event, data)
        db.session.add(event)
        db.session.flush()
        audit.record("event.create", event, summary=event.title, user=user, region_id=region_id)
    return event


def update_event(event: Event, user: User, data: EventData, expected_version: int) -> bool:
    """Save the staff's edit unless someone saved since ``expected_version`` (else EditConflict).

    A published event whose time, place or link changed gets a higher SEQUENCE and every registered school an
    update of its calendar entry. Returns whether such an update went out. Seats that a larger capacity frees go to
    the waiting list.
    """
    with write_transaction():
        claim_version(Event, event.id, expected_version)
        _lock(event)
        before = {name: getattr(event, name) for name in CALENDAR_FIELDS}
        _apply(event, data)
        changed = [name for name in CALENDAR_FIELDS if getattr(event, name) != before[name]]
        notify = event.state == EventState.PUBLISHED and bool(changed)
        if notify:
            event.sequence += 1
            event.updated_at = utcnow()
            db.session.flush()
            for registration in _registrations(event, ACTIVE):
                _mail_registration(event, registration, "update")
        audit.record(
            "event.edit",
            event,
            summary=event.title,
            user=user,
            region_id=event.region_id,
            after={"changed": ", ".join(changed)} if changed else None,
        )
        if event.state == EventState.PUBLISHED:
            _move_up(event)
    return notify


def publish_event(event: Event, user: User) -> bool:
    """Make a draft public (and open for registration); False if it was not a draft."""
    with write_transaction():
        _lock(event)
        if event.state != EventState.DRAFT:
            return False
        event.state, event.published_at = EventState.PUBLISHED, utcnow()
        audit.record("event.publish", event, summary=event.title, user=user, region_id=event.region_id)
    return True


def cancel_event(event: Event, user: User, reason: str) -> int:
    """Cancel a published event (or drop a draft into cancelled) and mail the reason with a METHOD:CANCEL calendar
    entry to every school registered or waiting. Returns how many schools were told."""
    with write_transaction():
        _lock(event)
        if event.state == EventState.CANCELLED:
            return 0
        event.state, event.cancel_reason = EventState.CANCELLED, reason.strip()
        event.sequence += 1
        event.updated_at = utcnow()
        db.session.flush()
        registrations = _registrations(event, ACTIVE)
        for registration in registrations:
            _mail_registration(event, registration, "cancelled_event")
        audit.record(
            "event.cancel",
            event,
            summary=event.title,
            user=user,
            region_id=event.region_id,
            after={"reason": event.cancel_reason},
        )
    return len(registrations)


# --- registrations -----------------------------------------------------------------------------------------------


def registration_of(event: Event, school: School) -> EventRegistration | None:
    """The school's registration for the event (also a cancelled one), or None."""
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.school_id == school.id
        )
    )


def confirmed_seats(event: Event) -> int:
    """Seats taken by confirmed registrations (counted in SQL)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(EventRegistration.pupils + EventRegistration.adults), 0)).where(
            EventRegistration.event_id == event.id, EventRegistration.status == RegistrationStatus.CONFIRMED
        )
    )
    return int(total or 0)


def free_seats(event: Event) -> int | None:
    """Seats still free (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_seats(event), 0)


def active_registration_count(event: Event) -> int:
    """How many schools are registered or waiting."""
    return int(
        db.session.scalar(
            select(func.count()).where(EventRegistration.event_id == event.id, EventRegistration.status.in_(ACTIVE))
        )
        or 0
    )


def waiting_position(registration: EventRegistration) -> int | None:
    """1 for the first on the waiting list …; None when the registration is not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            EventRegistration.event_id == registration.event_id,
            EventRegistration.status == RegistrationStatus.WAITING,
            (EventRegistration.queued_at < registration.queued_at)
            | ((EventRegistration.queued_at == registration.queued_at) & (EventRegistration.id < registration.id)),
        )
    )
    return int(ahead or 0) + 1


def register(event: Event, school: School, user: User, seats: Seats) -> EventRegistration:
    """Register ``school`` (or register it again after a cancellation): confirmed while seats are free, else on the
    waiting list. Raises :class:`RegistrationRefused` after the deadline, above the per-school limit or when the
    school is registered already."""
    with write_transaction():
        _lock(event)
        _check(event, seats)
        registration = registration_of(event, school)
        if registration is not None and registration.status != RegistrationStatus.CANCELLED:
            raise RegistrationRefused(_("Your school is already registered for this event."))
        fits = _fits(event, seats.total)
        if registration is None:
            registration = EventRegistration(event_id=event.id, school_id=school.id)
        _set_seats(registration, seats)
        registration.registered_by_id = user.id
        registration.cancelled_at = None
        registration.queued_at = utcnow()
        registration.status = RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITING
        db.session.add(registration)
        db.session.flush()
        _mail_registration(
            event, registration, "confirmed" if registration.status == RegistrationStatus.CONFIRMED else "waiting"
        )
        log_participation(school.id, user, _registration_note(event, registration))
    return registration


def change_registration(registration: EventRegistration, user: User, seats: Seats) -> EventRegistration:
    """Change the numbers, names or note until the deadline. A confirmed registration keeps its seats and may grow
    only into free seats; a waiting one that grows goes to the end of the list. Freed seats move others up."""
    event = db.session.get(Event, registration.event_id)
    with write_transaction():
        _lock(event)
        db.session.refresh(registration)
        if registration.status == RegistrationStatus.CANCELLED:
            raise RegistrationRefused(_("This registration has been cancelled; please register again."))
        _check(event, seats)
        more = seats.total - registration.seats
        if registration.status == RegistrationStatus.CONFIRMED and more > 0 and not _fits(event, more):
            raise RegistrationRefused(
                _(
                    "Only %(free)s more seats are free. Your registration stays as it was.",
                    free=max((free_seats(event) or 0), 0),
                )
            )
        if registration.status == RegistrationStatus.WAITING and more > 0:
            registration.queued_at = utcnow()
        _set_seats(registration, seats)
        registration.registered_by_id = user.id
        db.session.flush()
        log_participation(registration.school_id, user, _registration_note(event, registration, changed=True))
        _move_up(event)
    return registration


def cancel_registration(registration: EventRegistration, user: User) -> None:
    """The school withdraws: its seats go to the waiting list; a confirmed school's calendar entry is cancelled."""
    event = db.session.get(Event, registration.event_id)
    with write_transaction():
        _lock(event)
        db.session.refresh(registration)
        if registration.status == RegistrationStatus.CANCELLED:
            return
        if not registration_open(event):
            raise RegistrationRefused(_("The registration deadline has passed; please contact the organisers."))
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, utcnow()
        db.session.flush()
        if was_confirmed:
            _mail_registration(event, registration, "cancelled_registration")
        log_participation(registration.school_id, user, _("Registration for “%(title)s” cancelled", title=event.title))
        _move_up(event)


def log_participation(school_id: int, user: User | None, note: str) -> None:
    """An entry on the school's timeline about an event (registration, cancellation, attendance)."""
    db.session.add(SchoolEvent(school_id=school_id, kind=EventKind.EVENT, user_id=user.id if user else None, note=note))


# --- inside the transaction ----------------------------------------------------------------------------------------


def _lock(event: Event) -> None:
    """Re-read the event under a row lock: concurrent registrations for it run one after the other."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.refresh(event, with_for_update=True)
    else:
        db.session.refresh(event)


def _check(event: Event, seats: Seats) -> None:
    if not registration_open(event):
        raise RegistrationRefused(_("Registration for this event is closed."))
    if seats.total <= 0:
        raise RegistrationRefused(_("Please register at least one person."))
    if event.max_seats_per_school is not None and seats.total > event.max_seats_per_school:
        raise RegistrationRefused(_("At most %(count)s seats per school.", count=event.max_seats_per_school))


def _fits(event: Event, seats: int) -> bool:
    return event.capacity is None or confirmed_seats(event) + seats <= event.capacity


def _set_seats(registration: EventRegistration, seats: Seats) -> None:
    names = "\n".join(line.strip() for line in seats.adult_names.splitlines() if line.strip())
    registration.pupils, registration.adults = seats.pupils, seats.adults
    registration.adult_names, registration.note = names, seats.note.strip()


def _registrations(event: Event, statuses: Iterable[RegistrationStatus]) -> list[EventRegistration]:
    return list(
        db.session.scalars(
            select(EventRegistration)
            .where(EventRegistration.event_id == event.id, EventRegistration.status.in_(list(statuses)))
            .order_by(EventRegistration.queued_at, EventRegistration.id)
        )
    )


def _move_up(event: Event) -> list[EventRegistration]:
    """Confirm waiting registrations, first come first served, as long as they fit into the free seats."""
    if event.state != EventState.PUBLISHED:
        return []
    free = free_seats(event)
    moved = []
    for registration in _registrations(event, [RegistrationStatus.WAITING]):
        if free is not None and registration.seats > free:
            continue
        registration.status = RegistrationStatus.CONFIRMED
        if free is not None:
            free -= registration.seats
        moved.append(registration)
        _mail_registration(event, registration, "moved_up")
        log_participation(
            registration.school_id, None, _("Moved up from the waiting list for “%(title)s”", title=event.title)
        )
    db.session.flush()
    return moved


def _registration_note(event: Event, registration: EventRegistration, *, changed: bool = False) -> str:
    status = _("confirmed") if registration.status == RegistrationStatus.CONFIRMED else _("on the waiting list")
    if changed:
        text = _("Registration changed for “%(title)s”", title=event.title)
    else:
        text = _("Registered for “%(title)s”", title=event.title)
    counts = _("%(pupils)s pupils, %(adults)s adults", pupils=registration.pupils, adults=registration.adults)
    return f"{text} ({counts}; {status})"


# --- mails -------------------------------------------------------------------------------------------------------

MAILS = {
    # what → (subject, method of the attached calendar entry or None)
    "confirmed": (lambda e: _("Registration confirmed: %(title)s", title=e.title), "REQUEST"),
    "waiting": (lambda e: _("On the waiting list: %(title)s", title=e.title), None),
    "moved_up": (lambda e: _("A seat for you: %(title)s", title=e.title), "REQUEST"),
    "update": (lambda e: _("Changed: %(title)s", title=e.title), "REQUEST"),
    "cancelled_event": (lambda e: _("Cancelled: %(title)s", title=e.title), "CANCEL"),
    "cancelled_registration": (lambda e: _("Registration cancelled: %(title)s", title=e.title), "CANCEL"),
}


def school_addresses(school_id: int) -> list[str]:
    """The addresses of a school's active coordinators."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.school_id == school_id, User.is_active.is_(True))
            .order_by(User.email)
        )
    )


def mail_region_id(event: Event, school_id: int) -> int | None:
    """The region a mail about the event belongs to: the event's, or for a Land event the school's."""
    if event.region_id is not None:
        return event.region_id
    return db.session.scalar(select(School.region_id).where(School.id == school_id))


def event_attachment(event: Event, method: str) -> tuple[str, str, bytes]:
    """The calendar file for a registered school's mail (with the online link)."""
    data = calendar.ics([event], method=method, with_online_link=method != "CANCEL")
    return ("veranstaltung.ics", f"text/calendar; method={method}; charset=utf-8", data)


def _mail_registration(event: Event, registration: EventRegistration, what: str) -> None:
    subject, method = MAILS[what]
    school = db.session.get(School, registration.school_id)
    body = render_template(
        f"events/mail/{what}.txt",
        event=event,
        registration=registration,
        school=school,
        position=waiting_position(registration),
        region_id=mail_region_id(event, registration.school_id),
    )
    attachment = event_attachment(event, method) if method else None
    for address in school_addresses(registration.school_id):
        send_mail(
            address,
            subject(event),
            body,
            kind=f"event_{what}",
            region_id=mail_region_id(event, registration.school_id),
            attachment=attachment,
        )


def land_of_region(region_id: int | None) -> str | None:
    if region_id is None:
        return None
    return db.session.scalar(select(Region.land).where(Region.id == region_id))
