"""The partner's own area (/partnerbereich): its entries and offers with their states, and changes it proposes.

Only accounts of the partner get here; everything they change waits for the keeping region's review. Another
partner's entries are not found (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.permissions import require
from ..extensions import db
from . import proposals, services
from .forms import OfferForm, PartnerFieldsForm, set_region_choices
from .models import Offer, OfferState, Partner
from .policy import can_propose_changes, can_use_partner_area, keeps_partner, kept_partner_ids

bp = Blueprint("partner_area", __name__, url_prefix="/partnerbereich")


def _own_partner_or_404(partner_id: int) -> Partner:
    partner = services.get_partner(partner_id) if keeps_partner(current_user, partner_id) else None
    if partner is None:
        abort(404)
    return partner


def _own_offer_or_404(offer_id: int) -> Offer:
    offer = services.get_offer(offer_id)
    if offer is None or not keeps_partner(current_user, offer.partner_id):
        abort(404)
    return offer


def _refuse_if_archived(partner: Partner):
    """An archived partner's entries are not changed from the area (its office lists it again first)."""
    if can_propose_changes(current_user, partner):
        return None
    flash(_("This entry is archived. Please contact your regional office."), "error")
    return redirect(url_for("partner_area.index"))


@bp.get("/")
@require(can_use_partner_area)
def index():
    """The account's partner(s): the entry, pending changes and returns, every offer with its state."""
    ids = kept_partner_ids(current_user)
    partners = db.session.scalars(
        select(Partner).where(Partner.id.in_(sorted(ids))).options(selectinload(Partner.topics)).order_by(Partner.name)
    ).all()
    offers: dict[int, list[Offer]] = {}
    for offer in services.offers_of(ids):
        offers.setdefault(offer.partner_id, []).append(offer)
    return render_template("partners/area/index.html", partners=partners, offers=offers)


@bp.route("/profil/<int:partner_id>", methods=["GET", "POST"])
@require(can_use_partner_area)
def profile(partner_id: int):
    """Propose changes to the partner's entry; the live entry stays until the region approves."""
    partner = _own_partner_or_404(partner_id)
    refused = _refuse_if_archived(partner)
    if refused:
        return refused
    form = PartnerFieldsForm()
    set_region_choices(form)
    if request.method == "GET":
        form.fill(partner.proposal if proposals.has_proposal(partner) else services.partner_values(partner))
    if form.validate_on_submit():
        proposals.propose_partner_changes(partner, current_user, form.values())
        flash(_("Thank you: your changes go to your regional office for review."), "success")
        return redirect(url_for("partner_area.index"))
    return render_template("partners/area/profile.html", form=form, partner=partner)


@bp.route("/angebote/neu", methods=["GET", "POST"])
@require(can_use_partner_area)
def new_offer():
    """Enter a new offer; it is published once the region has reviewed it."""
    ids = sorted(kept_partner_ids(current_user))
    wanted = request.args.get("partner", "")
    partner_id = int(wanted) if wanted.isascii() and wanted.isdigit() and len(wanted) < 10 else ids[0]
    partner = _own_partner_or_404(partner_id)
    refused = _refuse_if_archived(partner)
    if refused:
        return refused
    form = OfferForm()
    if form.validate_on_submit():
        offer = proposals.submit_offer(partner, current_user, form.values())
        flash(_("Thank you: “%(title)s” goes to your regional office for review.", title=offer.title), "success")
        return redirect(url_for("partner_area.index"))
    return render_template("partners/area/offer_form.html", form=form, partner=partner, offer=None)


@bp.route("/angebote/<int:offer_id>", methods=["GET", "POST"])
@require(can_use_partner_area)
def edit_offer(offer_id: int):
    """Change an offer: a published one keeps its text until the region approves; one in review or returned is
    changed at once and goes (back) to review."""
    offer = _own_offer_or_404(offer_id)
    refused = _refuse_if_archived(offer.partner)
    if refused:
        return refused
    if offer.state == OfferState.ARCHIVED:
        flash(_("This offer is no longer offered. Please enter it anew or contact your regional office."), "error")
        return redirect(url_for("partner_area.index"))
    form = OfferForm()
    if request.method == "GET":
        pending = proposals.has_proposal(offer)
        form.fill(proposals.proposed_offer_values(offer) if pending else services.offer_values(offer))
    if form.validate_on_submit():
        proposals.propose_offer_changes(offer, current_user, form.values())
        flash(_("Thank you: your changes go to your regional office for review."), "success")
        return redirect(url_for("partner_area.index"))
    return render_template("partners/area/offer_form.html", form=form, partner=offer.partner, offer=offer)
