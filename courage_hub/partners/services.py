"""Keeping partners and their offers: the region's staff create, edit and archive them; the lists their pages show.
(A partner's accounts are in ``accounts.py``, its own proposals and their review in ``proposals.py``.)

Values travel as plain dicts (see ``forms.PartnerFieldsForm.values`` and ``forms.OfferForm.values``), the same shape a
partner's proposal keeps as JSON until the region reviews it (``proposals.py``). Every write runs in one write
transaction, re-reads its rows under the lock, and records staff changes in the audit log. The full-text keywords of
an offer (partner name, format, topics, languages) are recomputed whenever one of them may have changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, null, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..access.scope import staff_filter
from ..auth.models import User
from ..core import audit
from ..core.db import claim_version, utcnow, write_transaction
from ..core.images import delete_stored, store_png
from ..extensions import db
from .coverage import keywords_for
from .models import Offer, OfferState, OfferTopic, Partner, PartnerLand, PartnerMember, PartnerRegion, PartnerTopic

LOGO_KIND = "logos"  # the upload folder of logos (schools' and partners')
PARTNER_FIELDS = (
    "name", "kind", "summary", "description", "nationwide", "contact_name", "contact_email", "contact_phone",
    "address", "website",
)  # fmt: skip
OFFER_FIELDS = (
    "title", "format", "audience", "grade_min", "grade_max", "group_min", "group_max", "duration", "cost_kind",
    "cost_cents", "cost_note", "languages", "accessibility", "at_school", "at_partner", "online", "description",
    "available_until",
)  # fmt: skip


# --- loading -------------------------------------------------------------------------------------------------------


def get_partner(partner_id: int, *, fresh: bool = False) -> Partner | None:
    """A partner with its topics and the areas it serves (``fresh``: re-read, e.g. under a write lock)."""
    stmt = (
        select(Partner)
        .where(Partner.id == partner_id)
        .options(selectinload(Partner.topics), selectinload(Partner.served_regions), selectinload(Partner.served_lands))
    )
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def get_offer(offer_id: int, *, fresh: bool = False) -> Offer | None:
    """An offer with its topics and its partner."""
    stmt = select(Offer).where(Offer.id == offer_id).options(selectinload(Offer.topics), joinedload(Offer.partner))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def partner_values(partner: Partner) -> dict[str, Any]:
    """The live entry in the shape of the forms' values (topics and served areas loaded)."""
    values = {name: getattr(partner, name) for name in PARTNER_FIELDS}
    values["topics"] = partner.topic_names
    values["lands"] = [row.land for row in partner.served_lands]
    values["regions"] = sorted(row.region_id for row in partner.served_regions)
    return values


def offer_values(offer: Offer) -> dict[str, Any]:
    values = {name: getattr(offer, name) for name in OFFER_FIELDS}
    values["topics"] = offer.topic_names
    return values


# --- applying values -------------------------------------------------------------------------------------------------


def _sync(collection: list, key: str, wanted: list, make) -> None:
    """Make the child rows of ``collection`` hold exactly ``wanted`` (by ``key``), keeping the rows that stay."""
    wanted = list(dict.fromkeys(wanted))
    for row in list(collection):
        if getattr(row, key) not in wanted:
            collection.remove(row)
    have = {getattr(row, key) for row in collection}
    collection.extend(make(value) for value in wanted if value not in have)


def apply_partner(partner: Partner, values: dict[str, Any]) -> None:
    """Write ``values`` onto the partner (a new one, or one loaded with :func:`get_partner`)."""
    for name in PARTNER_FIELDS:
        if name in values:
            setattr(partner, name, values[name])
    _sync(partner.topics, "topic", values.get("topics", []), lambda topic: PartnerTopic(topic=topic))
    _sync(partner.served_lands, "land", values.get("lands", []), lambda land: PartnerLand(land=land))
    _sync(partner.served_regions, "region_id", values.get("regions", []), lambda rid: PartnerRegion(region_id=rid))


def apply_offer(offer: Offer, values: dict[str, Any], partner_name: str) -> None:
    """Write ``values`` onto the offer and recompute its search keywords."""
    for name in OFFER_FIELDS:
        if name in values:
            setattr(offer, name, values[name])
    _sync(offer.topics, "topic", values.get("topics", []), lambda topic: OfferTopic(topic=topic))
    refresh_keywords(offer, partner_name)


def refresh_keywords(offer: Offer, partner_name: str) -> None:
    offer.keywords = keywords_for(partner_name, offer.topic_names, offer.format, offer.languages)


def refresh_partner_offers(partner: Partner) -> None:
    """The partner's name is in every offer's keywords: after a rename, recompute them all."""
    offers = db.session.scalars(
        select(Offer).where(Offer.partner_id == partner.id).options(selectinload(Offer.topics))
    ).all()
    for offer in offers:
        refresh_keywords(offer, partner.name)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


# --- partners ------------------------------------------------------------------------------------------------------


def create_partner(user: User, region_id: int, values: dict[str, Any], *, logo_png: bytes | None = None) -> Partner:
    """A new partner kept by ``region_id`` (one of the staff member's regions)."""
    logo = store_png(LOGO_KIND, logo_png) if logo_png is not None else None
    try:
        with write_transaction():
            partner = Partner(region_id=region_id, created_by_id=user.id, logo_filename=logo)
            apply_partner(partner, values)
            db.session.add(partner)
            db.session.flush()
            audit.record("partner.create", partner, summary=partner.name, user=user)
    except BaseException:
        delete_stored(LOGO_KIND, logo)
        raise
    return partner


def update_partner(
    partner: Partner,
    user: User,
    values: dict[str, Any],
    expected_version: int,
    *,
    logo_png: bytes | None = None,
    remove_logo: bool = False,
) -> None:
    """Save the staff's edit unless someone saved since ``expected_version`` (else EditConflict). The service owns the
    logo file: it writes the new one, deletes the replaced one after the commit, and the new one if the save fails."""
    logo = store_png(LOGO_KIND, logo_png) if logo_png is not None else None
    old_logo = None
    try:
        with write_transaction():
            claim_version(Partner, partner.id, expected_version)
            partner = get_partner(partner.id, fresh=True)
            before = partner_values(partner)
            if logo_png is not None or remove_logo:
                old_logo, partner.logo_filename = partner.logo_filename, logo
            apply_partner(partner, values)
            if partner.name != before["name"]:
                refresh_partner_offers(partner)
            changed = changed_fields(before, values) + (["logo"] if logo_png is not None or remove_logo else [])
            after = {"changed": ", ".join(changed)}
            audit.record("partner.edit", partner, summary=partner.name, user=user, after=after)
    except BaseException:
        delete_stored(LOGO_KIND, logo)
        raise
    delete_stored(LOGO_KIND, old_logo)


def set_archived(partner: Partner, user: User, archived: bool) -> bool:
    """Archive a partner (its pages and offers leave the public) or list it again; False if nothing changed."""
    with write_transaction():
        partner = get_partner(partner.id, fresh=True)
        if (partner.archived_at is not None) == archived:
            return False
        partner.archived_at = utcnow() if archived else None
        partner.version = Partner.version + 1
        action = "partner.archive" if archived else "partner.reactivate"
        audit.record(action, partner, summary=partner.name, user=user)
    return True


# --- offers --------------------------------------------------------------------------------------------------------


def create_offer(partner: Partner, user: User, values: dict[str, Any]) -> Offer:
    """A new offer of ``partner`` entered by the region's staff: published at once."""
    with write_transaction():
        offer = add_offer(partner, user, values, OfferState.PUBLISHED)
        audit.record("offer.create", offer, summary=offer.title, user=user, region_id=partner.region_id)
    return offer


def add_offer(partner: Partner, user: User, values: dict[str, Any], state: OfferState) -> Offer:
    """Add a new offer in ``state`` to the caller's write transaction."""
    offer = Offer(partner_id=partner.id, created_by_id=user.id, state=state)
    if state == OfferState.PUBLISHED:
        offer.published_at = utcnow()
    apply_offer(offer, values, partner.name)
    db.session.add(offer)
    db.session.flush()
    return offer


def update_offer(
    offer: Offer, user: User, values: dict[str, Any], expected_version: int, *, publish: bool = False
) -> None:
    """Save the staff's edit unless someone saved since ``expected_version`` (else EditConflict); ``publish`` also
    publishes an offer that is in review, returned or archived."""
    with write_transaction():
        claim_version(Offer, offer.id, expected_version)
        offer = get_offer(offer.id, fresh=True)
        before = offer_values(offer)
        apply_offer(offer, values, offer.partner.name)
        after = {"changed": ", ".join(changed_fields(before, values))}
        if publish and offer.state != OfferState.PUBLISHED:
            after["state"] = OfferState.PUBLISHED
            offer.state, offer.review_reason = OfferState.PUBLISHED, ""
            offer.published_at = offer.published_at or utcnow()
        region_id = offer.partner.region_id
        audit.record("offer.edit", offer, summary=offer.title, user=user, region_id=region_id, after=after)


def archive_offer(offer: Offer, user: User) -> bool:
    """Take an offer off the list ("no longer offered"); a pending proposal goes with it. False if already."""
    with write_transaction():
        offer = get_offer(offer.id, fresh=True)
        if offer.state == OfferState.ARCHIVED:
            return False
        before = offer.state
        offer.state = OfferState.ARCHIVED
        offer.proposal, offer.proposed_at, offer.proposed_by_id = null(), None, None
        offer.version = Offer.version + 1
        audit.record(
            "offer.archive",
            offer,
            summary=offer.title,
            user=user,
            region_id=offer.partner.region_id,
            before={"state": before},
            after={"state": OfferState.ARCHIVED},
        )
    return True


# --- lists ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    current_offers: int
    accounts: int
    waiting: int  # the profile's proposal and the offers waiting for review


def staff_partners(user: User, today: date) -> list[PartnerRow]:
    """The partners kept by the staff member's regions, listed ones first, with their figures (four queries)."""
    mine = staff_filter(user, Partner.region_id)
    partners = db.session.scalars(
        select(Partner)
        .where(mine)
        .options(joinedload(Partner.region))
        .order_by(Partner.archived_at.is_not(None), Partner.name, Partner.id)
    ).all()
    current = _counts(
        Offer.partner_id,
        select(Offer.partner_id, func.count())
        .join(Partner, Partner.id == Offer.partner_id)
        .where(mine, Offer.state == OfferState.PUBLISHED)
        .where(or_(Offer.available_until.is_(None), Offer.available_until >= today)),
    )
    waiting = _counts(
        Offer.partner_id,
        select(Offer.partner_id, func.count())
        .join(Partner, Partner.id == Offer.partner_id)
        .where(mine, or_(Offer.state == OfferState.REVIEW, Offer.proposed_at.is_not(None))),
    )
    accounts = _counts(
        PartnerMember.partner_id,
        select(PartnerMember.partner_id, func.count())
        .join(Partner, Partner.id == PartnerMember.partner_id)
        .where(mine),
    )
    return [
        PartnerRow(
            partner=p,
            current_offers=current.get(p.id, 0),
            accounts=accounts.get(p.id, 0),
            waiting=waiting.get(p.id, 0) + (1 if p.proposed_at is not None else 0),
        )
        for p in partners
    ]


def _counts(column, stmt) -> dict[int, int]:
    return dict(db.session.execute(stmt.group_by(column)).all())


def review_queue(user: User) -> tuple[list[Partner], list[Offer]]:
    """What waits for the staff member's review: partners' proposed profile changes, offers entered or changed by a
    partner's account; oldest first."""
    mine = staff_filter(user, Partner.region_id)
    partners = db.session.scalars(
        select(Partner).where(mine, Partner.proposed_at.is_not(None)).order_by(Partner.proposed_at, Partner.id)
    ).all()
    offers = db.session.scalars(
        select(Offer)
        .join(Partner, Partner.id == Offer.partner_id)
        .where(mine, or_(Offer.state == OfferState.REVIEW, Offer.proposed_at.is_not(None)))
        .options(contains_eager(Offer.partner))
        .order_by(func.coalesce(Offer.proposed_at, Offer.updated_at), Offer.id)
    ).all()
    return list(partners), list(offers)


def offers_of(partner_ids: list[int] | frozenset[int]) -> list[Offer]:
    """Every offer of these partners (every state): current ones first, then by title."""
    if not partner_ids:
        return []
    order = {OfferState.REVIEW: 0, OfferState.REJECTED: 1, OfferState.PUBLISHED: 2, OfferState.ARCHIVED: 3}
    offers = db.session.scalars(
        select(Offer).where(Offer.partner_id.in_(sorted(partner_ids))).order_by(Offer.title, Offer.id)
    ).all()
    return sorted(offers, key=lambda offer: order[offer.state])
