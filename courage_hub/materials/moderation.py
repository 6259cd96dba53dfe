"""Review and moderation of materials by the regional offices: the queue, approving and returning, hiding, and the
problem reports that anyone can send."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access.scope import RegionIds, within
from ..auth.models import User
from ..core import audit
from ..core.db import utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..extensions import db
from ..regions.services import staff_emails
from .models import Material, MaterialReport, MaterialState
from .vocab import REPORT_REASONS

CHECKLIST = (
    ("no_pupils", _l("No identifiable pupils without consent (photos, names)")),
    ("framing", _l("Content hostile to groups of people only within an educational framing")),
    ("licence", _l("The licence is plausible (own work or sharing that is allowed)")),
    ("works", _l("The file opens or the link works")),
)


def approve(material: Material, reviewer: User) -> None:
    """Publish a material after the checklist; records who approved it and when."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.PUBLISHED, ""
        material.reviewed_by_id, material.reviewed_at = reviewer.id, utcnow()
        material.published_at = material.published_at or utcnow()
        audit.record(
            "material.approve",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "checklist": ", ".join(key for key, _label in CHECKLIST)},
        )
        _mail_author(
            material,
            _("Courage Hub: your material has been published"),
            "materials/mail/approved.txt",
            "material_approved",
            link=external_url("materials.detail", material_id=material.id),
        )


def reject(material: Material, reviewer: User, reason: str) -> None:
    """Send a material back to its author with a reason they see."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.REJECTED, reason.strip()
        material.reviewed_by_id, material.reviewed_at = reviewer.id, utcnow()
        audit.record(
            "material.reject",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "reason": material.review_reason},
        )
        _mail_author(
            material,
            _("Courage Hub: your material needs changes"),
            "materials/mail/returned.txt",
            "material_returned",
            link=external_url("materials.edit", material_id=material.id),
            reason=material.review_reason,
        )


def _mail_author(material: Material, subject: str, template: str, kind: str, **values: str) -> None:
    """Tell the material's author (if the account still exists and is active) about the review's outcome."""
    author = db.session.get(User, material.author_id) if material.author_id else None
    if author is None or not author.is_active:
        return
    body = render_template(template, user=author, material=material, **values)
    send_mail(author.email, subject, body, kind=kind, region_id=material.region_id)


def hide(material: Material, reason: str) -> None:
    """Take a public material offline at once (e.g. after a problem report)."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.HIDDEN, reason.strip()
        audit.record(
            "material.hide",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "reason": material.review_reason},
        )


def unhide(material: Material) -> None:
    with write_transaction():
        material.state, material.review_reason = MaterialState.PUBLISHED, ""
        audit.record("material.unhide", material, summary=material.title, after={"state": material.state})


def report_problem(material: Material, reason: str, text: str) -> MaterialReport:
    with write_transaction():
        report = MaterialReport(material_id=material.id, reason=reason, text=text.strip())
        db.session.add(report)
        _mail_ki_about_report(material, reason, text.strip())
    return report


def _mail_ki_about_report(material: Material, reason: str, text: str) -> None:
    """Tell every KI staff account about a problem report at once: a reported material may need hiding quickly."""
    body = render_template(
        "materials/mail/problem_report.txt",
        material=material,
        reason=REPORT_REASONS.get(reason, reason),
        text=text,
        material_link=external_url("materials.detail", material_id=material.id),
        queue_link=external_url("material_review.queue"),
    )
    subject = _("Courage Hub: problem reported with “%(title)s”", title=" ".join(material.title.split()))
    for address in staff_emails(material.region_id):
        send_mail(address, subject, body, kind="material_report", region_id=material.region_id)


def resolve_report(report: MaterialReport, user: User, resolution: str) -> None:
    with write_transaction():
        report.resolved_at, report.resolved_by_id, report.resolution = utcnow(), user.id, resolution.strip()[:500]
        audit.record("material_report.resolve", report, summary=report.resolution, region_id=report.material.region_id)


def get_report(report_id: int) -> MaterialReport | None:
    """A problem report with its material (whose region decides who may resolve it)."""
    return db.session.scalar(
        select(MaterialReport).where(MaterialReport.id == report_id).options(joinedload(MaterialReport.material))
    )


def review_queue(region_ids: RegionIds) -> list[Material]:
    """Materials waiting for review by the offices of ``region_ids`` (see access/scope.py)."""
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.state == MaterialState.REVIEW, within(Material.region_id, region_ids))
            .options(joinedload(Material.school), joinedload(Material.author))
            .order_by(Material.updated_at.asc(), Material.id.asc())
        )
    )


def assumed_licences(region_ids: RegionIds) -> list[Material]:
    """Materials of ``region_ids`` whose licence was filled in because they had none: the KI asks their authors."""
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.licence_assumed.is_(True), within(Material.region_id, region_ids))
            .options(joinedload(Material.school), joinedload(Material.author))
            .order_by(Material.id.asc())
        )
    )


def open_reports(region_ids: RegionIds) -> list[MaterialReport]:
    """Unresolved problem reports about materials of ``region_ids``."""
    return list(
        db.session.scalars(
            select(MaterialReport)
            .join(Material, Material.id == MaterialReport.material_id)
            .where(MaterialReport.resolved_at.is_(None), within(Material.region_id, region_ids))
            .options(joinedload(MaterialReport.material))
            .order_by(MaterialReport.created_at.asc())
        )
    )
