"""The staff's review of what a partner's account proposed (/koordination/partner/pruefung/…): the live entry and the
proposal side by side; approve (applied or published at once) or return with a reason that the partner gets by mail.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.permissions import require
from . import proposals, services
from .forms import ReviewForm
from .policy import can_manage_partners
from .staff_views import bp, offer_or_404, partner_or_404


def _outdated() -> None:
    flash(_("The partner changed the proposal while you were looking at it. Please look at it again."), "error")


@bp.route("/pruefung/<int:partner_id>", methods=["GET", "POST"])
@require(can_manage_partners)
def review_partner(partner_id: int):
    """Approve or return the profile changes a partner's account proposed."""
    partner = partner_or_404(partner_id)
    here = url_for("partner_staff.review_partner", partner_id=partner_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if not proposals.has_proposal(partner):
            flash(_("Nothing of this partner waits for review."), "info")
            return redirect(url_for("partner_staff.index"))
        try:
            if form.decision.data == "approve":
                proposals.approve_partner(partner, current_user, form.stamp.data)
                flash(_("The changes to “%(name)s” are published.", name=partner.name), "success")
            else:
                proposals.return_partner(partner, current_user, form.stamp.data, form.reason.data)
                flash(_("The changes have been returned to the partner with your reason."), "success")
        except proposals.ReviewOutdated:
            _outdated()
            return redirect(here)
        return redirect(url_for("partner_staff.index"))
    form.stamp.data = proposals.stamp(partner)
    rows = []
    if proposals.has_proposal(partner):
        live = services.partner_values(partner)
        rows = proposals.changes(proposals.PARTNER_LABELS, live, partner.proposal or {})
    return render_template("partners/staff/review.html", form=form, partner=partner, offer=None, rows=rows, new=False)


@bp.route("/pruefung/angebote/<int:offer_id>", methods=["GET", "POST"])
@require(can_manage_partners)
def review_offer(offer_id: int):
    """Publish a new offer a partner's account entered, or apply its changes to a published one; or return it."""
    offer = offer_or_404(offer_id)
    here = url_for("partner_staff.review_offer", offer_id=offer_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if not proposals.is_waiting(offer):
            flash(_("Nothing of this offer waits for review."), "info")
            return redirect(url_for("partner_staff.index"))
        try:
            if form.decision.data == "approve":
                proposals.approve_offer(offer, current_user, form.stamp.data)
                flash(_("“%(title)s” is published.", title=offer.title), "success")
            else:
                proposals.return_offer(offer, current_user, form.stamp.data, form.reason.data)
                flash(_("The offer has been returned to the partner with your reason."), "success")
        except proposals.ReviewOutdated:
            _outdated()
            return redirect(here)
        return redirect(url_for("partner_staff.index"))
    form.stamp.data = proposals.stamp(offer)
    rows, new = [], offer.state.value == "review"
    if proposals.is_waiting(offer):
        live = {} if new else services.offer_values(offer)
        shown = services.offer_values(offer) if new else proposals.proposed_offer_values(offer)
        rows = proposals.changes(proposals.OFFER_LABELS, live, shown)
    return render_template(
        "partners/staff/review.html", form=form, partner=offer.partner, offer=offer, rows=rows, new=new
    )
