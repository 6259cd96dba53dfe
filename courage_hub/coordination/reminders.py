"""Reminder mailings to schools: an editable template with placeholders, a preview, the 7-day rule, a log.

The preview and the sent mail come from the same function (:func:`compose`), so what KI staff read is what the
school gets. Each mail is logged as a ReminderDelivery, an entry in the school's timeline and an audit entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access.scope import within
from ..auth.models import User
from ..core import audit, schoolyear
from ..core.db import utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..extensions import db
from ..regions.services import reply_to_address
from ..schools.models import EventKind, Membership, School, SchoolEvent
from .models import RegionReminderTemplate, Reminder, ReminderDelivery

PLACEHOLDERS = ("schule", "koordination", "schuljahr", "link")
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_]+)\}")
REPEAT_WINDOW = timedelta(days=7)

KINDS = {
    "obligation": _l("Yearly project"),
    "contact": _l("Getting in touch"),
}


def default_template(kind: str) -> tuple[str, str]:
    """The German default subject and body of a reminder ``kind``, with placeholders."""
    if kind == "contact":
        return (
            _("{schule}: the KI would like to hear from you"),
            _(
                "Dear {koordination},\n\n"
                "we have not heard from {schule} for a while and would like to know how your work as a "
                '"Schule ohne Rassismus – Schule mit Courage" is going. Do you need support, ideas or contacts?\n\n'
                "You can report your activities here: {link}\n\n"
                "Kind regards\nyour regional coordination at the KI"
            ),
        )
    return (
        _("{schule}: your project in the school year {schuljahr}"),
        _(
            "Dear {koordination},\n\n"
            'as a "Schule ohne Rassismus – Schule mit Courage", {schule} runs at least one project against '
            "discrimination every school year. For {schuljahr} we have not received a report yet.\n\n"
            "Please report your project here: {link}\n\n"
            "If you need ideas or support, just reply to this mail.\n\n"
            "Kind regards\nyour regional coordination at the KI"
        ),
    )


def region_template(kind: str, region_id: int | None) -> tuple[str, str]:
    """The subject and body a reminder of ``kind`` starts from: the region's own template, else the default."""
    if region_id is not None:
        saved = db.session.scalar(
            select(RegionReminderTemplate).where(
                RegionReminderTemplate.region_id == region_id, RegionReminderTemplate.kind == kind
            )
        )
        if saved is not None:
            return saved.subject, saved.body
    return default_template(kind)


def save_region_template(region_ids: list[int], kind: str, subject: str, body: str, user: User) -> None:
    """Keep ``subject`` and ``body`` as the template of ``kind`` for each of ``region_ids`` (audited per region)."""
    with write_transaction():
        for region_id in region_ids:
            saved = db.session.scalar(
                select(RegionReminderTemplate).where(
                    RegionReminderTemplate.region_id == region_id, RegionReminderTemplate.kind == kind
                )
            )
            if saved is None:
                saved = RegionReminderTemplate(region_id=region_id, kind=kind)
                db.session.add(saved)
            saved.subject, saved.body, saved.updated_by_id = subject, body, user.id
            audit.record(
                "reminder.template",
                region_id=region_id,
                summary=str(KINDS.get(kind, kind)),
                after={"kind": kind, "subject": subject},
                user=user,
            )


def unknown_placeholders(*texts: str) -> list[str]:
    """Placeholders in the texts that the template does not know (e.g. a typo like {schul})."""
    found = {name for text in texts for name in PLACEHOLDER_RE.findall(text)}
    return sorted(found - set(PLACEHOLDERS))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders; anything else stays as written."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass
class Draft:
    kind: str
    subject: str
    body: str
    year: int


@dataclass
class Mail:
    school: School
    to: list[str]
    subject: str
    body: str


def coordinators_of(school_ids: list[int], region_ids: frozenset[int] | None) -> dict[int, School]:
    """The schools of ``region_ids`` among ``school_ids`` with their coordinators loaded (two queries for any number
    of schools); ids of other regions' schools are left out."""
    if not school_ids:
        return {}
    schools = db.session.scalars(
        select(School)
        .where(School.id.in_(school_ids), within(School.region_id, region_ids))
        .options(selectinload(School.memberships).selectinload(Membership.user))
        .order_by(School.name)
    ).all()
    return {s.id: s for s in schools}


def compose(draft: Draft, school: School) -> Mail:
    """The exact mail ``school`` gets for ``draft`` (recipients: its active coordinators, else its public address)."""
    people = sorted((m.user for m in school.memberships if m.user.is_active), key=lambda u: u.name)
    to = [u.email for u in people] or ([school.public_email] if school.public_email else [])
    values = {
        "schule": school.name,
        "koordination": ", ".join(u.name for u in people) or _("school coordination"),
        "schuljahr": schoolyear.label(draft.year),
        "link": external_url("activities.create", schule=school.slug),
    }
    subject = " ".join(fill(draft.subject, values).split())
    body = fill(draft.body.replace("\r\n", "\n"), values).strip() + "\n"
    return Mail(school=school, to=to, subject=subject, body=body)


def recent_deliveries(school_ids: list[int], kind: str, now: datetime | None = None) -> dict[int, datetime]:
    """Schools that got a reminder of this kind within the last 7 days, with the time of the latest one."""
    if not school_ids:
        return {}
    since = (now or utcnow()) - REPEAT_WINDOW
    return dict(
        db.session.execute(
            select(ReminderDelivery.school_id, func.max(ReminderDelivery.sent_at))
            .where(
                ReminderDelivery.school_id.in_(school_ids),
                ReminderDelivery.kind == kind,
                ReminderDelivery.sent_at >= since,
            )
            .group_by(ReminderDelivery.school_id)
        ).all()
    )


@dataclass
class Outcome:
    sent: list[Mail]
    without_address: list[School]


def send_reminders(draft: Draft, schools: list[School], user: User) -> Outcome:
    """Mail the reminder to each school and log it (delivery, timeline, audit) in the transaction that queues it."""
    mails = [compose(draft, school) for school in schools]  # before any commit expires the loaded coordinators
    outcome = Outcome(sent=[], without_address=[m.school for m in mails if not m.to])
    user_id = user.id
    # The reminders say "reply to this mail": replies go to each school's office (its Reply-To, else the sender).
    with write_transaction():
        reminder = Reminder(
            kind=draft.kind,
            subject=draft.subject,
            body=draft.body,
            school_year=draft.year,
            sent_by_id=user_id,
            region_id=schools[0].region_id if schools else None,
        )
        db.session.add(reminder)
    for mail in mails:
        if not mail.to:
            continue
        school = mail.school
        with write_transaction():
            send_mail(
                ", ".join(mail.to),
                mail.subject,
                mail.body,
                kind="reminder",
                reply_to=reply_to_address(school.region_id, user.email),
                region_id=school.region_id,
            )
            db.session.add(
                ReminderDelivery(
                    reminder_id=reminder.id, school_id=school.id, kind=draft.kind, recipients=", ".join(mail.to)[:2000]
                )
            )
            db.session.add(
                SchoolEvent(
                    school_id=school.id,
                    kind=EventKind.REMINDER,
                    user_id=user_id,
                    note=_("Reminder sent: %(subject)s", subject=mail.subject),
                )
            )
            audit.record(
                "reminder.send",
                school,
                summary=mail.subject[:500],
                after={"kind": draft.kind, "reminder_id": reminder.id, "recipients": len(mail.to)},
                user=user,
            )
        outcome.sent.append(mail)
    return outcome
