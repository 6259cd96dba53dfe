"""What a partner's own account changes goes through the region's review.

- Profile changes and changes to a published offer are kept as a proposal (JSON) beside the live entry, which stays
  as it is until the region's staff approve (then the proposal is applied) or return it with a reason.
- A new offer waits in review; one in review or returned is edited in place and goes (back) to review.
- The keeping region's staff get a mail for each; the partner's accounts get a mail with the outcome.

The review form carries a stamp of what the reviewer saw: if the partner changed the proposal meanwhile, the decision
is refused (:class:`ReviewOutdated`) rather than applied to something nobody has looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import null, select

from ..auth.models import User
from ..core import audit
from ..core.db import utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..extensions import db
from ..regions.services import all_regions, staff_emails
from ..regions.vocab import land_name
from . import services
from .forms import euros
from .models import Offer, OfferState, Partner, PartnerMember
from .vocab import AUDIENCES, COSTS


class ReviewOutdated(Exception):
    """The proposal changed (or went) since the reviewer opened it."""


def stamp(obj: Partner | Offer) -> str:
    """What the reviewer saw: the row's version and when the proposal was made."""
    return f"{obj.version}:{obj.proposed_at.isoformat() if obj.proposed_at else ''}"


# --- proposals as JSON ---------------------------------------------------------------------------------------------


def _to_json(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def proposed_offer_values(offer: Offer) -> dict[str, Any]:
    """The pending proposal in the shape of the forms' values (dates as dates)."""
    values = dict(offer.proposal or {})
    until = values.get("available_until")
    try:
        values["available_until"] = date.fromisoformat(until) if until else None
    except (TypeError, ValueError):
        values["available_until"] = None
    return values


def has_proposal(obj: Partner | Offer) -> bool:
    return obj.proposed_at is not None


def _clear(obj: Partner | Offer) -> None:
    obj.proposal, obj.proposed_at, obj.proposed_by_id = null(), None, None


# --- what a partner's account does -----------------------------------------------------------------------------------


def propose_partner_changes(partner: Partner, user: User, values: dict[str, Any]) -> None:
    """Keep the proposed profile beside the live entry (a newer proposal replaces an older one) and tell the staff."""
    with write_transaction():
        partner = services.get_partner(partner.id, fresh=True)
        partner.proposal, partner.proposed_at, partner.proposed_by_id = _to_json(values), utcnow(), user.id
        partner.review_reason = ""
        _mail_staff(partner, "profile", external_url("partner_staff.review_partner", partner_id=partner.id))


def submit_offer(partner: Partner, user: User, values: dict[str, Any]) -> Offer:
    """A new offer entered by the partner's account: it waits for the region's review."""
    with write_transaction():
        offer = services.add_offer(partner, user, values, OfferState.REVIEW)
        _mail_staff(partner, "new_offer", external_url("partner_staff.review_offer", offer_id=offer.id), offer)
    return offer


def propose_offer_changes(offer: Offer, user: User, values: dict[str, Any]) -> None:
    """A published offer keeps its live text and gets a proposal; one in review or returned is changed in place and
    goes (back) to review. Either way the staff are told."""
    with write_transaction():
        offer = services.get_offer(offer.id, fresh=True)
        if offer.state == OfferState.PUBLISHED:
            offer.proposal, offer.proposed_at, offer.proposed_by_id = _to_json(values), utcnow(), user.id
        else:
            services.apply_offer(offer, values, offer.partner.name)
            offer.state = OfferState.REVIEW
            offer.version = Offer.version + 1
        offer.review_reason = ""
        link = external_url("partner_staff.review_offer", offer_id=offer.id)
        _mail_staff(offer.partner, "offer_changed", link, offer)


# --- what the region's staff decide --------------------------------------------------------------------------------


def approve_partner(partner: Partner, reviewer: User, seen: str) -> None:
    """Apply the proposed profile to the live entry."""
    with write_transaction():
        partner = services.get_partner(partner.id, fresh=True)
        if not has_proposal(partner) or stamp(partner) != seen:
            raise ReviewOutdated
        before = services.partner_values(partner)
        proposed = {key: value for key, value in (partner.proposal or {}).items() if key in before}
        services.apply_partner(partner, proposed)
        if partner.name != before["name"]:
            services.refresh_partner_offers(partner)
        _clear(partner)
        partner.review_reason = ""
        partner.version = Partner.version + 1
        changed = ", ".join(services.changed_fields(before, proposed))
        audit.record("partner.approve", partner, summary=partner.name, user=reviewer, after={"changed": changed})
        _mail_accounts(partner, approved=True, what=partner.name)


def return_partner(partner: Partner, reviewer: User, seen: str, reason: str) -> None:
    """Drop the proposed profile and tell the partner's accounts why."""
    with write_transaction():
        partner = services.get_partner(partner.id, fresh=True)
        if not has_proposal(partner) or stamp(partner) != seen:
            raise ReviewOutdated
        _clear(partner)
        partner.review_reason = reason.strip()
        audit.record(
            "partner.return", partner, summary=partner.name, user=reviewer, after={"reason": partner.review_reason}
        )
        _mail_accounts(partner, approved=False, what=partner.name, reason=partner.review_reason)


def approve_offer(offer: Offer, reviewer: User, seen: str) -> None:
    """Publish an offer in review, or apply the proposed changes of a published one."""
    with write_transaction():
        offer = services.get_offer(offer.id, fresh=True)
        if not is_waiting(offer) or stamp(offer) != seen:
            raise ReviewOutdated
        before = offer.state
        if has_proposal(offer):
            services.apply_offer(offer, proposed_offer_values(offer), offer.partner.name)
            _clear(offer)
        offer.state, offer.review_reason = OfferState.PUBLISHED, ""
        offer.published_at = offer.published_at or utcnow()
        offer.version = Offer.version + 1
        audit.record(
            "offer.approve",
            offer,
            summary=offer.title,
            user=reviewer,
            region_id=offer.partner.region_id,
            before={"state": before},
            after={"state": OfferState.PUBLISHED},
        )
        _mail_accounts(offer.partner, approved=True, what=offer.title)


def return_offer(offer: Offer, reviewer: User, seen: str, reason: str) -> None:
    """Return a new offer (it is not published) or drop the proposed changes of a published one, with a reason."""
    with write_transaction():
        offer = services.get_offer(offer.id, fresh=True)
        if not is_waiting(offer) or stamp(offer) != seen:
            raise ReviewOutdated
        before = offer.state
        if offer.state == OfferState.REVIEW:
            offer.state = OfferState.REJECTED
            offer.version = Offer.version + 1
        _clear(offer)
        offer.review_reason = reason.strip()
        audit.record(
            "offer.return",
            offer,
            summary=offer.title,
            user=reviewer,
            region_id=offer.partner.region_id,
            before={"state": before},
            after={"state": offer.state, "reason": offer.review_reason},
        )
        _mail_accounts(offer.partner, approved=False, what=offer.title, reason=offer.review_reason)


def is_waiting(offer: Offer) -> bool:
    """Something of the offer waits for review: a new offer, or proposed changes of a published one."""
    return offer.state == OfferState.REVIEW or (offer.state == OfferState.PUBLISHED and has_proposal(offer))


# --- mails ---------------------------------------------------------------------------------------------------------


def _mail_staff(partner: Partner, what: str, link: str, offer: Offer | None = None) -> None:
    """Tell the keeping region's staff that something of ``partner`` waits for their review."""
    body = render_template("partners/mail/review_needed.txt", partner=partner, what=what, offer=offer, link=link)
    subject = _("Courage Hub: %(partner)s waits for your review", partner=" ".join(partner.name.split()))
    for address in staff_emails(partner.region_id):
        send_mail(address, subject, body, kind="partner_review", region_id=partner.region_id)


def _mail_accounts(partner: Partner, *, approved: bool, what: str, reason: str = "") -> None:
    """Tell the partner's active accounts how the review went."""
    addresses = db.session.scalars(
        select(User.email)
        .join(PartnerMember, PartnerMember.user_id == User.id)
        .where(PartnerMember.partner_id == partner.id, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    title = " ".join(what.split())
    if approved:
        subject = _("Courage Hub: your changes to “%(title)s” are published", title=title)
    else:
        subject = _("Courage Hub: your changes to “%(title)s” were returned", title=title)
    body = render_template(
        "partners/mail/review_result.txt",
        partner=partner,
        what=title,
        approved=approved,
        reason=reason,
        link=external_url("partner_area.index"),
    )
    for address in addresses:
        send_mail(address, subject, body, kind="partner_review_result", region_id=partner.region_id)


# --- showing the difference ----------------------------------------------------------------------------------------

PARTNER_LABELS = {
    "name": _l("Name"),
    "kind": _l("Kind of partner"),
    "summary": _l("Short description"),
    "description": _l("Description"),
    "topics": _l("Topics"),
    "nationwide": _l("Works with schools nationwide"),
    "lands": _l("Whole Länder served"),
    "regions": _l("Regions served"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Public contact e-mail"),
    "contact_phone": _l("Public contact phone"),
    "address": _l("Address"),
    "website": _l("Website"),
}
OFFER_LABELS = {
    "title": _l("Title"),
    "format": _l("Format"),
    "topics": _l("Topics"),
    "description": _l("Description"),
    "audience": _l("For whom"),
    "grade_min": _l("From grade"),
    "grade_max": _l("To grade"),
    "group_min": _l("Smallest group"),
    "group_max": _l("Largest group"),
    "duration": _l("Duration"),
    "at_school": _l("At the school"),
    "at_partner": _l("At the partner's"),
    "online": _l("Online"),
    "cost_kind": _l("Cost"),
    "cost_cents": _l("Fee in euros"),
    "cost_note": _l("Note on the cost"),
    "languages": _l("Languages"),
    "accessibility": _l("Accessibility"),
    "available_until": _l("Offered until (optional)"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _shown(key: str, value: Any) -> str:
    """A stored value as the review page shows it."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "" or value == []:
        return "–"
    if key == "regions":
        names = {region.id: region.area for region in all_regions()}
        return ", ".join(names.get(region_id, str(region_id)) for region_id in value)
    if key == "lands":
        return ", ".join(land_name(code) or code for code in value)
    if key == "audience":
        return str(AUDIENCES.get(value, value))
    if key == "cost_kind":
        return str(COSTS.get(value, value))
    if key == "cost_cents":
        return euros(value) + " €"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def changes(labels: dict[str, Any], live: dict[str, Any], proposed: dict[str, Any]) -> list[Change]:
    """Each field with its live and proposed value (``live`` empty: a new entry)."""
    return [
        Change(str(label), _shown(key, live[key]) if key in live else "", _shown(key, proposed.get(key)))
        for key, label in labels.items()
        if key in live or key in proposed
    ]
