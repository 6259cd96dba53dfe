"""``/api/v1/schools``: the public directory of schools (``/schulen/``) with each school's public profile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...activities.models import Activity
from ...activities.services import obligation_years_of
from ...core import schoolyear
from ...core.links import external_url
from ...extensions import db
from ...schools import models
from ...schools.services import DirectoryFilter, directory_conditions
from ...schools.vocab import SCHOOL_TYPES
from ..http import newest
from ..pagination import Listing, Order
from ..params import PRINTABLE, PlaceQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, ObligationYear, Patron, RegionRef, School
from .common import EXAMPLE_SITE, offices, optional, region_ref, text

PUBLIC_STATUS_CODES = tuple(status.value for status in (*models.PREPARING_STATUSES, *models.PUBLIC_STATUSES))


class SchoolQuery(PlaceQuery):
    q: str | None = Field(None, max_length=100, pattern=PRINTABLE, description=N_("Words in the school's name."))
    municipality: str | None = Field(
        None, max_length=80, pattern=PRINTABLE, description=N_("Only schools in this municipality (its full name).")
    )
    school_type: Literal[SCHOOL_TYPES] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only schools of this type.")
    )
    status: Literal[PUBLIC_STATUS_CODES] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only schools at this step: “aufgenommen” are the member schools.")
    )


def select_schools(query: SchoolQuery) -> Listing:
    filters = DirectoryFilter(
        q=(query.q or "").strip(),
        municipality=query.municipality or "",
        school_type=query.school_type or "",
        status=query.status or "",
        region_ids=query.place().region_ids,
    )
    statement = select(models.School).where(*directory_conditions(filters))
    return Listing(statement.options(selectinload(models.School.patron)))


def get_school(school_id: int) -> models.School | None:
    return db.session.scalar(
        select(models.School)
        .where(models.School.id == school_id, models.School.is_public)
        .options(selectinload(models.School.patron))
    )


def _reports_changed(school_ids: list[int]) -> dict[int, datetime]:
    """The last change among each school's reports: its obligation years follow from them."""
    if not school_ids:
        return {}
    rows = db.session.execute(
        select(Activity.school_id, func.max(Activity.updated_at))
        .where(Activity.school_id.in_(school_ids))
        .group_by(Activity.school_id)
    )
    return dict(rows.all())


def _school_year_began() -> datetime:
    """The first day of the current school year (a new year adds a line to every member school's obligations)."""
    return datetime.combine(schoolyear.bounds(schoolyear.current_school_year())[0], datetime.min.time(), UTC)


def serialize(rows: Sequence[models.School]) -> list[Item]:
    obligations = obligation_years_of(list(rows))
    reports = _reports_changed([school.id for school in rows])
    year_began = _school_year_began()
    regions = offices(school.region_id for school in rows)
    items = []
    for school in rows:
        region = regions[school.region_id]
        patron = school.patron if school.patron is not None and school.patron.show_publicly else None
        body = School(
            id=school.id,
            url=external_url("schools.profile", slug=school.slug),
            slug=school.slug,
            name=school.name,
            school_type=school.school_type,
            status=school.status.value,
            member_since=school.admitted_on,  # as the profile's “Mitglied seit”
            municipality=school.municipality,
            region=region_ref(region),
            land=region.land,
            website=optional(school.website),
            email=optional(school.public_email),
            description=text(school.description),
            patron=Patron(name=patron.name, organisation=optional(patron.organisation)) if patron else None,
            obligation_years=[
                ObligationYear(school_year=year, label=schoolyear.label(year), project_reported=met)
                for year, met in obligations[school.id]
            ],
            logo_url=external_url("schools.logo", slug=school.slug) if school.logo_filename else None,
            updated_at=school.updated_at,
        )
        changed = newest(
            school.updated_at,
            school.patron.updated_at if school.patron is not None else None,
            region.updated_at,
            reports.get(school.id),
            year_began if body.obligation_years else None,
        )
        items.append(Item(body, changed))
    return items


_SOEST = RegionRef(id=1, slug="kreis-soest", name="KI Kreis Soest", url=f"{EXAMPLE_SITE}/regionen/kreis-soest")
_LINDENHOF = School(
    id=12,
    url=f"{EXAMPLE_SITE}/schulen/gesamtschule-am-lindenhof-lippstadt",
    slug="gesamtschule-am-lindenhof-lippstadt",
    name="Gesamtschule am Lindenhof Lippstadt",
    school_type="Gesamtschule",
    status="aufgenommen",
    member_since=date(2019, 11, 8),
    municipality="Lippstadt",
    region=_SOEST,
    land="NW",
    website="https://www.gesamtschule-lindenhof.example",
    email="sv@gesamtschule-lindenhof.example",
    description="Unsere SV und die Courage-AG organisieren jedes Jahr einen Projekttag gegen Rassismus.",
    patron=Patron(name="Aylin Demir", organisation="Stadttheater Lippstadt"),
    obligation_years=[
        ObligationYear(school_year=2024, label="2024/25", project_reported=True),
        ObligationYear(school_year=2025, label="2025/26", project_reported=False),
    ],
    logo_url=None,
    updated_at=datetime(2026, 10, 2, 14, 5, tzinfo=UTC),
)

RESOURCE = Resource(
    name="schools",
    id_name="school_id",
    model=School,
    query=SchoolQuery,
    order=Order((models.School.name, models.School.id)),
    select=select_schools,
    get=get_school,
    serialize=serialize,
    summary=N_("Schools"),
    description=N_(
        "The member schools, and schools on their way that agreed to be listed, by name: the directory's filters, "
        "with each school's public profile. Pending registrations never appear."
    ),
    item_summary=N_("One school"),
    list_example=Example(
        "/schools?municipality=Lippstadt&status=aufgenommen&limit=1",
        (_LINDENHOF,),
        next=f"{EXAMPLE_SITE}/api/v1/schools?limit=1&municipality=Lippstadt&status=aufgenommen"
        "&cursor=WyJHZXNhbXRzY2h1bGUgYW0gTGluZGVuaG9mIExpcHBzdGFkdCIsMTJd",
        limit=1,
    ),
    item_example=Example("/schools/12", (_LINDENHOF,)),
)
