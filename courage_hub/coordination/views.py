"""The KI's pages: dashboard and the queue of registrations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..core.pagination import page_count, requested_page
from ..core.permissions import can_review_registrations, can_use_coordination, require
from ..extensions import db
from ..schools import services as school_services
from ..schools.forms import ConfirmForm, RejectForm
from ..schools.models import STATUS_LABELS, STATUS_ORDER, Approval, School, SchoolStatus

bp = Blueprint("coordination", __name__, url_prefix="/koordination")
KI_PER_PAGE = 50


@bp.get("/")
@require(can_use_coordination)
def dashboard():
    """Key figures of the Kreis network for KI staff."""
    rows = db.session.execute(
        select(School.status, func.count()).where(School.approval == Approval.APPROVED).group_by(School.status)
    ).all()
    counts = dict(rows)
    ordered = [(status, counts.get(status, 0)) for status in (*STATUS_ORDER, SchoolStatus.AUSGETRETEN)]
    pending = db.session.scalar(select(func.count()).where(School.approval == Approval.PENDING))
    flagged = db.session.scalars(
        select(School).where(School.needs_contact.is_(True), School.approval == Approval.APPROVED).order_by(School.name)
    ).all()
    return render_template("coordination/dashboard.html", counts=ordered, pending=pending, flagged=flagged)


@bp.get("/schulen")
@require(can_review_registrations)
def schools():
    """Every registered school of the Kreis, including those not public, with links to their internal pages."""
    filters = school_services.DirectoryFilter(
        q=request.args.get("q", "").strip()[:100],
        municipality=request.args.get("gemeinde", ""),
        status=request.args.get("status", ""),
    )
    page = requested_page()
    rows, total = school_services.directory_page(filters, page, KI_PER_PAGE, internal=True)
    return render_template(
        "coordination/schools.html",
        schools=rows,
        total=total,
        page=page,
        pages=page_count(total, KI_PER_PAGE),
        filters=filters,
        municipalities=[(m, m) for m in school_services.kreis_municipalities()],
        statuses=[(s.value, STATUS_LABELS[s]) for s in SchoolStatus],
    )


@bp.get("/registrierungen")
@require(can_review_registrations)
def registrations():
    """The queue of pending school registrations."""
    return render_template(
        "coordination/registrations.html",
        schools=school_services.pending_registrations(),
        confirm_form=ConfirmForm(),
    )


def _pending_or_404(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None or school.approval != Approval.PENDING:
        abort(404)
    return school


@bp.post("/registrierungen/<int:school_id>/freigeben")
@require(can_review_registrations)
def approve(school_id: int):
    """Approve a registration: the school becomes visible and its coordinator is told by mail."""
    school = _pending_or_404(school_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    school_services.approve_registration(school, current_user)
    flash(_("%(school)s has been approved.", school=school.name), "success")
    return redirect(url_for("coordination.registrations"))


@bp.route("/registrierungen/<int:school_id>/ablehnen", methods=["GET", "POST"])
@require(can_review_registrations)
def reject(school_id: int):
    """Reject a registration with a reason that is mailed to the registrant."""
    school = _pending_or_404(school_id)
    form = RejectForm()
    if form.validate_on_submit():
        school_services.reject_registration(school, current_user, form.reason.data)
        flash(_("The registration of %(school)s has been rejected.", school=school.name), "success")
        return redirect(url_for("coordination.registrations"))
    return render_template("coordination/reject.html", school=school, form=form)
