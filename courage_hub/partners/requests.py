"""Schools' requests for a partner's offer: asking, answering, carrying out, withdrawing, and who hears of it by mail.

- A coordinator asks on behalf of one of their own (approved) schools that the partner serves, for a current offer.
  A school has at most one open request per offer: a second one is refused with a link to the open one.
- Every change of state is one conditional UPDATE on the request's id, version and state: of two answers sent at once
  (two accounts of a partner, or the partner and the KI) only the first counts, the other gets the conflict page.
- Mails carry what the recipient needs to act, nothing more: the offer, the school's name and municipality, the wishes
  and the name of the coordinator who asked (replies go to the coordinator's address). Never another school's data,
  never a phone number, never the school's internal data.
- Staff who answer or mark done on behalf of a partner are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from ..access.policy import is_ki_staff
from ..auth.models import User
from ..core import audit
from ..core.db import EditConflict, utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.schoolyear import local_today
from ..extensions import db
from ..regions.models import Region
from ..regions.services import reply_to_address
from ..schools.models import Approval, Membership, School
from . import coverage
from .models import Offer, OfferRequest, Partner, PartnerLand, PartnerMember, PartnerRegion, RequestStatus
from .policy import coordinator_school_ids

OPEN = (RequestStatus.REQUESTED, RequestStatus.ACCEPTED)


class RequestRefused(Exception):
    """A rule forbids the request; ``existing_id`` names the school's open request for the same offer."""

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.existing_id = existing_id


@dataclass
class RequestData:
    preferred_dates: str
    group_size: int | None
    grade: str
    note: str


# --- reading ---------------------------------------------------------------------------------------------------


def current_offer(offer_id: int) -> Offer | None:
    """The offer with its partner, if schools can ask for it now (published, not expired, partner listed)."""
    return db.session.scalar(
        select(Offer)
        .join(Partner, Partner.id == Offer.partner_id)
        .where(Offer.id == offer_id, coverage.current_sql(local_today()))
        .options(joinedload(Offer.partner))
    )


def schools_served(user: Any, offer: Offer) -> list[School]:
    """The user's own approved schools whose region the offer's partner serves, by name."""
    ids = coordinator_school_ids(user)
    if not ids:
        return []
    partner = db.session.get(Partner, offer.partner_id)
    region_ids = set(db.session.scalars(select(PartnerRegion.region_id).where(PartnerRegion.partner_id == partner.id)))
    lands = set(db.session.scalars(select(PartnerLand.land).where(PartnerLand.partner_id == partner.id)))
    rows = db.session.execute(
        select(School, Region.land)
        .join(Region, Region.id == School.region_id)
        .where(School.id.in_(sorted(ids)), School.approval == Approval.APPROVED)
        .order_by(School.name)
    ).all()
    return [school for school, land in rows if coverage.serves(partner, school.region_id, land, region_ids, lands)]


def open_requests(school_ids: list[int], offer_id: int) -> dict[int, OfferRequest]:
    """The open request for ``offer_id`` of each of these schools (by school id)."""
    if not school_ids:
        return {}
    rows = db.session.scalars(
        select(OfferRequest).where(
            OfferRequest.school_id.in_(sorted(school_ids)),
            OfferRequest.offer_id == offer_id,
            OfferRequest.status.in_(OPEN),
        )
    )
    return {row.school_id: row for row in rows}


def get_request(request_id: int) -> OfferRequest | None:
    """A request with its offer, partner and school."""
    return db.session.scalar(
        select(OfferRequest)
        .where(OfferRequest.id == request_id)
        .options(joinedload(OfferRequest.offer), joinedload(OfferRequest.partner), joinedload(OfferRequest.school))
    )


def _listed(*conditions: Any, status: RequestStatus | None, limit: int | None = None) -> list[OfferRequest]:
    """Requests matching ``conditions``: open ones first, each group newest first."""
    query = (
        select(OfferRequest)
        .where(*conditions)
        .order_by(
            case((OfferRequest.status.in_(OPEN), 0), else_=1), OfferRequest.created_at.desc(), OfferRequest.id.desc()
        )
        .options(joinedload(OfferRequest.offer), joinedload(OfferRequest.partner), joinedload(OfferRequest.school))
        .limit(limit)
    )
    if status is not None:
        query = query.where(OfferRequest.status == status)
    return list(db.session.scalars(query))


def requests_of_schools(school_ids: frozenset[int], status: RequestStatus | None = None) -> list[OfferRequest]:
    """A coordinator's list: the requests of their schools."""
    if not school_ids:
        return []
    return _listed(OfferRequest.school_id.in_(sorted(school_ids)), status=status, limit=500)


def requests_to_partners(
    partner_ids: frozenset[int], status: RequestStatus | None = None, limit: int | None = 500
) -> list[OfferRequest]:
    """A partner account's inbox: the requests addressed to its partners (and to no other partner)."""
    if not partner_ids:
        return []
    return _listed(OfferRequest.partner_id.in_(sorted(partner_ids)), status=status, limit=limit)


def count_open_to_partners(partner_ids: frozenset[int]) -> int:
    if not partner_ids:
        return 0
    return db.session.scalar(
        select(func.count(OfferRequest.id)).where(
            OfferRequest.partner_id.in_(sorted(partner_ids)), OfferRequest.status.in_(OPEN)
        )
    )


def requester_name(request: OfferRequest) -> str:
    """The name of the coordinator who asked ("" once their account is gone)."""
    if request.requested_by_id is None:
        return ""
    return db.session.scalar(select(User.name).where(User.id == request.requested_by_id)) or ""


# --- writing ---------------------------------------------------------------------------------------------------


def _lock_school(school: School) -> None:
    """Re-read the school under a row lock (PostgreSQL): two requests of one school run one after the other, so the
    one-open-request rule holds (SQLite's write transactions already run one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(School.id).where(School.id == school.id).with_for_update())


def create_request(offer: Offer, school: School, user: User, data: RequestData) -> OfferRequest:
    """Ask for ``offer`` on behalf of ``school`` and mail the partner; RequestRefused when the offer is gone or the
    school has an open request for it already."""
    with write_transaction():
        _lock_school(school)
        if current_offer(offer.id) is None:
            raise RequestRefused(_("This offer is no longer available."))
        existing = open_requests([school.id], offer.id).get(school.id)
        if existing is not None:
            raise RequestRefused(
                _("%(school)s has already asked for this offer; that request is still open.", school=school.name),
                existing.id,
            )
        request = OfferRequest(
            offer_id=offer.id,
            partner_id=offer.partner_id,
            school_id=school.id,
            requested_by_id=user.id,
            preferred_dates=data.preferred_dates.strip(),
            group_size=data.group_size,
            grade=data.grade.strip(),
            note=data.note.strip(),
        )
        db.session.add(request)
        db.session.flush()
        _mail_partner(request, "new_request", reply_to=user.email, coordinator=user.name)
    return request


def _claim(request: OfferRequest, expected_version: int, states: tuple[RequestStatus, ...], **values: Any) -> None:
    """Change the request if it is still in one of ``states`` at ``expected_version``; else EditConflict."""
    result = db.session.execute(
        update(OfferRequest)
        .where(
            OfferRequest.id == request.id,
            OfferRequest.version == expected_version,
            OfferRequest.status.in_(states),
        )
        .values(**values, version=OfferRequest.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EditConflict
    db.session.refresh(request)


def answer_request(request: OfferRequest, user: User, accept: bool, note: str, expected_version: int) -> None:
    """Accept or decline with a note; the coordinator who asked hears of it by mail."""
    status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    with write_transaction():
        _claim(
            request,
            expected_version,
            (RequestStatus.REQUESTED,),
            status=status,
            response_note=note.strip(),
            answered_at=utcnow(),
            answered_by_id=user.id,
        )
        _audit_staff(user, "offer_request.answer", request, RequestStatus.REQUESTED, note.strip())
        _mail_school(request, "answered")


def mark_done(request: OfferRequest, user: User, expected_version: int) -> None:
    """The offer took place. Marked by the partner or the KI, the school hears of it (and is asked for a report)."""
    with write_transaction():
        _claim(request, expected_version, (RequestStatus.ACCEPTED,), status=RequestStatus.DONE, done_at=utcnow())
        _audit_staff(user, "offer_request.done", request, RequestStatus.ACCEPTED)
        if not _coordinates(user, request.school_id):
            _mail_school(request, "done")


def withdraw_request(request: OfferRequest, user: User, expected_version: int) -> None:
    """The school no longer wants the offer; the partner hears of it by mail."""
    with write_transaction():
        _claim(request, expected_version, OPEN, status=RequestStatus.WITHDRAWN)
        _mail_partner(request, "withdrawn", reply_to=user.email, coordinator=user.name)


def _coordinates(user: User, school_id: int) -> bool:
    return school_id in coordinator_school_ids(user)


def _audit_staff(user: User, action: str, request: OfferRequest, before: RequestStatus, note: str = "") -> None:
    """KI staff act on behalf of a partner: the change goes into the school's region's audit log."""
    if not is_ki_staff(user):
        return
    school = db.session.get(School, request.school_id)
    offer = db.session.get(Offer, request.offer_id)
    after = {"status": request.status.value, **({"note": note} if note else {})}
    audit.record(
        action,
        request,
        region_id=school.region_id,
        summary=f"{offer.title} – {school.name}",
        before={"status": before.value},
        after=after,
        user=user,
    )


# --- mails -----------------------------------------------------------------------------------------------------


def partner_addresses(partner_id: int) -> list[str]:
    """The partner's public contact address and its active accounts' addresses, each once."""
    partner = db.session.get(Partner, partner_id)
    accounts = db.session.scalars(
        select(User.email)
        .join(PartnerMember, PartnerMember.user_id == User.id)
        .where(PartnerMember.partner_id == partner_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    seen, addresses = set(), []
    for address in [partner.contact_email or "", *accounts]:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses


def has_accounts(partner_id: int) -> bool:
    return db.session.scalar(select(func.count(PartnerMember.id)).where(PartnerMember.partner_id == partner_id)) > 0


def school_addresses(request: OfferRequest) -> list[str]:
    """The coordinator who asked, while they still coordinate the school; else every active coordinator of it."""
    members = db.session.execute(
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.school_id == request.school_id, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    own = [email for user_id, email in members if user_id == request.requested_by_id]
    return own or [email for _user_id, email in members]


def _mail_partner(request: OfferRequest, what: str, *, reply_to: str, coordinator: str) -> None:
    offer = db.session.get(Offer, request.offer_id)
    school = db.session.get(School, request.school_id)
    subjects = {
        "new_request": _("Request for “%(title)s” from %(school)s", title=offer.title, school=school.name),
        "withdrawn": _("Withdrawn: request for “%(title)s” from %(school)s", title=offer.title, school=school.name),
    }
    link = external_url("offer_requests.detail", request_id=request.id) if has_accounts(request.partner_id) else None
    body = render_template(
        f"partners/mail/{what}.txt", request=request, offer=offer, school=school, coordinator=coordinator, link=link
    )
    kind = "offer_request" if what == "new_request" else f"offer_request_{what}"
    for address in partner_addresses(request.partner_id):
        send_mail(address, subjects[what], body, kind=kind, region_id=school.region_id, reply_to=reply_to)


def _mail_school(request: OfferRequest, what: str) -> None:
    offer = db.session.get(Offer, request.offer_id)
    partner = db.session.get(Partner, request.partner_id)
    school = db.session.get(School, request.school_id)
    if what == "done":
        subject = _("Carried out: “%(title)s” – please write a short report", title=offer.title)
    elif request.status == RequestStatus.ACCEPTED:
        subject = _("Accepted: your request for “%(title)s”", title=offer.title)
    else:
        subject = _("Declined: your request for “%(title)s”", title=offer.title)
    body = render_template(
        f"partners/mail/{what}.txt",
        request=request,
        offer=offer,
        partner=partner,
        school=school,
        link=external_url("offer_requests.detail", request_id=request.id),
    )
    reply_to = partner.contact_email or reply_to_address(school.region_id)
    for address in school_addresses(request):
        send_mail(address, subject, body, kind=f"offer_request_{what}", region_id=school.region_id, reply_to=reply_to)
