"""The regional staff's partner pages (/koordination/partner): their regions' partners, new and edited partners and
offers, archiving, and the partner's accounts. Another region's partner or offer is not found (404).

The review of what a partner's account proposed is in ``review_views.py`` (same blueprint).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access.scope import staff_region_ids
from ..auth.models import User
from ..core.db import EditConflict, parse_version
from ..core.images import ImageRejected, reencode_image
from ..core.permissions import permitted_or_404, require
from ..core.schoolyear import local_today
from ..core.uploads import PendingUploads
from ..extensions import db
from ..regions.models import Region
from . import accounts, proposals, services
from .forms import ButtonForm, InviteForm, OfferForm, PartnerForm, set_region_choices
from .models import Offer, Partner, PartnerMember
from .policy import can_manage_partner, can_manage_partners

bp = Blueprint("partner_staff", __name__, url_prefix="/koordination/partner")
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = (400, 400)


def partner_or_404(partner_id: int) -> Partner:
    """A partner kept by one of the staff member's regions; any other is not found."""
    return permitted_or_404(services.get_partner(partner_id), can_manage_partner)


def offer_or_404(offer_id: int) -> Offer:
    """An offer of a partner kept by one of the staff member's regions (its partner loaded)."""
    offer = services.get_offer(offer_id)
    if offer is None or not can_manage_partner(current_user, offer.partner):
        abort(404)
    return offer


def _office_choices() -> list[SelectChoice]:
    ids = sorted(staff_region_ids(current_user) or ())
    regions = db.session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.name))
    return [SelectChoice(region.id, region.name) for region in regions]


def _logo(form: PartnerForm, kept: PendingUploads) -> bytes | None:
    """The chosen logo re-encoded as PNG (kept across failed submits); errors go to the logo field."""
    if kept.errors:
        form.logo.errors = [*form.logo.errors, *kept.errors.get("", [])]
    if not kept.files:
        return None
    upload = kept.open(kept.files[0])
    try:
        return reencode_image(upload.read(), name=upload.filename, max_size=LOGO_SIZE, max_bytes=LOGO_MAX_BYTES)
    except ImageRejected as rejected:
        form.logo.errors = [*form.logo.errors, rejected.message]
        kept.discard()  # it would be refused again
        return None


def _kept_logo(form: PartnerForm) -> PendingUploads:
    kept = PendingUploads("partner-logo", max_bytes=LOGO_MAX_BYTES, limit=1)
    if form.logo.data and getattr(form.logo.data, "filename", ""):
        kept.replace([form.logo.data])
    return kept


def conflict_page(kind: str, saved: dict, form, edit_url: str, **context):
    """The 409 page of an edit that someone else's save overtook: both versions side by side, the form again."""
    labels = proposals.PARTNER_LABELS if kind == "partner" else proposals.OFFER_LABELS
    rows = proposals.changes(labels, saved, form.values())
    context.update(kind=kind, rows=rows, form=form, edit_url=edit_url)
    return render_template("partners/staff/conflict.html", **context), 409


@bp.get("/")
@require(can_manage_partners)
def index():
    """The partners of the staff member's regions with their offers and accounts, and what waits for review."""
    waiting_partners, waiting_offers = services.review_queue(current_user)
    return render_template(
        "partners/staff/index.html",
        rows=services.staff_partners(current_user, local_today()),
        waiting_partners=waiting_partners,
        waiting_offers=waiting_offers,
        several_offices=len(staff_region_ids(current_user) or ()) > 1,
    )


@bp.route("/neu", methods=["GET", "POST"])
@require(can_manage_partners)
def create():
    """A new partner kept by one of the staff member's regions."""
    form = PartnerForm()
    form.region.choices = _office_choices()
    set_region_choices(form)
    if not form.region.choices:
        abort(403)
    if request.method == "GET":
        form.region.data = form.region.choices[0].value
        form.regions.data = [form.region.choices[0].value]  # it serves its own region, unless said otherwise
    elif len(form.region.choices) == 1:
        form.region.data = form.region.choices[0].value  # one office: shown as text, not sent
    kept = _kept_logo(form)
    valid = form.validate_on_submit()
    logo_png = _logo(form, kept) if valid else None
    if valid and not form.logo.errors:
        partner = services.create_partner(current_user, form.region.data, form.values(), logo_png=logo_png)
        kept.discard()
        flash(_("“%(name)s” has been saved. Add its offers now.", name=partner.name), "success")
        return redirect(url_for("partner_staff.edit", partner_id=partner.id))
    return render_template("partners/staff/partner_form.html", form=form, partner=None, kept=kept)


@bp.route("/<int:partner_id>", methods=["GET", "POST"])
@require(can_manage_partners)
def edit(partner_id: int):
    """Edit a partner (the logo too); the page also lists its offers and accounts."""
    partner = partner_or_404(partner_id)
    form = PartnerForm()
    form.region.choices = [SelectChoice(partner.region_id, "")]
    form.region.data = partner.region_id  # a partner stays with its office
    set_region_choices(form)
    if request.method == "GET":
        form.fill(services.partner_values(partner))
        form.version.data = partner.version
    kept = _kept_logo(form)
    valid = form.validate_on_submit()
    logo_png = _logo(form, kept) if valid else None
    if valid and not form.logo.errors:
        try:
            services.update_partner(
                partner,
                current_user,
                form.values(),
                parse_version(form.version.data),
                logo_png=logo_png,
                remove_logo=bool(form.remove_logo.data),
            )
        except EditConflict:
            partner = services.get_partner(partner_id, fresh=True)
            form.version.data = partner.version
            return conflict_page(
                "partner",
                services.partner_values(partner),
                form,
                url_for("partner_staff.edit", partner_id=partner_id),
                partner=partner,
                kept=kept,
                office=office_name(partner),
            )
        kept.discard()
        flash(_("“%(name)s” has been saved.", name=form.name.data.strip()), "success")
        return redirect(url_for("partner_staff.edit", partner_id=partner_id))
    return _partner_page(partner, form, kept=kept)


def _partner_page(partner: Partner, form: PartnerForm, *, kept=None, invite_form=None, status: int = 200):
    page = render_template(
        "partners/staff/partner_form.html",
        form=form,
        partner=partner,
        kept=kept or PendingUploads("partner-logo", max_bytes=LOGO_MAX_BYTES, limit=1),
        offers=services.offers_of([partner.id]),
        accounts=accounts.accounts_of(partner.id),
        invite_form=invite_form or InviteForm(prefix="invite", formdata=None),
        button=ButtonForm(),
        has_proposal=proposals.has_proposal(partner),
        office=office_name(partner),
    )
    return page, status


def office_name(partner: Partner) -> str:
    region = db.session.get(Region, partner.region_id)
    return region.name if region is not None else ""


@bp.post("/<int:partner_id>/archivieren")
@require(can_manage_partners)
def archive(partner_id: int):
    """Archive a partner: its pages and offers leave the public lists; nothing is deleted."""
    partner = partner_or_404(partner_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if services.set_archived(partner, current_user, True):
        flash(_("“%(name)s” is archived and no longer shown.", name=partner.name), "success")
    else:
        flash(_("“%(name)s” is already archived.", name=partner.name), "info")
    return redirect(url_for("partner_staff.edit", partner_id=partner_id))


@bp.post("/<int:partner_id>/reaktivieren")
@require(can_manage_partners)
def reactivate(partner_id: int):
    """List an archived partner again."""
    partner = partner_or_404(partner_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if services.set_archived(partner, current_user, False):
        flash(_("“%(name)s” is listed again.", name=partner.name), "success")
    else:
        flash(_("“%(name)s” is not archived.", name=partner.name), "info")
    return redirect(url_for("partner_staff.edit", partner_id=partner_id))


@bp.route("/<int:partner_id>/angebote/neu", methods=["GET", "POST"])
@require(can_manage_partners)
def new_offer(partner_id: int):
    """A new offer of the partner, published at once."""
    partner = partner_or_404(partner_id)
    form = OfferForm()
    if form.validate_on_submit():
        offer = services.create_offer(partner, current_user, form.values())
        flash(_("“%(title)s” is published.", title=offer.title), "success")
        return redirect(url_for("partner_staff.edit", partner_id=partner_id, _anchor="offers"))
    return render_template("partners/staff/offer_form.html", form=form, partner=partner, offer=None)


@bp.route("/angebote/<int:offer_id>", methods=["GET", "POST"])
@require(can_manage_partners)
def edit_offer(offer_id: int):
    """Edit an offer; one that is not published can be published with the same save."""
    offer = offer_or_404(offer_id)
    form = OfferForm()
    if request.method == "GET":
        form.fill(services.offer_values(offer))
        form.version.data = offer.version
    if form.validate_on_submit():
        publish = request.form.get("action") == "publish"
        try:
            services.update_offer(offer, current_user, form.values(), parse_version(form.version.data), publish=publish)
        except EditConflict:
            offer = services.get_offer(offer_id, fresh=True)
            form.version.data = offer.version
            url = url_for("partner_staff.edit_offer", offer_id=offer_id)
            return conflict_page("offer", services.offer_values(offer), form, url, offer=offer, partner=offer.partner)
        flash(_("“%(title)s” has been saved.", title=form.title.data.strip()), "success")
        return redirect(url_for("partner_staff.edit", partner_id=offer.partner_id, _anchor="offers"))
    return render_template(
        "partners/staff/offer_form.html",
        form=form,
        partner=offer.partner,
        offer=offer,
        has_proposal=proposals.is_waiting(offer),
    )


@bp.post("/angebote/<int:offer_id>/archivieren")
@require(can_manage_partners)
def archive_offer(offer_id: int):
    """Take an offer off the list ("no longer offered")."""
    offer = offer_or_404(offer_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if services.archive_offer(offer, current_user):
        flash(_("“%(title)s” is no longer offered.", title=offer.title), "success")
    else:
        flash(_("“%(title)s” is already archived.", title=offer.title), "info")
    return redirect(url_for("partner_staff.edit", partner_id=offer.partner_id, _anchor="offers"))


@bp.post("/<int:partner_id>/einladen")
@require(can_manage_partners)
def invite(partner_id: int):
    """Give a person at the partner an account to keep its entries; they get a mail to choose a password."""
    partner = partner_or_404(partner_id)
    invite_form = InviteForm(prefix="invite")
    if invite_form.validate_on_submit():
        try:
            created = accounts.invite_account(partner, current_user, invite_form.name.data, invite_form.email.data)
        except accounts.AccountRefused as refused:
            invite_form.email.errors.append(refused.message)
        else:
            if created:
                flash(_("The invitation has been sent to %(email)s.", email=invite_form.email.data), "success")
            else:
                flash(_("The existing account now also keeps “%(name)s”.", name=partner.name), "success")
            return redirect(url_for("partner_staff.edit", partner_id=partner_id, _anchor="accounts"))
    form = PartnerForm(formdata=None)
    set_region_choices(form)
    form.fill(services.partner_values(partner))
    form.version.data = partner.version
    return _partner_page(partner, form, invite_form=invite_form)


@bp.post("/<int:partner_id>/konten/<int:user_id>/entfernen")
@require(can_manage_partners)
def remove_account(partner_id: int, user_id: int):
    """Take an account off the partner (deleted if it keeps no other partner)."""
    partner = partner_or_404(partner_id)
    member = db.session.scalar(
        select(PartnerMember).where(PartnerMember.partner_id == partner.id, PartnerMember.user_id == user_id)
    )
    account = db.session.get(User, user_id) if member is not None else None
    if account is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if accounts.remove_account(partner, account, current_user):
        flash(_("The account of %(name)s has been deleted.", name=account.name), "success")
    else:
        flash(_("%(name)s no longer keeps this partner's entries.", name=account.name), "success")
    return redirect(url_for("partner_staff.edit", partner_id=partner_id, _anchor="accounts"))
