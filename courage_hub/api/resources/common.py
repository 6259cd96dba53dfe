"""What several resources share: how they name an office or a school, and their texts."""

from __future__ import annotations

from ...core.links import external_url
from ...core.markdown import plain_text
from ...regions.services import RegionInfo, regions_by_id
from ...schools.models import School
from ..schemas import RegionRef, SchoolRef

EXAMPLE_SITE = "https://courage-hub.example.org"


def region_ref(region: RegionInfo) -> RegionRef:
    return RegionRef(
        id=region.id, slug=region.slug, name=region.name, url=external_url("regions.detail", slug=region.slug)
    )


def office(region_id: int) -> RegionInfo:
    """The office with this id, from the regions the request has read once (every row names an existing one)."""
    return regions_by_id()[region_id]


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
