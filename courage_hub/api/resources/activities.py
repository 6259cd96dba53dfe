"""``/api/v1/activities``: the published reports of the public feed (``/aktivitaeten/``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from ...activities import models
from ...activities.services import FeedFilter, feed_conditions, get_activity
from ...activities.vocab import ACTIVITY_TYPES
from ...core.links import external_url
from ...core.vocab import TOPICS
from ...schools.models import School
from ..http import newest
from ..pagination import Listing, Order
from ..params import PRINTABLE, SLUG, PlaceQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, Activity, RegionRef, SchoolRef
from .common import EXAMPLE_SITE, offices, region_ref, school_ref, text


class ActivityQuery(PlaceQuery):
    q: str | None = Field(
        None, max_length=100, pattern=PRINTABLE, description=N_("Search words (German word forms are found too).")
    )
    topic: Literal[TOPICS] | None = Field(None, description=N_("Only reports on this topic."))  # type: ignore[valid-type]
    type: Literal[ACTIVITY_TYPES] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only this kind of activity.")
    )
    school_year: int | None = Field(
        None, ge=2000, le=2100, description=N_("Only this school year, by its first calendar year: 2025 is 2025/26.")
    )
    municipality: str | None = Field(
        None, max_length=80, pattern=PRINTABLE, description=N_("Only schools in this municipality (its full name).")
    )
    school: str | None = Field(
        None, max_length=220, pattern=SLUG, description=N_("Only this school's reports, by its slug.")
    )


def select_activities(query: ActivityQuery) -> Listing:
    place = query.place()
    filters = FeedFilter(
        topic=query.topic or "",
        activity_type=query.type or "",
        municipality=query.municipality or "",
        school=query.school or "",
        year=query.school_year,
        q=(query.q or "").strip(),
        land=place.land,
        region=place.region,
        region_ids=place.region_ids,
    )
    return Listing(
        select(models.Activity)
        .join(School, models.Activity.school_id == School.id)
        .where(*feed_conditions(filters))
        .options(contains_eager(models.Activity.school), selectinload(models.Activity.topics))
    )


def get_public_activity(activity_id: int) -> models.Activity | None:
    """The report if everyone may see it: the rule of its page (``Activity.is_public``)."""
    activity = get_activity(activity_id)
    return activity if activity is not None and activity.is_public else None


def serialize(rows: Sequence[models.Activity]) -> list[Item]:
    regions = offices(activity.school.region_id for activity in rows)
    items = []
    for activity in rows:
        school = activity.school
        region = regions[school.region_id]
        body = Activity(
            id=activity.id,
            url=external_url("activities.detail", activity_id=activity.id),
            title=activity.title,
            start_date=activity.start_date,
            end_date=activity.end_date,
            school_year=activity.school_year,
            type=activity.activity_type,
            topics=activity.topic_names,
            description=text(activity.description),
            groups=activity.groups,
            participants=activity.participants,
            partners=activity.partners,
            links=[line for line in activity.links.splitlines() if line.strip()],
            counts_as_project=activity.counts_as_project,
            school=school_ref(school),
            municipality=school.municipality,
            region=region_ref(region),
            land=region.land,
            published_at=activity.published_at,
            updated_at=activity.updated_at,
        )
        items.append(Item(body, newest(activity.updated_at, school.updated_at, region.updated_at)))
    return items


_REPORT = Activity(
    id=4711,
    url=f"{EXAMPLE_SITE}/aktivitaeten/4711",
    title="Projekttag „Gesicht zeigen“",
    start_date=date(2025, 11, 12),
    end_date=None,
    school_year=2025,
    type="Projekttag/Projektwoche",
    topics=["Demokratie und Zivilcourage", "Rassismus"],
    description="Alle Klassen der Jahrgänge 7 bis 9 arbeiteten einen Tag lang in Workshops zu Zivilcourage.",
    groups="Jahrgänge 7–9",
    participants=240,
    partners="Mobile Beratung gegen Rechtsextremismus",
    links=["https://www.gesamtschule-lindenhof.example/projekttag"],
    counts_as_project=True,
    school=SchoolRef(
        id=12,
        slug="gesamtschule-am-lindenhof-lippstadt",
        name="Gesamtschule am Lindenhof Lippstadt",
        url=f"{EXAMPLE_SITE}/schulen/gesamtschule-am-lindenhof-lippstadt",
    ),
    municipality="Lippstadt",
    region=RegionRef(id=1, slug="kreis-soest", name="KI Kreis Soest", url=f"{EXAMPLE_SITE}/regionen/kreis-soest"),
    land="NW",
    published_at=datetime(2025, 11, 14, 9, 12, tzinfo=UTC),
    updated_at=datetime(2025, 11, 14, 9, 12, tzinfo=UTC),
)

RESOURCE = Resource(
    name="activities",
    id_name="activity_id",
    model=Activity,
    query=ActivityQuery,
    order=Order((models.Activity.start_date, models.Activity.id), descending=True),
    select=select_activities,
    get=get_public_activity,
    serialize=serialize,
    summary=N_("Activities"),
    description=N_(
        "The published reports of public schools, newest first (by the day they took place): the feed's filters "
        "and search. Drafts and reports the office took offline never appear; photos and attachments are not "
        "offered (consent for a photo was given for the school's page)."
    ),
    item_summary=N_("One report"),
    list_example=Example(
        "/activities?topic=Rassismus&school_year=2025&limit=1",
        (_REPORT,),
        next=f"{EXAMPLE_SITE}/api/v1/activities?limit=1&topic=Rassismus&school_year=2025"
        "&cursor=WyIyMDI1LTExLTEyIiw0NzExXQ",
        limit=1,
    ),
    item_example=Example("/activities/4711", (_REPORT,)),
)
