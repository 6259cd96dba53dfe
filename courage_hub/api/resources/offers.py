"""``/api/v1/offers``: the current offers of the cooperation partners (``/angebote/``), best for schools of an
office or a Land when asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ...core.links import external_url
from ...core.schoolyear import local_today
from ...core.vocab import TOPICS
from ...extensions import db
from ...partners import public
from ...partners.coverage import serves_sql
from ...partners.models import Offer as OfferRow
from ...partners.models import Partner, PartnerLand, PartnerRegion
from ...partners.policy import offer_is_public
from ...partners.search import OFFERS
from ...partners.vocab import COSTS, FORMATS, GRADES
from ...regions.models import Region
from ..http import newest
from ..pagination import Listing, Order
from ..params import PRINTABLE, PlaceQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, Offer, PartnerRef, RegionRef
from .common import EXAMPLE_SITE, offices, optional, region_ref, text


class OfferQuery(PlaceQuery):
    q: str | None = Field(
        None,
        max_length=100,
        pattern=PRINTABLE,
        description=N_("Search words in title, partner, topics and description (“Gedenken” finds “Gedenkstätte”)."),
    )
    topic: Literal[TOPICS] | None = Field(None, description=N_("Only offers on this topic."))  # type: ignore[valid-type]
    format: Literal[FORMATS] | None = Field(None, description=N_("Only this format."))  # type: ignore[valid-type]
    grade: int | None = Field(
        None, ge=min(GRADES), le=max(GRADES), description=N_("Only offers that suit this school grade.")
    )
    cost: Literal[tuple(COSTS)] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only free offers, offers with a fee, or offers with cost on request.")
    )
    online: bool | None = Field(None, description=N_("true: only offers that also take place online."))


def _serving_land(land: str) -> ColumnElement[bool]:
    """The partner serves schools in ``land``: nationwide, the whole Land, or one of its offices."""
    return or_(
        Partner.nationwide.is_(True),
        exists().where(PartnerLand.partner_id == Partner.id, PartnerLand.land == land),
        exists()
        .where(PartnerRegion.partner_id == Partner.id, PartnerRegion.region_id == Region.id, Region.land == land)
        .correlate(Partner),
    )


def select_offers(query: OfferQuery) -> Listing:
    filters = public.OfferFilter(
        topic=query.topic or "",
        format=query.format or "",
        grade=query.grade,
        cost=query.cost or "",
        online=bool(query.online),
    )
    conditions = public.offer_conditions(filters, local_today())
    place = query.place()
    if query.region is not None:
        # The office's schools: partners that serve it (an unknown office, or one outside the Land, matches nothing).
        row = db.session.execute(select(Region.id, Region.land).where(Region.id.in_(place.region_ids))).first()
        conditions.append(serves_sql(row.id, row.land) if row is not None else false())
    elif query.land is not None:
        conditions.append(_serving_land(query.land))
    statement = (
        select(OfferRow)
        .join(Partner, Partner.id == OfferRow.partner_id)
        .where(*conditions)
        .options(
            joinedload(OfferRow.partner).selectinload(Partner.served_regions),
            joinedload(OfferRow.partner).selectinload(Partner.served_lands),
            selectinload(OfferRow.topics),
        )
    )
    matched = OFFERS.contains(query.q or "", db.engine.dialect.name)
    return Listing(statement.where(matched) if matched is not None else statement)


def get_public_offer(offer_id: int) -> OfferRow | None:
    """The offer if its page is public (``partners.policy.offer_is_public``)."""
    offer = public.get_offer(offer_id)
    return offer if offer is not None and offer_is_public(offer, offer.partner) else None


def serialize(rows: Sequence[OfferRow]) -> list[Item]:
    regions = offices(link.region_id for offer in rows for link in offer.partner.served_regions)
    items = []
    for offer in rows:
        partner = offer.partner
        served = sorted((regions[link.region_id] for link in partner.served_regions), key=lambda r: r.name)
        body = Offer(
            id=offer.id,
            url=external_url("offers.detail", offer_id=offer.id),
            title=offer.title,
            format=offer.format,
            topics=offer.topic_names,
            audience=offer.audience,
            grade_min=offer.grade_min,
            grade_max=offer.grade_max,
            group_min=offer.group_min,
            group_max=offer.group_max,
            duration=optional(offer.duration),
            cost=offer.cost_kind,
            cost_euros=offer.cost_cents / 100 if offer.cost_kind == "amount" and offer.cost_cents is not None else None,
            cost_note=optional(offer.cost_note),
            languages=offer.language_list,
            places=offer.places,
            accessibility=optional(offer.accessibility),
            description=text(offer.description),
            available_until=offer.available_until,
            partner=PartnerRef(
                id=partner.id,
                name=partner.name,
                kind=partner.kind,
                url=external_url("offers.partner", partner_id=partner.id),
                website=partner.website or None,
                nationwide=partner.nationwide,
                lands=sorted(link.land for link in partner.served_lands),
                regions=[region_ref(region) for region in served],
            ),
            updated_at=offer.updated_at,
        )
        items.append(Item(body, newest(offer.updated_at, partner.updated_at)))
    return items


_WORKSHOP = Offer(
    id=42,
    url=f"{EXAMPLE_SITE}/angebote/42",
    title="Workshop: Antisemitismus erkennen und widersprechen",
    format="Workshop",
    topics=["Antisemitismus", "Erinnerungskultur und Gedenken"],
    audience="pupils",
    grade_min=8,
    grade_max=10,
    group_min=10,
    group_max=30,
    duration="180 Minuten",
    cost="free",
    cost_euros=None,
    cost_note=None,
    languages=["Deutsch"],
    places=["school", "partner"],
    accessibility="Die Räume der Begegnungsstätte sind stufenlos erreichbar.",
    description="Antisemitische Bilder und Verschwörungserzählungen erkennen und im Alltag widersprechen.",
    available_until=date(2027, 7, 31),
    partner=PartnerRef(
        id=7,
        name="Begegnungsstätte Alte Synagoge am Hellweg",
        kind="Gedenkstätte/Erinnerungsort",
        url=f"{EXAMPLE_SITE}/angebote/partner/7",
        website="https://synagoge-hellweg.example.org",
        nationwide=False,
        lands=[],
        regions=[
            RegionRef(id=1, slug="kreis-soest", name="KI Kreis Soest", url=f"{EXAMPLE_SITE}/regionen/kreis-soest")
        ],
    ),
    updated_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
)

RESOURCE = Resource(
    name="offers",
    id_name="offer_id",
    model=Offer,
    query=OfferQuery,
    order=Order((OfferRow.title, OfferRow.id)),
    select=select_offers,
    get=get_public_offer,
    serialize=serialize,
    summary=N_("Offers of cooperation partners"),
    description=N_(
        "Current offers of the listed cooperation partners, by title: the offer list's search and filters. An "
        "office or a Land narrows them to the partners that serve its schools. Offers in review, returned, "
        "expired or no longer offered, partners' accounts and schools' requests never appear."
    ),
    item_summary=N_("One offer"),
    list_example=Example(
        "/offers?topic=Antisemitismus&grade=9&cost=free&region=kreis-soest&limit=1",
        (_WORKSHOP,),
        next=f"{EXAMPLE_SITE}/api/v1/offers?limit=1&topic=Antisemitismus&grade=9&cost=free&region=kreis-soest"
        "&cursor=WyJXb3Jrc2hvcDogQW50aXNlbWl0aXNtdXMgZXJrZW5uZW4gdW5kIHdpZGVyc3ByZWNoZW4iLDQyXQ",
        limit=1,
    ),
    item_example=Example("/offers/42", (_WORKSHOP,)),
)
