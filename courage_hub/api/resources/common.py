"""What several resources share: how they name an office or a school, and their texts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...core.links import external_url
from ...core.markdown import plain_text
from ...extensions import db
from ...regions.models import Region
from ...schools.models import School
from ..schemas import RegionRef, SchoolRef

EXAMPLE_SITE = "https://courage-hub.example.org"


@dataclass(frozen=True)
class Office:
    """What an item says of its office: enough to name it, its Land, and when its entry last changed."""

    id: int
    slug: str
    name: str
    land: str
    updated_at: datetime


def offices(region_ids: Iterable[int | None]) -> dict[int, Office]:
    """The offices of a page's rows, in one light query (not every office with its municipalities, as the pages'
    filters read them: at 120 offices that alone cost half of an answer)."""
    wanted = {region_id for region_id in region_ids if region_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Region.id, Region.slug, Region.name, Region.land, Region.updated_at).where(Region.id.in_(wanted))
    )
    return {row.id: Office(*row) for row in rows}


def region_ref(region: Office) -> RegionRef:
    return RegionRef(
        id=region.id, slug=region.slug, name=region.name, url=external_url("regions.detail", slug=region.slug)
    )


def school_ref(school: School) -> SchoolRef:
    return SchoolRef(
        id=school.id, slug=school.slug, name=school.name, url=external_url("schools.profile", slug=school.slug)
    )


def text(markdown: str) -> str:
    """A description as plain text: what its page shows, without the formatting (raw HTML and comments, which the
    page never shows, are left out too)."""
    return plain_text(markdown or "")


def optional(value: str | None) -> str | None:
    """An optional text field: None when empty."""
    return value or None
