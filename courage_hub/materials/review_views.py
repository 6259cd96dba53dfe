"""The review queue of the regional offices (/koordination/pruefung): approve or return a material, hide and show it
again, and deal with problem reports."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access.policy import can_review_material, can_review_materials
from ..access.scope import staff_region_ids
from ..core.permissions import permitted_or_404, require
from . import moderation, services
from .forms import HideForm, ResolveForm, ReviewForm
from .models import Material, MaterialState
from .moderation import CHECKLIST
from .vocab import LICENCES, REPORT_REASONS

bp = Blueprint("material_review", __name__, url_prefix="/koordination/pruefung")


def _reviewable_or_404(material_id: int) -> Material:
    """A material of the staff member's own regions; any other is not found."""
    return permitted_or_404(services.get_material(material_id), can_review_material)


@bp.get("/")
@require(can_review_materials)
def queue():
    """Materials waiting for review and open problem reports of the staff member's regions."""
    region_ids = staff_region_ids(current_user)
    return render_template(
        "materials/review_queue.html",
        materials=moderation.review_queue(region_ids),
        assumed=moderation.assumed_licences(region_ids),
        reports=moderation.open_reports(region_ids),
        reasons=REPORT_REASONS,
        resolve_form=ResolveForm(),
    )


@bp.route("/<int:material_id>", methods=["GET", "POST"])
@require(can_review_materials)
def review(material_id: int):
    """Approve a material after the checklist, or return it with a reason."""
    material = _reviewable_or_404(material_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if form.decision.data == "approve":
            missing = [key for key, _label in CHECKLIST if not getattr(form, f"check_{key}").data]
            if missing:
                form.form_errors.append(_("Please confirm every point of the checklist before approving."))
            else:
                moderation.approve(material, current_user)
                flash(_("“%(title)s” is published.", title=material.title), "success")
                return redirect(url_for("material_review.queue"))
        elif not (form.reason.data or "").strip():
            form.reason.errors.append(_("Please tell the author what to change."))
        else:
            moderation.reject(material, current_user, form.reason.data)
            flash(_("“%(title)s” has been returned to the author.", title=material.title), "success")
            return redirect(url_for("material_review.queue"))
    return render_template(
        "materials/review.html",
        material=material,
        form=form,
        checklist=[(getattr(form, f"check_{key}"), label) for key, label in CHECKLIST],
        licence=LICENCES.get(material.licence),
        link_domain=urlsplit(material.link_url).hostname if material.link_url else None,
    )


@bp.post("/<int:material_id>/ausblenden")
@require(can_review_materials)
def hide(material_id: int):
    """Hide a material at once, e.g. after a problem report."""
    material = _reviewable_or_404(material_id)
    form = HideForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(url_for("materials.detail", material_id=material.id))
    moderation.hide(material, form.reason.data)
    flash(_("The material is hidden."), "success")
    return redirect(url_for("material_review.queue"))


@bp.post("/<int:material_id>/einblenden")
@require(can_review_materials)
def unhide(material_id: int):
    """Show a hidden material again."""
    material = _reviewable_or_404(material_id)
    if material.state != MaterialState.HIDDEN:
        abort(404)
    moderation.unhide(material)
    flash(_("The material is public again."), "success")
    return redirect(url_for("materials.detail", material_id=material.id))


@bp.post("/meldungen/<int:report_id>/erledigt")
@require(can_review_materials)
def resolve(report_id: int):
    """Mark a problem report as dealt with."""
    report = moderation.get_report(report_id)
    if report is None or not can_review_material(current_user, report.material):
        abort(404)
    form = ResolveForm()
    if form.validate_on_submit():
        moderation.resolve_report(report, current_user, form.resolution.data or "")
        flash(_("The report is marked as dealt with."), "success")
    return redirect(url_for("material_review.queue"))
