"""What the public pages of partners and offers read: the offer list with its search and filters, one offer, the
partner list, one partner with its current offers and the reports made with it, and the partners serving a region.

Only current offers of listed partners are public (``coverage.current_sql``, whose Python twin is
``policy.offer_is_public``); every list loads what its cards show in the same few queries, however long it is.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..activities.models import Activity
from ..activities.services import FEED_ORDER
from ..core.pagination import cached_count, cached_ids, in_order_of
from ..extensions import db
from .coverage import current_sql, serves_sql
from .models import Offer, OfferTopic, Partner
from .search import OFFERS


@dataclass(frozen=True)
class OfferFilter:
    """The search words and filters of the offer list, validated (an unknown value is left out)."""

    q: str = ""
    topic: str = ""
    format: str = ""
    grade: int | None = None
    cost: str = ""
    region: str = ""  # the region's slug
    online: bool = False
    region_id: int | None = None  # the chosen region and its Land, looked up from ``region``
    land: str = ""

    @property
    def active_filters(self) -> int:
        """How many filters narrow the list (the search words do not count)."""
        return sum(1 for value in (self.topic, self.format, self.grade, self.cost, self.region, self.online) if value)

    def url_args(self) -> dict[str, str]:
        """The filters as the list's query parameters, without empty ones: the one URL of this list."""
        args = {
            "q": self.q,
            "thema": self.topic,
            "format": self.format,
            "stufe": str(self.grade) if self.grade else "",
            "kosten": self.cost,
            "region": self.region,
            "online": "1" if self.online else "",
        }
        return {key: value for key, value in args.items() if value}

    def without(self, name: str) -> dict[str, str]:
        """The query parameters with the filter ``name`` removed (the link that takes one filter back)."""
        return {key: value for key, value in self.url_args().items() if key != name}


def offer_conditions(filters: OfferFilter, today: date) -> list[ColumnElement[bool]]:
    """The filters as SQL on ``Offer`` joined with its ``Partner``."""
    conditions = [current_sql(today)]
    if filters.topic:
        conditions.append(exists().where(OfferTopic.offer_id == Offer.id, OfferTopic.topic == filters.topic))
    if filters.format:
        conditions.append(Offer.format == filters.format)
    if filters.grade:
        # An open bound (NULL) admits every grade on its side.
        conditions.append(or_(Offer.grade_min.is_(None), Offer.grade_min <= filters.grade))
        conditions.append(or_(Offer.grade_max.is_(None), Offer.grade_max >= filters.grade))
    if filters.cost:
        conditions.append(Offer.cost_kind == filters.cost)
    if filters.online:
        conditions.append(Offer.online.is_(True))
    if filters.region_id is not None:
        conditions.append(serves_sql(filters.region_id, filters.land))
    return conditions


def offer_page(filters: OfferFilter, page: int, per_page: int, today: date) -> tuple[list[Offer], int]:
    """One page of current offers matching the search and filters (best match first while searching, otherwise by
    title), with their partners and topics; a constant number of queries."""
    matched = OFFERS.match(filters.q, db.engine.dialect.name)
    conditions = offer_conditions(filters, today)
    count = select(func.count(Offer.id)).join(Partner, Partner.id == Offer.partner_id).where(*conditions)
    ids = select(Offer.id).join(Partner, Partner.id == Offer.partner_id).where(*conditions)
    if matched is not None:
        count, ids = matched.apply(count), matched.apply(ids)
    order = (matched.best_first,) if matched is not None else (Offer.title.asc(), Offer.id.asc())
    key = ("offers", db.engine.dialect.name, today.isoformat(), astuple(filters))
    total = cached_count(key, count)
    page_ids = cached_ids((*key, page), ids.order_by(*order).limit(per_page).offset((page - 1) * per_page), total)
    if not page_ids:
        return [], total
    rows = db.session.scalars(
        select(Offer).where(Offer.id.in_(page_ids)).options(joinedload(Offer.partner), selectinload(Offer.topics))
    ).all()
    return in_order_of(page_ids, rows), total


def get_offer(offer_id: int) -> Offer | None:
    """An offer with its topics and its partner (with the areas the partner serves), whatever its state."""
    return (
        db.session.scalars(
            select(Offer)
            .where(Offer.id == offer_id)
            .options(
                selectinload(Offer.topics),
                # A partner serves a handful of regions and Länder: joined in the same query.
                joinedload(Offer.partner).joinedload(Partner.served_regions),
                joinedload(Offer.partner).joinedload(Partner.served_lands),
            )
        )
        .unique()
        .one_or_none()
    )


def get_partner(partner_id: int) -> Partner | None:
    """A partner with its topics and the areas it serves, whatever its state."""
    return (
        db.session.scalars(
            select(Partner)
            .where(Partner.id == partner_id)
            .options(selectinload(Partner.topics), joinedload(Partner.served_regions), joinedload(Partner.served_lands))
        )
        .unique()
        .one_or_none()
    )


def current_offers(partner: Partner, today: date) -> list[Offer]:
    """The partner's current offers by title, with their topics."""
    return list(
        db.session.scalars(
            select(Offer)
            .join(Partner, Partner.id == Offer.partner_id)
            .where(Offer.partner_id == partner.id, current_sql(today))
            .options(selectinload(Offer.topics))
            .order_by(Offer.title, Offer.id)
        )
    )


def partner_activities(partner: Partner, limit: int = 6) -> list[Activity]:
    """The newest public reports of activities made with the partner."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.partner_id == partner.id, Activity.is_public)
            .order_by(*FEED_ORDER)
            .limit(limit)
            .options(joinedload(Activity.school), selectinload(Activity.topics), selectinload(Activity.files))
        )
    )


# --- the partner list ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerFilter:
    region: str = ""  # the region's slug
    kind: str = ""
    region_id: int | None = None
    land: str = ""

    def url_args(self) -> dict[str, str]:
        return {key: value for key, value in (("region", self.region), ("art", self.kind)) if value}


def partner_page(filters: PartnerFilter, page: int, per_page: int) -> tuple[list[Partner], int]:
    """One page of listed partners by name, with their topics."""
    conditions = [Partner.archived_at.is_(None)]
    if filters.kind:
        conditions.append(Partner.kind == filters.kind)
    if filters.region_id is not None:
        conditions.append(serves_sql(filters.region_id, filters.land))
    total = db.session.scalar(select(func.count(Partner.id)).where(*conditions)) or 0
    partners = db.session.scalars(
        select(Partner)
        .where(*conditions)
        .options(selectinload(Partner.topics))
        .order_by(Partner.name, Partner.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(partners), total


def current_offer_counts(partner_ids: list[int], today: date) -> dict[int, int]:
    """How many current offers each of the partners has (one aggregate query)."""
    if not partner_ids:
        return {}
    return dict(
        db.session.execute(
            select(Offer.partner_id, func.count(Offer.id))
            .join(Partner, Partner.id == Offer.partner_id)
            .where(Offer.partner_id.in_(partner_ids), current_sql(today))
            .group_by(Offer.partner_id)
        ).all()
    )


# --- a region's page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionPartners:
    """The listed partners serving a region (how many, the first few by name) and their current offers."""

    partners: int
    offers: int
    first: list[tuple[int, str]]  # (id, name)


def region_partners(region_id: int, land: str, today: date, limit: int = 6) -> RegionPartners:
    """What the region's page says about the cooperation partners serving its schools, in one query: the first
    partners by name, each row carrying the number of all of them and of their current offers."""
    offers = (
        select(func.count(Offer.id))
        .join(Partner, Partner.id == Offer.partner_id)
        .where(current_sql(today), serves_sql(region_id, land))
        .correlate(None)  # its own partners, not the outer query's row
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Partner.id, Partner.name, func.count().over(), offers)
        .where(Partner.archived_at.is_(None), serves_sql(region_id, land))
        .order_by(Partner.name, Partner.id)
        .limit(limit)
    ).all()
    if not rows:
        return RegionPartners(0, 0, [])
    return RegionPartners(rows[0][2], rows[0][3], [(row[0], row[1]) for row in rows])
