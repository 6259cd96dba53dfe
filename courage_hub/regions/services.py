"""Regions: which office covers a municipality, the lists the public pages and forms need."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from ..core.errors import is_unavailable
from ..core.text import slugify
from ..extensions import db
from .models import Region, RegionMunicipality, RegionStaff
from .vocab import land_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionInfo:
    """What pages and forms need of a region, detached from the database session."""

    id: int
    slug: str
    name: str
    area: str
    land: str
    municipalities: tuple[str, ...]
    contact_deadline: str | None = None  # "MM-DD"; None: the CONTACT_DEADLINE setting applies
    updated_at: datetime | None = None  # the last change of the office's entry (the API's Last-Modified)

    @property
    def land_name(self) -> str:
        return land_name(self.land)


def all_regions() -> list[RegionInfo]:
    """Every region with its municipalities, by Land and name; read once per request in one query (there are at
    most a few hundred, and most pages need the list for a filter or a name)."""
    cached = g.get("_all_regions")
    if cached is None:
        regions = db.session.scalars(
            select(Region).options(joinedload(Region.municipalities)).order_by(Region.land, Region.name)
        ).unique()
        cached = [
            RegionInfo(
                r.id,
                r.slug,
                r.name,
                r.area,
                r.land,
                tuple(town.name for town in r.municipalities),
                r.contact_deadline,
                r.updated_at,
            )
            for r in regions
        ]
        g._all_regions = cached
    return cached


def regions_by_id() -> dict[int, RegionInfo]:
    return {region.id: region for region in all_regions()}


def region_by_slug(slug: str) -> RegionInfo | None:
    return next((region for region in all_regions() if region.slug == slug), None)


def region_record(slug: str) -> Region | None:
    """The office's row (its public contact details), by its web address."""
    return db.session.scalar(select(Region).where(Region.slug == slug))


def region_for_municipality(name: str) -> RegionInfo | None:
    """The one region that covers ``name`` (a municipality belongs to at most one region)."""
    return next((region for region in all_regions() if name in region.municipalities), None)


def municipality_names(regions: list[RegionInfo] | None = None) -> list[str]:
    """The municipalities of ``regions`` (default: all), sorted."""
    return sorted(town for region in (all_regions() if regions is None else regions) for town in region.municipalities)


def lands_in_use() -> list[tuple[str, str]]:
    """(code, name) of the Länder that have a region here, by name."""
    return sorted({(region.land, region.land_name) for region in all_regions()}, key=lambda item: item[1])


@dataclass(frozen=True)
class Place:
    """The Land and region filters of a public list (``?land=NW&region=kreis-unna``), validated: an unknown value
    is ignored, and a region outside the chosen Land wins over the Land."""

    land: str = ""
    region: str = ""
    region_ids: tuple[int, ...] | None = None  # None: every region

    def url_args(self) -> dict[str, str]:
        return {key: value for key, value in (("land", self.land), ("region", self.region)) if value}

    def regions(self) -> list[RegionInfo]:
        """The regions the place covers (all when nothing is chosen)."""
        regions = all_regions()
        return regions if self.region_ids is None else [r for r in regions if r.id in self.region_ids]

    def municipalities(self) -> list[str]:
        """The municipalities to offer in the list's municipality filter: those of the chosen region or Land."""
        return municipality_names(self.regions())

    @staticmethod
    def land_choices() -> list[tuple[str, str]]:
        return lands_in_use()

    def region_choices(self) -> list[tuple[str, str]]:
        """(slug, office) of the regions to offer: those of the chosen Land, or all."""
        return [(r.slug, r.name) for r in all_regions() if not self.land or r.land == self.land]


def place(land: str | None, region: str | None) -> Place:
    """The validated place of ``?land=`` and ``?region=``."""
    chosen = region_by_slug(region) if region else None
    regions = all_regions()
    if chosen is not None:
        return Place(chosen.land if land == chosen.land else "", chosen.slug, (chosen.id,))
    if land and any(r.land == land for r in regions):
        return Place(land, "", tuple(r.id for r in regions if r.land == land))
    return Place()


@dataclass(frozen=True)
class Installation:
    """What the installation covers, for titles: one region reads as today ("Courage Hub Kreis Soest")."""

    regions: int
    area: str  # "Kreis Soest" for one region, the Land's name when all are in one Land, else ""
    lands: int = 1

    @property
    def is_single_region(self) -> bool:
        return self.regions == 1

    @property
    def several_regions(self) -> bool:
        return self.regions > 1

    @property
    def several_lands(self) -> bool:
        return self.lands > 1

    @property
    def title(self) -> str:
        """The site's name: "Courage Hub Kreis Soest", "Courage Hub Nordrhein-Westfalen", or "Courage Hub"."""
        return f"Courage Hub {self.area}" if self.area else "Courage Hub"

    @property
    def where(self) -> str:
        """Where the network of this site is, for sentences: "im Kreis Soest", "in Sachsen", "bundesweit"."""
        return in_area(self.area)


def installation() -> Installation:
    """The installation's scope, computed from the regions (read once per request)."""
    regions = all_regions()
    if not regions:  # before the first region exists (a fresh database): the setting that named the Kreis
        return Installation(1, current_app.config.get("KREIS_NAME", ""))
    if len(regions) == 1:
        return Installation(1, regions[0].area)
    lands = {region.land for region in regions}
    return Installation(len(regions), land_name(next(iter(lands))) if len(lands) == 1 else "", len(lands))


def site_scope() -> Installation:
    """:func:`installation`, read once per request; while the database is unavailable (the maintenance page) the
    setting that names the Kreis."""
    fallback = Installation(1, current_app.config.get("KREIS_NAME", ""))
    if g.get("db_unavailable"):
        return fallback
    scope = g.get("_site_scope")
    if scope is None:
        try:
            scope = installation()
        except DBAPIError as error:
            # Pages that need no data (the imprint, the sign-in form) still open while the database is down or not
            # yet migrated; a page that needs data fails on its own queries.
            db.session.rollback()
            if not is_unavailable(error):
                log.error(
                    "the regions could not be read (%s); the page names the configured Kreis", type(error).__name__
                )
            scope = fallback
        g._site_scope = scope
    return scope


# German needs the article of the area's name: "im Kreis Soest", "in der Stadt Hamm", "in Sachsen", "im Saarland".
_FEMININE_FIRST_WORDS = ("Stadt", "Städteregion", "Region", "Hansestadt", "Landeshauptstadt", "Universitätsstadt")
_MASCULINE_OR_NEUTER = ("Saarland",)


def in_area(area: str) -> str:
    """``area`` as a place in a sentence ("im Kreis Soest" in German, "in Kreis Soest" in English); the whole
    country ("bundesweit") when the installation spans several Länder."""
    if not area:
        return _("nationwide")
    first_word = area.split()[0]
    if first_word in _FEMININE_FIRST_WORDS:
        return pgettext("a place whose name takes the feminine article (die Stadt Hamm)", "in %(area)s", area=area)
    if first_word in ("Kreis", "Landkreis") or area.lower().endswith("kreis") or area in _MASCULINE_OR_NEUTER:
        return pgettext("a place whose name takes the masculine article (der Kreis Soest)", "in %(area)s", area=area)
    return _("in %(area)s", area=area)


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "region"
    taken = set(db.session.scalars(select(Region.slug).where(Region.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_region(name: str, area: str, land: str, municipalities: list[str], **public: str | None) -> Region:
    """A new region with its municipalities (call inside a write transaction)."""
    region = Region(name=name, area=area, land=land, slug=unique_slug(area), **public)
    db.session.add(region)
    db.session.flush()
    for town in municipalities:
        db.session.add(RegionMunicipality(region_id=region.id, name=town))
    g.pop("_all_regions", None)
    g.pop("_site_scope", None)
    return region


def ensure_default_region() -> Region:
    """The first region, built from the settings that named the one Kreis before regions existed
    (``COURAGE_HUB_KREIS``, ``COURAGE_HUB_MUNICIPALITIES``, ``COURAGE_HUB_LAND``, ``KI_CONTACT_EMAIL``), as the
    migration does; returns the existing first region when there is one (call inside a write transaction)."""
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


def staff_emails(region_id: int) -> list[str]:
    """The addresses of the region's active staff accounts with a confirmed address (mails the office waits for)."""
    from ..auth.models import Role, User

    return list(
        db.session.scalars(
            select(User.email)
            .join(RegionStaff, RegionStaff.user_id == User.id)
            .where(
                RegionStaff.region_id == region_id,
                User.role == Role.KI_STAFF,
                User.is_active.is_(True),
                User.email_confirmed_at.isnot(None),
            )
            .order_by(User.id)
        )
    )


def contact_addresses(region_id: int) -> list[str]:
    """Where a message to the office goes: its contact address (else the installation's KI_CONTACT_EMAIL), else
    every active staff account of the region."""
    region = db.session.get(Region, region_id)
    address = (region.contact_email if region is not None else None) or current_app.config.get("KI_CONTACT_EMAIL")
    return [address] if address else staff_emails(region_id)


def reply_to_address(region_id: int, fallback: str | None = None) -> str | None:
    """The Reply-To of the office's mails to schools ("simply reply to this mail"): the region's own setting, its
    contact address, the installation's KI_CONTACT_EMAIL, else ``fallback`` (the staff member who sent it)."""
    region = db.session.get(Region, region_id)
    return (
        (region.reply_to_email or region.contact_email if region is not None else None)
        or current_app.config.get("KI_CONTACT_EMAIL")
        or fallback
    )


def municipality_names_in(region_ids: frozenset[int] | None) -> list[str]:
    """The municipalities of the regions ``region_ids`` (``None``: every region), sorted."""
    if region_ids is None:
        return municipality_names()
    return municipality_names([region for region in all_regions() if region.id in region_ids])
