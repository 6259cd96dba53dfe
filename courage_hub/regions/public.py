"""What the public pages of the regional offices show: the offices by Land with their figures, one office's
member schools and latest reports.

It reads schools and activities, so it lives above those domains (like the start page), not in ``regions.services``
that the domains themselves use.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..activities.models import Activity
from ..activities.services import FEED_ORDER
from ..core.links import external_url
from ..extensions import db
from ..schools.models import School, SchoolStatus
from .models import Region
from .services import RegionInfo, all_regions
from .vocab import land_name


@dataclass(frozen=True)
class OfficeSummary:
    region: RegionInfo
    member_schools: int


def offices_by_land() -> list[tuple[str, list[OfficeSummary]]]:
    """Every office with its count of member schools, grouped by Land (by the Land's name): one aggregate query
    besides the regions that the request has already read."""
    members = member_counts()
    lands: dict[str, list[OfficeSummary]] = {}
    for region in all_regions():
        lands.setdefault(region.land, []).append(OfficeSummary(region, members.get(region.id, 0)))
    return sorted(lands.items(), key=lambda item: land_name(item[0]))


def member_counts(region_ids: list[int] | None = None) -> dict[int, int]:
    """Member schools per office (of ``region_ids``, or of all), in one aggregate query."""
    query = select(School.region_id, func.count(School.id)).where(
        School.is_public, School.status == SchoolStatus.AUFGENOMMEN
    )
    if region_ids is not None:
        query = query.where(School.region_id.in_(region_ids))
    return dict(db.session.execute(query.group_by(School.region_id)).all())


def region_by_slug(slug: str) -> Region | None:
    """The office with its municipalities (its public page)."""
    return db.session.scalar(select(Region).where(Region.slug == slug).options(selectinload(Region.municipalities)))


def public_schools(region: Region) -> list[School]:
    """The schools of the office that everyone may see, by name."""
    return list(
        db.session.scalars(select(School).where(School.region_id == region.id, School.is_public).order_by(School.name))
    )


def latest_activities(region: Region, limit: int = 6) -> list[Activity]:
    """The newest public reports of the office's schools."""
    return list(
        db.session.scalars(
            select(Activity)
            .join(School)
            .where(School.region_id == region.id, Activity.is_public)
            .order_by(*FEED_ORDER)
            .limit(limit)
            .options(joinedload(Activity.school), selectinload(Activity.topics), selectinload(Activity.files))
        )
    )


def office_jsonld(region: Region) -> dict:
    """schema.org data of the office (a GovernmentOffice) for search engines."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "GovernmentOffice",
        "name": region.name,
        "url": external_url("regions.detail", slug=region.slug),
        "areaServed": [{"@type": "AdministrativeArea", "name": region.area}]
        + [{"@type": "City", "name": town.name} for town in region.municipalities],
    }
    if region.address_lines:
        data["address"] = {"@type": "PostalAddress", "streetAddress": ", ".join(region.address_lines)}
    if region.contact_email:
        data["email"] = region.contact_email
    if region.contact_phone:
        data["telephone"] = region.contact_phone
    if region.opening_hours:
        data["openingHours"] = region.opening_hours
    return data
