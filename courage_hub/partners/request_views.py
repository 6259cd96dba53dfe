"""Requests for an offer: a coordinator asks on the offer's page and follows the school's requests; the partner's
accounts answer in their inbox; the request's page carries the actions each side may take (answer, carried out,
withdraw, write the report). A request is found only by those who may see it (404 for everyone else)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access.policy import can_view_activity, is_coordinator, is_member_of
from ..activities.services import get_activity
from ..core.db import EditConflict, parse_version
from ..core.permissions import require
from ..core.schoolyear import local_today
from ..extensions import db
from ..schools.models import School
from . import policy
from . import requests as services
from .models import Offer, OfferRequest, Partner, RequestStatus
from .request_forms import AnswerForm, RequestActionForm, RequestForm

bp = Blueprint("offer_requests", __name__)
AREA_BOX_ENTRIES = 10


def _status_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in RequestStatus]


def _status_filter() -> RequestStatus | None:
    value = request.args.get("status", "")
    return RequestStatus(value) if value in {s.value for s in RequestStatus} else None


def _visible_or_404(request_id: int) -> tuple[OfferRequest, School]:
    """The request and its school, if the signed-in person may see it; 404 otherwise."""
    found = services.get_request(request_id)
    if found is None or not policy.can_view_request(current_user, found, found.school):
        abort(404)
    return found, found.school


def _detail_url(found: OfferRequest) -> str:
    return url_for("offer_requests.detail", request_id=found.id)


def _offer_url(offer: Offer) -> str | None:
    """The public offer page, where the public pages exist."""
    return url_for("offers.detail", offer_id=offer.id) if "offers.detail" in current_app.view_functions else None


# --- template helpers (the offer page's request box, the partner area's box) ----------------------------------


def offer_request_box(offer: Offer) -> dict[str, Any]:
    """What the offer page shows about asking for it: ``kind`` is "anonymous" (sign in first), "coordinator" (with
    ``schools`` it may ask for and their ``open`` requests), "not_served" or "" (nothing to show)."""
    partner = db.session.get(Partner, offer.partner_id)
    if not offer.is_current(local_today()) or partner is None or partner.archived_at is not None:
        return {"kind": ""}
    if not current_user.is_authenticated:
        return {"kind": "anonymous"}
    if not policy.can_request_offers(current_user):
        return {"kind": ""}
    schools = services.schools_served(current_user, offer)
    if not schools:
        return {"kind": "not_served"}
    opened = services.open_requests([s.id for s in schools], offer.id)
    return {"kind": "coordinator", "schools": schools, "open": opened, "all_asked": len(opened) == len(schools)}


def partner_request_box() -> dict[str, Any]:
    """The newest requests to the signed-in account's partners (open ones first) and how many are open."""
    ids = policy.kept_partner_ids(current_user)
    return {
        "requests": services.requests_to_partners(ids, limit=AREA_BOX_ENTRIES),
        "open": services.count_open_to_partners(ids),
    }


@bp.app_context_processor
def _request_helpers() -> dict[str, Any]:
    return {
        "offer_request_box": offer_request_box,
        "partner_request_box": partner_request_box,
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,  # link only to pages that exist
    }


# --- asking ----------------------------------------------------------------------------------------------------


@bp.route("/angebote/<int:offer_id>/anfragen", methods=["GET", "POST"])
@login_required
def new(offer_id: int):
    """Ask for an offer on behalf of one of the own schools that the partner serves."""
    offer = services.current_offer(offer_id)
    if offer is None:
        abort(404)
    partner = offer.partner  # loaded with the offer; after a commit or rollback only its columns can be read again
    if not policy.can_request_offers(current_user):
        abort(403)
    schools = services.schools_served(current_user, offer)
    if not schools:
        abort(403)
    opened = services.open_requests([s.id for s in schools], offer.id)
    form = RequestForm()
    form.school.choices = [SelectChoice(str(s.id), s.name) for s in schools]
    if len(schools) == 1:
        form.school.data = str(schools[0].id)
    existing_id = None
    if form.validate_on_submit():
        school = next(s for s in schools if str(s.id) == form.school.data)
        data = services.RequestData(
            preferred_dates=form.preferred_dates.data or "",
            group_size=form.group_size.data,
            grade=form.grade.data or "",
            note=form.note.data or "",
        )
        try:
            created = services.create_request(offer, school, current_user, data)
        except services.RequestRefused as refused:
            form.form_errors.append(refused.message)
            existing_id = refused.existing_id
        else:
            flash(_("Your request has been sent to %(partner)s.", partner=partner.name), "success")
            return redirect(_detail_url(created))
    return render_template(
        "partners/requests/new.html",
        offer=offer,
        partner=partner,
        offer_url=_offer_url(offer),
        schools=schools,
        opened=opened,
        form=form,
        existing_id=existing_id,
    )


@bp.get("/anfragen/")
@require(is_coordinator)
def mine():
    """The requests of the coordinator's schools, open ones first."""
    status = _status_filter()
    found = services.requests_of_schools(policy.coordinator_school_ids(current_user), status)
    return render_template("partners/requests/mine.html", requests=found, status=status, statuses=_status_choices())


@bp.get("/partnerbereich/anfragen")
@require(policy.can_use_partner_area)
def inbox():
    """The requests addressed to the account's partners (and no other), open ones first, filtered by status."""
    status = _status_filter()
    partner_ids = policy.kept_partner_ids(current_user)
    return render_template(
        "partners/requests/inbox.html",
        requests=services.requests_to_partners(partner_ids, status),
        status=status,
        statuses=_status_choices(),
        show_partner=len(partner_ids) > 1,
    )


# --- one request ---------------------------------------------------------------------------------------------


def _page(found: OfferRequest, school: School, answer_form: AnswerForm | None = None) -> str:
    """The request's page with the forms of the actions the signed-in person may take."""
    if answer_form is None:
        answer_form = AnswerForm(formdata=None)
    answer_form.version.data = found.version
    action_form = RequestActionForm(formdata=None)
    action_form.version.data = found.version
    report = get_activity(found.activity_id) if found.activity_id else None
    return render_template(
        "partners/requests/detail.html",
        req=found,
        school=school,
        offer=found.offer,
        partner=found.partner,
        offer_url=_offer_url(found.offer),
        requester=services.requester_name(found),
        answer_form=answer_form,
        action_form=action_form,
        report=report if report is not None and can_view_activity(current_user, report) else None,
        on_behalf=not policy.keeps_partner(current_user, found.partner_id),
    )


@bp.get("/anfragen/<int:request_id>")
@login_required
def detail(request_id: int):
    """A request: what the school wishes, its state and history, the partner's note, and the possible actions."""
    found, school = _visible_or_404(request_id)
    return _page(found, school)


def _conflict(found: OfferRequest, school: School, typed: str = ""):
    """Someone else changed the request since the page was opened: nothing is saved, the current state is shown."""
    db.session.refresh(found)
    page = render_template(
        "partners/requests/conflict.html", req=found, offer=found.offer, typed=typed, back=_detail_url(found)
    )
    return page, 409


@bp.post("/anfragen/<int:request_id>/antworten")
@login_required
def answer(request_id: int):
    """Accept or decline (the partner's accounts, or the school's region staff on the partner's behalf)."""
    found, school = _visible_or_404(request_id)
    if not policy.speaks_for_partner(current_user, found, school):
        abort(403)
    form = AnswerForm()
    if not policy.can_answer_request(current_user, found, school):  # answered or withdrawn meanwhile
        return _conflict(found, school, form.note.data or "")
    if not form.validate_on_submit():
        return _page(found, school, answer_form=form)
    accept = form.decision.data == "accept"
    try:
        services.answer_request(found, current_user, accept, form.note.data or "", parse_version(form.version.data))
    except EditConflict:
        return _conflict(found, school, form.note.data or "")
    if accept:
        flash(_("The request is accepted; the school has been told by mail."), "success")
    else:
        flash(_("The request is declined; the school has been told by mail."), "success")
    return redirect(_detail_url(found))


@bp.post("/anfragen/<int:request_id>/durchgefuehrt")
@login_required
def mark_done(request_id: int):
    """Mark an accepted request as carried out (the school, the partner or the KI)."""
    found, school = _visible_or_404(request_id)
    if not policy.can_mark_done(current_user, found, school):
        flash(_("Only an accepted request can be marked as carried out."), "error")
        return redirect(_detail_url(found))
    return _change(found, school, services.mark_done, _("The request is marked as carried out."))


@bp.post("/anfragen/<int:request_id>/zurueckziehen")
@login_required
def withdraw(request_id: int):
    """The school withdraws an open request; the partner is told by mail."""
    found, school = _visible_or_404(request_id)
    if not is_member_of(current_user, school):
        abort(403)
    if not policy.can_withdraw_request(current_user, found, school):
        flash(_("Only an open request can be withdrawn."), "error")
        return redirect(_detail_url(found))
    return _change(
        found, school, services.withdraw_request, _("The request is withdrawn; the partner has been told by mail.")
    )


def _change(found, school, change, done: str):
    """Apply a state change sent with the request's version; a stale version gets the conflict page."""
    form = RequestActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change(found, current_user, parse_version(form.version.data))
    except EditConflict:
        return _conflict(found, school)
    flash(done, "success")
    return redirect(_detail_url(found))


@bp.get("/anfragen/<int:request_id>/bericht")
@login_required
def report(request_id: int):
    """Turn a request carried out into an activity report: the report form, prefilled from the offer."""
    found, school = _visible_or_404(request_id)
    if not policy.acts_for_school(current_user, found, school):
        abort(403)
    if not policy.can_report_from_request(current_user, found, school):
        if found.activity_id is not None:
            flash(_("A report has already been written for this request."), "error")
        else:
            flash(_("A report can be written once the request has been carried out."), "error")
        return redirect(_detail_url(found))
    return redirect(url_for("activities.create", schule=school.slug, anfrage=found.id))
