"""Who may do what with partners, offers and requests. Used by views and templates alike.

- Regional staff maintain the partners of their own regions (``Partner.region_id``) and their offers, review what a
  partner's account proposes, and see the requests of their regions' schools.
- A partner's account (role Partner) keeps its own partner's entries (its changes wait for review) and sees and answers
  the requests addressed to that partner: never a school's internal data, never another partner's requests.
- Coordinators ask for an offer on behalf of their own school, follow their school's requests and turn a request that
  was carried out into an activity report.
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from ..access.policy import is_coordinator, is_ki_staff, is_member_of
from ..access.scope import is_staff_for
from ..core.permissions import is_signed_in
from ..core.schoolyear import local_today
from ..extensions import db
from ..schools.coordinators import membership_school_ids
from ..schools.models import School
from .models import Offer, OfferRequest, Partner, PartnerMember, RequestStatus


def is_partner(user: Any) -> bool:
    return is_signed_in(user) and user.is_partner


def kept_partner_ids(user: Any) -> frozenset[int]:
    """The partners whose entries ``user`` keeps (a partner account; cached for the request)."""
    if not is_partner(user):
        return frozenset()
    cache = g.setdefault("_kept_partner_ids", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(select(PartnerMember.partner_id).where(PartnerMember.user_id == user.id))
        )
    return cache[user.id]


def can_manage_partners(user: Any) -> bool:
    """The staff's partner list, new partners, the review queue and the requests list: regional staff (narrowed to
    their regions by the scope layer)."""
    return is_ki_staff(user)


def can_manage_partner(user: Any, partner: Partner) -> bool:
    """Edit a partner and its offers, invite its accounts, review its proposals: staff of the region that keeps it."""
    return is_ki_staff(user) and is_staff_for(user, partner.region_id)


def keeps_partner(user: Any, partner_id: int) -> bool:
    """A partner account of exactly this partner."""
    return partner_id in kept_partner_ids(user)


def can_use_partner_area(user: Any) -> bool:
    """The partner's own area (its entries and the requests addressed to it)."""
    return is_partner(user) and bool(kept_partner_ids(user))


def can_edit_partner(user: Any, partner: Partner) -> bool:
    """Change a partner's entry: its region's staff directly, its own accounts as a proposal."""
    return can_manage_partner(user, partner) or keeps_partner(user, partner.id)


def can_edit_offer(user: Any, offer: Offer, partner: Partner) -> bool:
    """Change an offer (``partner``: the offer's partner)."""
    return offer.partner_id == partner.id and can_edit_partner(user, partner)


def offer_is_public(offer: Offer, partner: Partner) -> bool:
    """Current (published and not past its end date) and its partner listed: the Python twin of
    ``coverage.current_sql``, which filters the public offer list."""
    return offer.is_current(local_today()) and partner.archived_at is None


def can_view_offer(user: Any, offer: Offer, partner: Partner) -> bool:
    """Published offers of listed partners for everyone; the others for whoever may edit them."""
    return offer_is_public(offer, partner) or can_edit_offer(user, offer, partner)


def can_view_partner(user: Any, partner: Partner) -> bool:
    return partner.archived_at is None or can_edit_partner(user, partner)


def can_request_offers(user: Any) -> bool:
    """Ask for an offer: coordinators of at least one school."""
    return is_coordinator(user) and bool(membership_school_ids(user))


def can_request_for(user: Any, school: School) -> bool:
    """Ask for an offer on behalf of ``school``: its own coordinators."""
    return is_member_of(user, school)


def is_staff_of_request(user: Any, request: OfferRequest, school: School) -> bool:
    """Staff of the region that looks after the requesting school (``school``: the request's school)."""
    return request.school_id == school.id and is_ki_staff(user) and is_staff_for(user, school.region_id)


def can_view_request(user: Any, request: OfferRequest, school: School) -> bool:
    """The school's coordinators, its region's staff, and the accounts of the partner it is addressed to."""
    if request.school_id != school.id:
        return False
    return (
        is_member_of(user, school)
        or is_staff_of_request(user, request, school)
        or keeps_partner(user, request.partner_id)
    )


def can_answer_request(user: Any, request: OfferRequest, school: School) -> bool:
    """Accept or decline an open request: the partner's accounts, and the school's region staff on behalf of a
    partner that has no account (they record what the partner answered by mail or phone)."""
    if request.status != RequestStatus.REQUESTED:
        return False
    return keeps_partner(user, request.partner_id) or is_staff_of_request(user, request, school)


def can_mark_done(user: Any, request: OfferRequest, school: School) -> bool:
    """Mark an accepted request as carried out: the school's coordinators, the partner's accounts, its region's
    staff."""
    if request.status != RequestStatus.ACCEPTED:
        return False
    return can_view_request(user, request, school)


def can_withdraw_request(user: Any, request: OfferRequest, school: School) -> bool:
    """Withdraw a request that is still open: the school's coordinators."""
    return request.is_open and request.school_id == school.id and is_member_of(user, school)


def can_report_from_request(user: Any, request: OfferRequest, school: School) -> bool:
    """Turn a request carried out into an activity report: the school's coordinators and its region's staff, once."""
    if request.status != RequestStatus.DONE or request.activity_id is not None or request.school_id != school.id:
        return False
    return is_member_of(user, school) or is_staff_of_request(user, request, school)


def coordinator_school_ids(user: Any) -> frozenset[int]:
    """The schools a coordinator asks on behalf of."""
    return membership_school_ids(user) if is_coordinator(user) else frozenset()


# --- keeping the entries (staff pages and the partner's own area) ------------------------------------------------


def can_propose_changes(user: Any, partner: Partner) -> bool:
    """A partner's own account proposes changes to its entries and enters offers while the partner is listed (an
    archived partner is its office's to list again first)."""
    return keeps_partner(user, partner.id) and partner.archived_at is None


# --- requests: who acts for whom, whatever state the request is in ---------------------------------------------


def speaks_for_partner(user: Any, request: OfferRequest, school: School) -> bool:
    """Answers a request (whatever its state): the partner's accounts, and the school's region staff on its behalf.
    :func:`can_answer_request` adds that the request must still wait for an answer."""
    return request.school_id == school.id and (
        keeps_partner(user, request.partner_id) or is_staff_of_request(user, request, school)
    )


def acts_for_school(user: Any, request: OfferRequest, school: School) -> bool:
    """Reports on a request (whatever its state): the school's coordinators and its region's staff."""
    return request.school_id == school.id and (is_member_of(user, school) or is_staff_of_request(user, request, school))


TEMPLATE_PERMISSIONS = {
    "can_manage_partners": can_manage_partners,
    "can_manage_partner": can_manage_partner,
    "can_use_partner_area": can_use_partner_area,
    "can_edit_partner": can_edit_partner,
    "can_edit_offer": can_edit_offer,
    "can_request_offers": can_request_offers,
    "can_answer_request": can_answer_request,
    "can_mark_done": can_mark_done,
    "can_withdraw_request": can_withdraw_request,
    "can_report_from_request": can_report_from_request,
    "can_propose_changes": can_propose_changes,
    "speaks_for_partner": speaks_for_partner,
    "acts_for_school": acts_for_school,
}
