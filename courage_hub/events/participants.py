"""The staff's side of an event's registrations: the participant list per school with its totals, its export, a
message to every registered school and the attendance marked afterwards (each on the school's timeline and in the
audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import render_template
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..coordination.exports import Table
from ..core import audit
from ..core.db import utcnow, write_transaction
from ..core.mail import send_mail
from ..core.schoolyear import BERLIN
from ..extensions import db
from ..regions.services import reply_to_address
from ..schools.models import EventKind as TimelineKind
from ..schools.models import Membership, School, SchoolEvent
from .models import Event, EventRegistration, RegistrationStatus

MESSAGE_SUBJECT_MAX = 150
MESSAGE_TEXT_MAX = 5000


def event_when(event: Event) -> str:
    """The event's days and times in Berlin, e.g. "16.12.2026, 15:00–17:00" or "21.03.2027–22.03.2027"."""
    start, end = event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)
    if event.all_day:  # ends at 00:00 of the day after the last
        last_day = max(start.date(), end.date() - timedelta(days=1))
        if last_day == start.date():
            return format_date(start.date(), "medium")
        return f"{format_date(start.date(), 'medium')}–{format_date(last_day, 'medium')}"
    if start.date() == end.date():
        return f"{format_date(start.date(), 'medium')}, {format_time(start, 'HH:mm')}–{format_time(end, 'HH:mm')}"
    return f"{format_date(start.date(), 'medium')} {format_time(start, 'HH:mm')}–" + (
        f"{format_date(end.date(), 'medium')} {format_time(end, 'HH:mm')}"
    )


def adult_names(registration: EventRegistration) -> list[str]:
    """The accompanying adults' names, one per line or separated by commas as the coordinator typed them."""
    text = registration.adult_names.replace("\r\n", "\n").replace(";", "\n").replace(",", "\n")
    return [name.strip() for name in text.split("\n") if name.strip()]


@dataclass
class ParticipantList:
    """An event's registrations, one per school: confirmed (by school name), the waiting list (in queue order) and
    the cancelled ones."""

    event: Event
    confirmed: list[EventRegistration] = field(default_factory=list)
    waiting: list[EventRegistration] = field(default_factory=list)
    cancelled: list[EventRegistration] = field(default_factory=list)

    @property
    def pupils(self) -> int:
        return sum(r.pupils for r in self.confirmed)

    @property
    def adults(self) -> int:
        return sum(r.adults for r in self.confirmed)

    @property
    def seats(self) -> int:
        return self.pupils + self.adults

    @property
    def waiting_seats(self) -> int:
        return sum(r.seats for r in self.waiting)

    @property
    def attended(self) -> int:
        return sum(1 for r in self.confirmed if r.attended)

    @property
    def free_seats(self) -> int | None:
        return None if self.event.capacity is None else max(self.event.capacity - self.seats, 0)


def participant_list(event: Event) -> ParticipantList:
    """Every registration of ``event`` with its school, in one query."""
    rows = db.session.scalars(
        select(EventRegistration)
        .join(School, School.id == EventRegistration.school_id)
        .where(EventRegistration.event_id == event.id)
        .options(joinedload(EventRegistration.school))
        .order_by(School.name, School.id)
    ).all()
    result = ParticipantList(event)
    for registration in rows:
        if registration.status == RegistrationStatus.CONFIRMED:
            result.confirmed.append(registration)
        elif registration.status == RegistrationStatus.WAITING:
            result.waiting.append(registration)
        else:
            result.cancelled.append(registration)
    result.waiting.sort(key=lambda r: (r.queued_at, r.id))
    return result


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(BERLIN).replace(tzinfo=None) if moment else None


def participants_table(participants: ParticipantList) -> Table:
    """The confirmed registrations and the waiting list as an export table (never a pupil's name: none is kept)."""
    status_labels = {RegistrationStatus.CONFIRMED: _("confirmed"), RegistrationStatus.WAITING: _("waiting list")}
    attended = {True: _("came"), False: _("did not come"), None: ""}
    rows = []
    for registration in [*participants.confirmed, *participants.waiting]:
        school = registration.school
        rows.append(
            [
                school.name,
                school.municipality,
                status_labels[registration.status],
                registration.pupils,
                registration.adults,
                ", ".join(adult_names(registration)),
                registration.note,
                _local(registration.created_at),
                attended[registration.attended],
            ]
        )
    return Table(
        name=_("Participants"),
        header=[
            _("School"),
            _("Municipality"),
            _("Status"),
            _("Pupils"),
            _("Adults"),
            _("Names of the adults"),
            _("Note"),
            _("Registered"),
            _("Attendance"),
        ],
        rows=rows,
    )


def record_export(event: Event, fmt: str, rows: int, user: Any) -> None:
    """The export of a participant list in the audit log (of the event's region; a Land's event: admins')."""
    with write_transaction():
        audit.record(
            "export.event_participants",
            event,
            summary=f"{event.title} ({fmt}, {rows})",
            after={"event_id": event.id},
            user=user,
        )


def registered_schools(event: Event) -> list[School]:
    """The schools registered for ``event`` (confirmed or waiting) with their coordinators loaded, in two queries."""
    return list(
        db.session.scalars(
            select(School)
            .join(EventRegistration, EventRegistration.school_id == School.id)
            .where(
                EventRegistration.event_id == event.id,
                EventRegistration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
            )
            .options(selectinload(School.memberships).selectinload(Membership.user))
            .order_by(School.name, School.id)
        )
    )


def coordinator_addresses(school: School) -> list[str]:
    """The addresses of the school's active coordinators (their memberships must be loaded)."""
    return sorted(m.user.email for m in school.memberships if m.user.is_active)


def event_reply_to(event: Event, fallback: str | None = None) -> str | None:
    """Replies go to the event's contact person, else to the region's office address, else to ``fallback``."""
    if event.contact_email:
        return event.contact_email
    if event.region_id is not None:
        return reply_to_address(event.region_id, fallback)
    return fallback


@dataclass
class MessageOutcome:
    sent: list[School] = field(default_factory=list)
    without_address: list[School] = field(default_factory=list)


def message_schools(event: Event, user: Any, subject: str, text: str) -> MessageOutcome:
    """Mail ``subject``/``text`` to the coordinators of every registered school (one mail per school), and note it
    on each school's timeline and in the audit log, all in one write transaction."""
    subject, text = " ".join(subject.split()), text.replace("\r\n", "\n").strip()
    outcome = MessageOutcome()
    mail_subject = _("%(event)s: %(subject)s", event=event.title, subject=subject)
    schools = registered_schools(event)
    with write_transaction():
        for school in schools:
            to = coordinator_addresses(school)
            if not to:
                outcome.without_address.append(school)
                continue
            body = render_template(
                "events/mail/message.txt", event=event, when=event_when(event), school=school, text=text, sender=user
            )
            send_mail(
                ", ".join(to),
                mail_subject,
                body,
                kind="event_message",
                reply_to=event_reply_to(event, user.email),
                region_id=event.region_id,
            )
            db.session.add(
                SchoolEvent(
                    school_id=school.id,
                    kind=TimelineKind.EVENT,
                    user_id=user.id,
                    note=_("Message about the event “%(event)s”: %(subject)s", event=event.title, subject=subject),
                )
            )
            audit.record(
                "event.message",
                event,
                summary=subject[:500],
                after={"event_id": event.id, "school_id": school.id, "recipients": len(to)},
                user=user,
                region_id=school.region_id,
            )
            outcome.sent.append(school)
    return outcome


class AttendanceRefused(Exception):
    """Attendance can only be marked for a confirmed registration once the event has begun."""


def has_begun(event: Event, now: datetime | None = None) -> bool:
    return event.starts_at <= (now or utcnow())


def mark_attendance(event: Event, registration_id: int, came: bool, user: Any) -> str:
    """Record whether the school's group came to ``event`` (on its timeline and in the audit log); returns the
    school's name."""
    if not has_begun(event):
        raise AttendanceRefused(_("Attendance can be recorded once the event has begun."))
    with write_transaction():
        registration = db.session.scalar(
            select(EventRegistration)
            .where(
                EventRegistration.id == registration_id,
                EventRegistration.event_id == event.id,
                EventRegistration.status == RegistrationStatus.CONFIRMED,
            )
            .options(joinedload(EventRegistration.school))
            .execution_options(populate_existing=True)
        )
        if registration is None:
            raise AttendanceRefused(_("This school is not registered for the event."))
        before, school_name = registration.attended, registration.school.name
        if before is came:
            return school_name
        registration.attended = came
        registration.version += 1
        note = (
            _("Took part in the event “%(event)s” (%(when)s).", event=event.title, when=event_when(event))
            if came
            else _("Did not come to the event “%(event)s” (%(when)s).", event=event.title, when=event_when(event))
        )
        db.session.add(
            SchoolEvent(school_id=registration.school_id, kind=TimelineKind.EVENT, user_id=user.id, note=note)
        )
        audit.record(
            "event.attendance",
            registration,
            summary=f"{registration.school.name}: {event.title}"[:500],
            before={"attended": before},
            after={"attended": came, "event_id": event.id},
            user=user,
            region_id=registration.school.region_id,
        )
    return school_name
