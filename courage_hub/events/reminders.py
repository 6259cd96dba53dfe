"""Reminders two days before an event (``flask --app courage_hub send-event-reminders``, once a day by cron).

Which events: the published ones that begin on the day after tomorrow in Berlin — or tomorrow, so that a day on
which the command did not run is caught up the next morning. Every confirmed registration's school gets one mail
to its active coordinators. A registration is claimed (``reminded_at``) with a conditional UPDATE in the same
transaction as its mail, so that running the command twice, or twice at once, never sends a reminder twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..core.db import utcnow, write_transaction
from ..core.mail import send_mail
from ..core.schoolyear import BERLIN, local_today
from ..extensions import db
from ..schools.models import Membership, School
from .models import Event, EventRegistration, EventState, RegistrationStatus
from .participants import adult_names, coordinator_addresses, event_reply_to, event_when
from .services import event_attachment

DAYS_AHEAD = 2


@dataclass
class ReminderRun:
    """What one run did."""

    sent: int = 0
    without_address: int = 0


def reminder_window(now: datetime) -> tuple[datetime, datetime]:
    """The UTC instants between which an event must begin to be reminded of: from tomorrow 00:00 in Berlin (not
    before ``now``) to the end of the day after tomorrow."""
    today = local_today(now)
    start = datetime.combine(today + timedelta(days=1), time(), BERLIN).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=DAYS_AHEAD + 1), time(), BERLIN).astimezone(UTC)
    return max(start, now), end


def due_registrations(now: datetime) -> list[EventRegistration]:
    """Confirmed registrations of published events in the window that have not been reminded yet."""
    start, end = reminder_window(now)
    return list(
        db.session.scalars(
            select(EventRegistration)
            .join(Event, Event.id == EventRegistration.event_id)
            .where(
                Event.state == EventState.PUBLISHED,
                Event.starts_at >= start,
                Event.starts_at < end,
                EventRegistration.status == RegistrationStatus.CONFIRMED,
                EventRegistration.reminded_at.is_(None),
            )
            .options(
                joinedload(EventRegistration.event),
                joinedload(EventRegistration.school).selectinload(School.memberships).selectinload(Membership.user),
            )
            .order_by(Event.starts_at, EventRegistration.id)
        ).unique()
    )


def send_event_reminders(now: datetime | None = None) -> ReminderRun:
    """Mail each due registration's school once; returns how many mails went out."""
    now = now or utcnow()
    run = ReminderRun()
    for registration in due_registrations(now):
        to = coordinator_addresses(registration.school)
        if not to:
            run.without_address += 1
            continue
        event = registration.event
        with write_transaction():
            claimed = db.session.execute(
                update(EventRegistration)
                .where(EventRegistration.id == registration.id, EventRegistration.reminded_at.is_(None))
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue  # another run was quicker
            send_mail(
                ", ".join(to),
                _("Reminder: %(event)s on %(when)s", event=event.title, when=event_when(event)),
                _body(event, registration),
                kind="event_reminder",
                reply_to=event_reply_to(event),
                region_id=event.region_id,
                attachment=event_attachment(event, "REQUEST"),
            )
        run.sent += 1
    return run


def _body(event: Event, registration: EventRegistration) -> str:
    return render_template(
        "events/mail/reminder.txt",
        event=event,
        registration=registration,
        when=event_when(event),
        address=" ".join(event.address.split()),
        adults=", ".join(adult_names(registration)),
    )
