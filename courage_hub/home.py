"""The start page: what Courage Hub is, and the network at a glance (member schools, this school year's projects,
the newest reports).

It reads from the activities and schools domains, so it lives above them (like cleanup), not in ``core``; the route
stays on the core blueprint as ``core.index``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .activities.models import Activity
from .activities.services import FEED_ORDER, obligation_condition
from .core import schoolyear
from .core.views import bp
from .events.public import next_events
from .extensions import db
from .regions.services import all_regions
from .schools.models import School, SchoolStatus


@dataclass(frozen=True)
class NetworkOverview:
    members: int  # admitted schools shown publicly
    projects: int  # public reports that count as a project of the current school year
    school_year: int
    latest: list[Activity]


def network_overview(latest: int = 3) -> NetworkOverview:
    """The start page's figures and newest public reports in three queries (counts together, reports, topics+files)."""
    year = schoolyear.current_school_year()
    members = (
        select(func.count(School.id))
        .where(School.is_public, School.status == SchoolStatus.AUFGENOMMEN)
        .scalar_subquery()
    )
    projects = (
        select(func.count(Activity.id))
        .join(School)
        .where(Activity.is_public, obligation_condition(year))
        .scalar_subquery()
    )
    member_count, project_count = db.session.execute(select(members, projects)).one()
    newest = db.session.scalars(
        select(Activity)
        .join(School)
        .where(Activity.is_public)
        .order_by(*FEED_ORDER)
        .limit(latest)
        .options(joinedload(Activity.school), selectinload(Activity.topics), selectinload(Activity.files))
    ).all()
    return NetworkOverview(members=member_count, projects=project_count, school_year=year, latest=list(newest))


def office_finder() -> list[tuple[str, tuple[str, ...]]]:
    """(office, its municipalities) for the finder "which office looks after my school?"; empty with one office."""
    regions = all_regions()
    return [(region.name, region.municipalities) for region in regions] if len(regions) > 1 else []


@bp.get("/")
def index():
    """Explain Courage Hub to a visitor, show how big the network is and what is on next, and lead pupils, schools
    and staff onward; with several regional offices, help a school find the one that looks after it."""
    return render_template("core/index.html", overview=network_overview(), finder=office_finder(), events=next_events())
