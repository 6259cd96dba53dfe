"""The weekly digest for KI staff: new registrations, new reports, open reviews, schools that need contact.

It lists only what is new and waits for the KI: registrations of the period that are still pending (an approved or
admitted school is no news), each school named once with its municipality unless the name already says it.

Run by cron or a systemd timer: ``flask --app courage_hub send-digest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..activities.models import Activity, ActivityState
from ..core.db import utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..extensions import db
from ..regions.models import Region
from ..regions.services import staff_emails
from ..schools.models import Approval, School
from .contact_needed import contact_rule
from .dashboard import open_queues


@dataclass
class Digest:
    since: datetime
    registrations: list[School]
    reports: list[Activity]
    report_count: int
    pending_registrations: int
    materials_in_review: int
    open_reports: int
    needs_contact: int


def build_digest(region_id: int, days: int = 7, now: datetime | None = None) -> Digest:
    """What happened in one region's network (each office gets its own digest)."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    in_region = School.region_id == region_id
    registrations = list(
        db.session.scalars(
            select(School)
            .where(School.created_at >= since, School.approval == Approval.PENDING, in_region)
            .order_by(School.created_at, School.id)
        )
    )
    new_reports = (
        Activity.state == ActivityState.PUBLISHED,
        Activity.published_at >= since,
        Activity.school_id.in_(select(School.id).where(in_region)),
    )
    reports = list(
        db.session.scalars(
            select(Activity)
            .where(*new_reports)
            .options(joinedload(Activity.school))
            .order_by(Activity.published_at.desc())
            .limit(20)
        )
    )
    count = db.session.scalar(select(func.count(Activity.id)).where(*new_reports)) or 0
    pending, review, problems = open_queues(frozenset({region_id}))
    contact = db.session.scalar(select(func.count(School.id)).where(contact_rule(now).condition(), in_region)) or 0
    return Digest(since, registrations, reports, count, pending, review, problems, contact)


def school_label(school: School) -> str:
    """The school's name, with its municipality in brackets unless the name already contains it."""
    if school.municipality and school.municipality.casefold() in school.name.casefold():
        return school.name
    return f"{school.name} ({school.municipality})" if school.municipality else school.name


def send_digest(days: int = 7) -> int:
    """Mail each region's digest to that region's active staff accounts; returns how many mails went out."""
    sent = 0
    for region_id in db.session.scalars(select(Region.id).order_by(Region.id)).all():
        recipients = staff_emails(region_id)
        if not recipients:
            continue
        digest = build_digest(region_id, days)
        body = render_template(
            "coordination/mail/digest.txt",
            digest=digest,
            days=days,
            school_label=school_label,
            dashboard=external_url("coordination.dashboard"),
            contact=external_url("coordination.contact"),
        )
        with write_transaction():
            for address in recipients:
                send_mail(address, _("Courage Hub: the week in the network"), body, kind="digest", region_id=region_id)
        sent += len(recipients)
    return sent
