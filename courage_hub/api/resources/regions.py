"""``/api/v1/regions``: the regional coordination offices, as on ``/regionen/``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.links import external_url
from ...extensions import db
from ...regions import models
from ...regions.public import member_counts
from ..pagination import Listing, Order
from ..params import CollectionQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, Land, Region, RegionContact
from .common import EXAMPLE_SITE, optional, text


class RegionQuery(CollectionQuery):
    land: Land | None = Field(None, description=N_("Only this Land (ISO 3166-2 code without “DE-”, e.g. “NW”)."))


def select_regions(query: RegionQuery) -> Listing:
    statement = select(models.Region).options(selectinload(models.Region.municipalities))
    return Listing(statement.where(models.Region.land == query.land) if query.land else statement)


def get_region(region_id: int) -> models.Region | None:
    return db.session.scalar(
        select(models.Region).where(models.Region.id == region_id).options(selectinload(models.Region.municipalities))
    )


def serialize(rows: Sequence[models.Region]) -> list[Item]:
    members = member_counts([region.id for region in rows])
    return [
        Item(
            Region(
                id=region.id,
                url=external_url("regions.detail", slug=region.slug),
                slug=region.slug,
                name=region.name,
                area=region.area,
                land=region.land,
                land_name=region.land_name,
                municipalities=[town.name for town in region.municipalities],
                member_schools=members.get(region.id, 0),
                contact=RegionContact(
                    address=region.address_lines,
                    email=optional(region.contact_email),
                    phone=optional(region.contact_phone),
                    opening_hours=optional(region.opening_hours),
                ),
                introduction=text(region.introduction),
                updated_at=region.updated_at,
            ),
            region.updated_at,
        )
        for region in rows
    ]


_SOEST = Region(
    id=1,
    url=f"{EXAMPLE_SITE}/regionen/kreis-soest",
    slug="kreis-soest",
    name="KI Kreis Soest",
    area="Kreis Soest",
    land="NW",
    land_name="Nordrhein-Westfalen",
    municipalities=["Anröchte", "Bad Sassendorf", "Ense", "Erwitte", "Geseke", "Lippetal", "Lippstadt"],
    member_schools=35,
    contact=RegionContact(
        address=["Kommunales Integrationszentrum Kreis Soest", "Hoher Weg 1–3", "59494 Soest"],
        email="ki@kreis-soest.example",
        phone="02921 30-0",
        opening_hours="Mo–Do 8–16 Uhr, Fr 8–12 Uhr",
    ),
    introduction="Wir beraten die Schulen im Kreis Soest auf dem Weg ins Netzwerk und danach.",
    updated_at=datetime(2026, 9, 1, 8, 30, tzinfo=UTC),
)

RESOURCE = Resource(
    name="regions",
    id_name="region_id",
    model=Region,
    query=RegionQuery,
    order=Order((models.Region.name, models.Region.id)),
    select=select_regions,
    get=get_region,
    serialize=serialize,
    summary=N_("Regional coordination offices"),
    description=N_("Every office with its area, municipalities, public contact and number of member schools, by name."),
    item_summary=N_("One regional coordination office"),
    list_example=Example(
        "/regions?land=NW&limit=1",
        (_SOEST,),
        next=f"{EXAMPLE_SITE}/api/v1/regions?land=NW&limit=1&cursor=WyJLSSBLcmVpcyBTb2VzdCIsMV0",
        limit=1,
    ),
    item_example=Example("/regions/1", (_SOEST,)),
)
