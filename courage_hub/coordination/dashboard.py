"""The key figures of the KI dashboard and the annual report: schools per status, municipality, region, Land and
school type, the yearly obligation, activities per month, topics, materials and the open queues.

Every figure is an SQL aggregate (GROUP BY, EXISTS), never a loop over schools or regions, so the dashboard runs a
fixed number of queries whatever the size of the network: the rows per region come from the same GROUP BY queries
as the rows per municipality (grouped by region and municipality), and a Land's row adds up its regions' rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select

from ..access.scope import RegionIds, within
from ..activities.models import Activity, ActivityState, ActivityTopic
from ..core import schoolyear
from ..core.pagination import remembered
from ..events.models import Event, EventRegistration, EventState, RegistrationStatus
from ..extensions import db
from ..regions.services import all_regions, municipality_names_in
from ..regions.vocab import land_name
from ..schools.models import STATUS_ORDER, Approval, School, SchoolStatus
from .contact_needed import ContactRule, _admitted, _has_project, contact_rule
from .viewpoint import LAND, NATIONAL, REGION, REGIONS

ALL_STATUSES = (*STATUS_ORDER, SchoolStatus.AUSGETRETEN)
CHART_YEARS = 5


@dataclass
class Scope:
    """What the dashboard looks at: one school year, the regions whose figures it adds up (``None``: every region;
    chosen within the viewer's scope, see viewpoint.py) and optionally one municipality.

    ``level`` says what the regions are (one region, a staff member's regions, a Land, the country), ``name`` names
    them for headings and titles, ``args`` are the URL arguments that chose them (kept in every link)."""

    year: int
    municipality: str = ""
    region_ids: RegionIds = frozenset()
    level: str = REGION
    name: str = ""
    land: str = ""
    args: dict[str, str] = field(default_factory=dict)

    @property
    def is_roll_up(self) -> bool:
        """Several regions added up: the breakdown is per region (or per Land), not per municipality."""
        return self.level in (REGIONS, LAND, NATIONAL)

    @property
    def label(self) -> str:
        return schoolyear.label(self.year)

    def school_conditions(self) -> list[ColumnElement[bool]]:
        conditions = [within(School.region_id, self.region_ids)]
        if self.municipality:
            conditions.append(School.municipality == self.municipality)
        return conditions

    @property
    def cache_key(self) -> tuple:
        return (self.year, self.municipality, None if self.region_ids is None else tuple(sorted(self.region_ids)))


@dataclass
class MunicipalityRow:
    """The figures of one group of schools: a municipality, a school type, a region or a Land (``key``: the region's
    slug or the Land's code, for links to its own view)."""

    name: str
    by_status: dict[SchoolStatus, int] = field(default_factory=dict)
    newly_admitted: int = 0
    obligation_met: int = 0
    activities: int = 0
    key: str = ""
    at_events: int = 0  # schools that took part in an event of the school year (see ``_at_an_event``)

    def add(self, other: MunicipalityRow) -> None:
        for status, count in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + count
        self.newly_admitted += other.newly_admitted
        self.obligation_met += other.obligation_met
        self.activities += other.activities
        self.at_events += other.at_events

    @property
    def admitted(self) -> int:
        return self.by_status.get(SchoolStatus.AUFGENOMMEN, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def obligation_open(self) -> int:
        return max(self.admitted - self.obligation_met, 0)


@dataclass
class KeyFigures:
    scope: Scope
    municipalities: list[MunicipalityRow]
    by_status: dict[SchoolStatus, int]
    newly_admitted: int
    admitted: int
    obligation_met: int
    activities: int
    activities_by_month: list[tuple[date, int]]
    obligation_history: list[tuple[int, int, int]]  # (year, admitted, met)
    topics: list[tuple[str, int]]
    materials_shared: int
    school_types: list[MunicipalityRow]  # the same figures per school type (name = the school type)
    regions: list[MunicipalityRow]  # per region in scope (name = its area, key = its slug)
    lands: list[MunicipalityRow]  # per Land in scope (name = the Land, key = its code)
    pending_registrations: int
    materials_in_review: int
    open_reports: int
    needs_contact: int
    at_events: int = 0  # schools at an event of the school year

    @property
    def obligation_open(self) -> int:
        return max(self.admitted - self.obligation_met, 0)

    @property
    def obligation_percent(self) -> float:
        return 100.0 * self.obligation_met / self.admitted if self.admitted else 0.0


# A network of a thousand schools or more (NRW, Germany) takes a few hundred milliseconds to aggregate; its figures
# are then reused for a minute per worker. A Kreis-sized network is always counted live. Queues and the contact
# count are always live: they are what the KI acts on.
CACHE_NETWORKS_FROM = 1000


def key_figures(scope: Scope, rule: ContactRule | None = None, *, fresh: bool = False) -> KeyFigures:
    """All figures of the dashboard and the annual report for ``scope``, in eleven aggregate queries.

    ``fresh`` skips the cache (the annual report is always computed from the current data).
    """
    rule = rule or contact_rule()
    if fresh:
        network = _network_figures(scope)
    else:
        network = remembered(
            "network_cache",
            (*scope.cache_key, db.engine.dialect.name),
            lambda: _network_figures(scope),
            keep=lambda figures: sum(sum(r.by_status.values()) for r in figures[0].values()) >= CACHE_NETWORKS_FROM,
        )
    towns, months, history, topics, materials_shared, school_types, regions = network
    by_status = {status: sum(row.by_status.get(status, 0) for row in towns.values()) for status in ALL_STATUSES}
    queues = open_queues(scope.region_ids)
    contact_conditions = [rule.condition(), *scope.school_conditions()]
    rows = sorted(towns.values(), key=lambda r: r.name)
    if scope.municipality:
        rows = [r for r in rows if r.name == scope.municipality]
    return KeyFigures(
        scope=scope,
        municipalities=rows,
        by_status=by_status,
        newly_admitted=sum(r.newly_admitted for r in rows),
        admitted=by_status[SchoolStatus.AUFGENOMMEN],
        obligation_met=sum(r.obligation_met for r in rows),
        activities=sum(r.activities for r in rows),
        activities_by_month=months,
        obligation_history=history,
        topics=topics,
        materials_shared=materials_shared,
        school_types=school_types,
        regions=sorted(regions.values(), key=lambda r: r.name),
        lands=_land_rows(regions),
        pending_registrations=queues[0],
        materials_in_review=queues[1],
        open_reports=queues[2],
        needs_contact=db.session.scalar(select(func.count(School.id)).where(*contact_conditions)) or 0,
        at_events=sum(r.at_events for r in rows),
    )


def _network_figures(scope: Scope):
    """The aggregates over schools and reports: (towns, months, history, topics, materials shared, school types,
    regions)."""
    towns, regions = _municipality_rows(scope)
    _obligation_by_town(scope, towns, regions)
    months = _activities_by_month(scope, towns, regions)
    return (
        towns,
        months,
        _obligation_history(scope),
        _topics(scope),
        _materials_shared(scope),
        _school_type_rows(scope),
        regions,
    )


class _Groups:
    """Rows per municipality and per region, filled from the same GROUP BY results."""

    def __init__(self, towns: dict[str, MunicipalityRow], regions: dict[int, MunicipalityRow]) -> None:
        self.towns, self.regions = towns, regions

    def rows(self, region_id: int, town: str) -> list[MunicipalityRow]:
        """The town's row and its region's (a region created during this request has none yet)."""
        town_row = self.towns.setdefault(town, MunicipalityRow(town))
        region = self.regions.get(region_id)
        return [town_row] if region is None else [town_row, region]


def _land_rows(regions: dict[int, MunicipalityRow]) -> list[MunicipalityRow]:
    """The regions' rows added up per Land (no query: the regions' Länder are known)."""
    land_of = {region.id: region.land for region in all_regions()}
    lands: dict[str, MunicipalityRow] = {}
    for region_id, row in regions.items():
        code = land_of.get(region_id, "")
        lands.setdefault(code, MunicipalityRow(land_name(code) or code, key=code)).add(row)
    return sorted(lands.values(), key=lambda r: r.name)


def _school_type_rows(scope: Scope) -> list[MunicipalityRow]:
    """The municipality figures grouped by school type instead: three GROUP BY queries, sorted by type."""
    first, last = schoolyear.bounds(scope.year)
    types: dict[str, MunicipalityRow] = {}
    newly = case((and_(School.status == SchoolStatus.AUFGENOMMEN, School.admitted_on.between(first, last)), 1), else_=0)
    for school_type, status, count, new in db.session.execute(
        select(School.school_type, School.status, func.count(School.id), func.sum(newly))
        .where(School.approval == Approval.APPROVED, *scope.school_conditions())
        .group_by(School.school_type, School.status)
    ):
        row = types.setdefault(school_type, MunicipalityRow(school_type))
        row.by_status[status] = count
        row.newly_admitted += int(new or 0)
    met = func.sum(case((_has_project(scope.year), 1), else_=0))
    for school_type, count in db.session.execute(
        select(School.school_type, met).where(_admitted(), *scope.school_conditions()).group_by(School.school_type)
    ):
        types.setdefault(school_type, MunicipalityRow(school_type)).obligation_met = int(count or 0)
    for school_type, count in db.session.execute(
        select(School.school_type, func.count(Activity.id))
        .join(School, School.id == Activity.school_id)
        .where(
            Activity.state == ActivityState.PUBLISHED,
            Activity.school_year == scope.year,
            School.approval == Approval.APPROVED,
            *scope.school_conditions(),
        )
        .group_by(School.school_type)
    ):
        types.setdefault(school_type, MunicipalityRow(school_type)).activities = count
    return sorted(types.values(), key=lambda r: r.name)


def _municipality_rows(scope: Scope) -> tuple[dict[str, MunicipalityRow], dict[int, MunicipalityRow]]:
    """Schools per status and newly admitted, per municipality and per region (one GROUP BY query)."""
    first, last = schoolyear.bounds(scope.year)
    towns = {name: MunicipalityRow(name) for name in municipality_names_in(scope.region_ids)}
    regions = {
        region.id: MunicipalityRow(region.area, key=region.slug)
        for region in all_regions()
        if scope.region_ids is None or region.id in scope.region_ids
    }
    groups = _Groups(towns, regions)
    newly = case((and_(School.status == SchoolStatus.AUFGENOMMEN, School.admitted_on.between(first, last)), 1), else_=0)
    at_event = case((_at_an_event(scope.year), 1), else_=0)
    for region_id, town, status, count, new, at_events in db.session.execute(
        select(
            School.region_id,
            School.municipality,
            School.status,
            func.count(School.id),
            func.sum(newly),
            func.sum(at_event),
        )
        .where(School.approval == Approval.APPROVED, *scope.school_conditions())
        .group_by(School.region_id, School.municipality, School.status)
    ):
        for row in groups.rows(region_id, town):
            row.by_status[status] = row.by_status.get(status, 0) + count
            row.newly_admitted += int(new or 0)
            row.at_events += int(at_events or 0)
    return towns, regions


def _at_an_event(year: int) -> ColumnElement[bool]:
    """The school took part in a (not cancelled) event that began in school year ``year``: its registration was
    marked as attended, or, where attendance is not recorded (yet), it is confirmed. An indexed EXISTS per school."""
    start, end = schoolyear.utc_bounds(year)
    return exists(
        select(EventRegistration.id)
        .join(Event, Event.id == EventRegistration.event_id)
        .where(
            EventRegistration.school_id == School.id,
            Event.state == EventState.PUBLISHED,
            Event.starts_at >= start,
            Event.starts_at < end,
            or_(
                EventRegistration.attended.is_(True),
                and_(EventRegistration.attended.is_(None), EventRegistration.status == RegistrationStatus.CONFIRMED),
            ),
        )
    )


def _obligation_by_town(scope: Scope, towns: dict[str, MunicipalityRow], regions: dict[int, MunicipalityRow]) -> None:
    met = func.sum(case((_has_project(scope.year), 1), else_=0))
    groups = _Groups(towns, regions)
    for region_id, town, count in db.session.execute(
        select(School.region_id, School.municipality, met)
        .where(_admitted(), *scope.school_conditions())
        .group_by(School.region_id, School.municipality)
    ):
        for row in groups.rows(region_id, town):
            row.obligation_met += int(count or 0)


def _activities_by_month(
    scope: Scope, towns: dict[str, MunicipalityRow], regions: dict[int, MunicipalityRow]
) -> list[tuple[date, int]]:
    """Published activities per month of the school year (August first); fills the per-town and per-region totals
    too."""
    month = func.extract("month", Activity.start_date)
    counts: dict[int, int] = {}
    groups = _Groups(towns, regions)
    for region_id, town, m, count in db.session.execute(
        select(School.region_id, School.municipality, month, func.count(Activity.id))
        .join(School, School.id == Activity.school_id)
        .where(
            Activity.state == ActivityState.PUBLISHED,
            Activity.school_year == scope.year,
            School.approval == Approval.APPROVED,
            *scope.school_conditions(),
        )
        .group_by(School.region_id, School.municipality, month)
    ):
        counts[int(m)] = counts.get(int(m), 0) + count
        for row in groups.rows(region_id, town):
            row.activities += count
    return [(first, counts.get(first.month, 0)) for first in schoolyear.months(scope.year)]


def _obligation_history(scope: Scope) -> list[tuple[int, int, int]]:
    """(year, member schools, members with a project) for the last five school years up to ``scope.year``.

    One pass over the admitted schools with an indexed EXISTS per school and year (no scan of all activities).
    """
    years = list(range(scope.year - CHART_YEARS + 1, scope.year + 1))
    admitted_year = schoolyear.school_year_expr(School.admitted_on)
    columns = []
    for y in years:
        member = or_(School.admitted_on.is_(None), admitted_year <= y)
        columns.append(func.sum(case((member, 1), else_=0)))
        columns.append(func.sum(case((and_(member, _has_project(y)), 1), else_=0)))
    row = db.session.execute(select(*columns).where(_admitted(), *scope.school_conditions())).one()
    return [(y, int(row[2 * i] or 0), int(row[2 * i + 1] or 0)) for i, y in enumerate(years)]


def _topics(scope: Scope) -> list[tuple[str, int]]:
    count = func.count(ActivityTopic.activity_id)
    return [
        (topic, n)
        for topic, n in db.session.execute(
            select(ActivityTopic.topic, count)
            .join(Activity, Activity.id == ActivityTopic.activity_id)
            .join(School, School.id == Activity.school_id)
            .where(
                Activity.state == ActivityState.PUBLISHED,
                Activity.school_year == scope.year,
                School.approval == Approval.APPROVED,
                *scope.school_conditions(),
            )
            .group_by(ActivityTopic.topic)
            .order_by(count.desc(), ActivityTopic.topic)
        )
    ]


def _materials_shared(scope: Scope) -> int:
    from ..materials.models import Material, MaterialState

    start, end = schoolyear.utc_bounds(scope.year)
    query = select(func.count(Material.id)).where(
        Material.state == MaterialState.PUBLISHED, Material.published_at >= start, Material.published_at < end
    )
    if scope.municipality:
        query = query.join(School, School.id == Material.school_id).where(*scope.school_conditions())
    return db.session.scalar(query) or 0


def open_queues(region_ids: RegionIds) -> tuple[int, int, int]:
    """What waits for the offices of ``region_ids``: (pending registrations, materials in review, open problem
    reports). Always counted live: the dashboard and the weekly digest show the work that is still to do."""
    from ..materials.models import Material, MaterialReport, MaterialState

    reported = select(Material.id).where(within(Material.region_id, region_ids))
    row = db.session.execute(
        select(
            select(func.count(School.id))
            .where(School.approval == Approval.PENDING, within(School.region_id, region_ids))
            .scalar_subquery(),
            select(func.count(Material.id))
            .where(Material.state == MaterialState.REVIEW, within(Material.region_id, region_ids))
            .scalar_subquery(),
            select(func.count(MaterialReport.id))
            .where(MaterialReport.resolved_at.is_(None), MaterialReport.material_id.in_(reported))
            .scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def year_choices(today: date | None = None) -> list[int]:
    """School years to choose from: the current one and the eight before it."""
    current = schoolyear.current_school_year(today)
    return list(range(current, current - 9, -1))
