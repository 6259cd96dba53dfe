"""Regions: which office covers a municipality, the lists the public pages and forms need."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.text import slugify
from ..extensions import db
from .models import Region, RegionMunicipality, RegionStaff
from .vocab import land_name


def all_regions() -> list[Region]:
    """Every region with its municipalities, by Land and name; read once per request (there are at most a few
    hundred, and most pages need the list for a filter or a name)."""
    cached = g.get("_all_regions")
    if cached is None:
        cached = list(
            db.session.scalars(
                select(Region).options(selectinload(Region.municipalities)).order_by(Region.land, Region.name)
            )
        )
        g._all_regions = cached
    return cached


def regions_by_id() -> dict[int, Region]:
    return {region.id: region for region in all_regions()}


def region_by_slug(slug: str) -> Region | None:
    return next((region for region in all_regions() if region.slug == slug), None)


def region_for_municipality(name: str) -> Region | None:
    """The one region that covers ``name`` (a municipality belongs to at most one region)."""
    for region in all_regions():
        if any(town.name == name for town in region.municipalities):
            return region
    return None


def municipality_names(regions: list[Region] | None = None) -> list[str]:
    """The municipalities of ``regions`` (default: all), sorted."""
    return sorted(town.name for region in (regions or all_regions()) for town in region.municipalities)


def municipality_choices() -> list[tuple[str, str]] | dict[str, list[tuple[str, str]]]:
    """Choices for a municipality select: a flat list for one region, grouped by office for several."""
    regions = all_regions()
    if len(regions) == 1:
        return [(name, name) for name in municipality_names(regions)]
    return {region.name: [(town.name, town.name) for town in region.municipalities] for region in regions}


def lands_in_use() -> list[tuple[str, str]]:
    """(code, name) of the Länder that have a region here, by name."""
    return sorted({(region.land, region.land_name) for region in all_regions()}, key=lambda item: item[1])


@dataclass(frozen=True)
class Installation:
    """What the installation covers, for titles: one region reads as today ("Courage Hub Kreis Soest")."""

    regions: int
    area: str  # "Kreis Soest" for one region, the Land's name when all are in one Land, else ""

    @property
    def is_single_region(self) -> bool:
        return self.regions == 1


def installation() -> Installation:
    regions = all_regions()
    if len(regions) == 1:
        return Installation(1, regions[0].area)
    lands = {region.land for region in regions}
    return Installation(len(regions), land_name(next(iter(lands))) if len(lands) == 1 else "")


def staff_region_ids_of(user_id: int) -> frozenset[int]:
    return frozenset(db.session.scalars(select(RegionStaff.region_id).where(RegionStaff.user_id == user_id)))


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "region"
    taken = set(db.session.scalars(select(Region.slug).where(Region.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_region(
    name: str, area: str, land: str, municipalities: list[str], **public: str | None
) -> Region:
    """A new region with its municipalities (call inside a write transaction)."""
    region = Region(name=name, area=area, land=land, slug=unique_slug(area), **public)
    db.session.add(region)
    db.session.flush()
    for town in municipalities:
        db.session.add(RegionMunicipality(region_id=region.id, name=town))
    g.pop("_all_regions", None)
    return region


def ensure_default_region() -> Region:
    """The first region, built from the settings that named the one Kreis before regions existed
    (``COURAGE_HUB_KREIS``, ``COURAGE_HUB_MUNICIPALITIES``, ``COURAGE_HUB_LAND``, ``KI_CONTACT_EMAIL``), as the
    migration does; returns the existing first region when there is one (call inside a write transaction)."""
    from flask import current_app

    from ..schools.vocab import municipalities

    existing = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    if existing is not None:
        return existing
    config = current_app.config
    kreis = config["KREIS_NAME"]
    return create_region(
        f"KI {kreis}",
        kreis,
        config.get("KREIS_LAND", "NW"),
        list(municipalities(kreis)),
        contact_email=config.get("KI_CONTACT_EMAIL"),
    )
