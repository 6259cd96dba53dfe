"""The weekly digest for KI staff: new registrations, new reports, open reviews, schools that need contact.

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
from ..auth.models import Role, User
from ..core.db import utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..extensions import db
from ..schools.models import Approval, School
from .services import contact_rule, open_queues


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


def build_digest(days: int = 7, now: datetime | None = None) -> Digest:
    now = now or utcnow()
    since = now - timedelta(days=days)
    registrations = list(
        db.session.scalars(
            select(School)
            .where(School.created_at >= since, School.approval != Approval.REJECTED)
            .order_by(School.created_at)
        )
    )
    new_reports = (Activity.state == ActivityState.PUBLISHED, Activity.published_at >= since)
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
    pending, review, problems = open_queues()
    contact = db.session.scalar(select(func.count(School.id)).where(contact_rule(now).condition())) or 0
    return Digest(since, registrations, reports, count, pending, review, problems, contact)


def send_digest(days: int = 7) -> int:
    """Mail the digest to every active KI staff account; returns how many mails went out."""
    digest = build_digest(days)
    recipients = db.session.scalars(
        select(User).where(User.role == Role.KI_STAFF, User.is_active.is_(True), User.email_confirmed_at.isnot(None))
    ).all()
    body = render_template(
        "coordination/mail/digest.txt",
        digest=digest,
        days=days,
        dashboard=external_url("coordination.dashboard"),
        contact=external_url("coordination.contact"),
    )
    with write_transaction():
        for user in recipients:
            send_mail(user.email, _("Courage Hub: the week in the network"), body, kind="digest")
    return len(recipients)
