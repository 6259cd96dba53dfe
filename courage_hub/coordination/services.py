"""The KI's view of the Kreis: key figures, the schools table, "Kontakt nötig", internal notes.

Every figure is an SQL aggregate (GROUP BY, EXISTS), never a loop over schools, so the dashboard runs a fixed
number of queries whatever the size of the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from ..activities.models import Activity, ActivityState, ActivityTopic
from ..activities.services import obligation_condition
from ..auth.models import User
from ..core import audit, schoolyear
from ..core.db import utcnow, write_transaction
from ..core.pagination import remembered
from ..core.schoolyear import local_today
from ..extensions import db
from ..schools.models import STATUS_ORDER, Approval, Membership, Patron, School, SchoolStatus
from .models import ReminderDelivery, SchoolNote

ALL_STATUSES = (*STATUS_ORDER, SchoolStatus.AUSGETRETEN)
CHART_YEARS = 5


# --- "Kontakt nötig" -------------------------------------------------------------------------------------------


def contact_deadline(year: int) -> date:
    """The day of school year ``year`` from which an admitted school without a project needs contact.

    ``CONTACT_DEADLINE`` is "MM-DD" (default "03-01": 1 March); a day from the school year's first month on falls
    into its first calendar year, any other into the second.
    """
    raw = str(current_app.config.get("CONTACT_DEADLINE") or "03-01")
    try:
        month, day = (int(part) for part in raw.split("-", 1))
        return date(schoolyear.calendar_year(year, month), month, min(day, 28) if month == 2 else day)
    except ValueError:
        return date(year + 1, 3, 1)


def twelve_months_before(moment: datetime) -> datetime:
    """The same moment one year earlier (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def _has_project(year: int) -> ColumnElement[bool]:
    return exists().where(Activity.school_id == School.id, obligation_condition(year))


def _has_recent_report(cutoff: datetime) -> ColumnElement[bool]:
    return exists().where(
        Activity.school_id == School.id,
        Activity.state == ActivityState.PUBLISHED,
        Activity.published_at >= cutoff,
    )


@dataclass(frozen=True)
class ContactRule:
    """The moment the rule is evaluated for, and what follows from it."""

    now: datetime

    @property
    def today(self) -> date:
        return local_today(self.now)

    @property
    def year(self) -> int:
        return schoolyear.school_year_of(self.today)

    @property
    def deadline(self) -> date:
        return contact_deadline(self.year)

    @property
    def deadline_passed(self) -> bool:
        return self.today >= self.deadline

    @property
    def cutoff(self) -> datetime:
        return twelve_months_before(self.now)

    def missing_project(self) -> ColumnElement[bool]:
        """Admitted, the deadline has passed and no published project in the current school year."""
        if not self.deadline_passed:
            return false()
        return and_(_admitted(), ~_has_project(self.year))

    def silent(self) -> ColumnElement[bool]:
        """Admitted more than 12 months ago (or unknown) and no report published in the last 12 months."""
        admitted_before = or_(School.admitted_on.is_(None), School.admitted_on < self.cutoff.date())
        return and_(_admitted(), admitted_before, ~_has_recent_report(self.cutoff))

    def manual(self) -> ColumnElement[bool]:
        return and_(School.approval == Approval.APPROVED, School.needs_contact.is_(True))

    def condition(self) -> ColumnElement[bool]:
        """SQL: the school needs contact (automatically or flagged by hand)."""
        return or_(self.manual(), self.missing_project(), self.silent())


def contact_rule(now: datetime | None = None) -> ContactRule:
    return ContactRule(now or utcnow())


def _admitted() -> ColumnElement[bool]:
    return and_(School.approval == Approval.APPROVED, School.status == SchoolStatus.AUFGENOMMEN)


@dataclass
class ContactCase:
    school: School
    manual: bool
    missing_project: bool
    silent: bool
    coordinators: list[User] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        addresses = [u.email for u in self.coordinators if u.is_active]
        if not addresses and self.school.public_email:
            addresses = [self.school.public_email]
        return addresses


def contact_cases(rule: ContactRule, municipality: str = "", limit: int = 500) -> tuple[list[ContactCase], int]:
    """Schools that need contact with the reasons, their coordinators loaded; and how many there are in all."""
    conditions = [rule.condition()]
    if municipality:
        conditions.append(School.municipality == municipality)
    total = db.session.scalar(select(func.count(School.id)).where(*conditions)) or 0
    rows = db.session.execute(
        select(
            School,
            rule.manual().label("manual"),
            rule.missing_project().label("missing_project"),
            rule.silent().label("silent"),
        )
        .where(*conditions)
        .options(selectinload(School.memberships).selectinload(Membership.user))
        .order_by(School.municipality, School.name, School.id)
        .limit(limit)
    ).all()
    return [
        ContactCase(
            school=school,
            manual=bool(manual),
            missing_project=bool(missing),
            silent=bool(silent),
            coordinators=sorted((m.user for m in school.memberships), key=lambda u: u.name),
        )
        for school, manual, missing, silent in rows
    ], total


# --- key figures -----------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """What the dashboard looks at: one school year and optionally one municipality."""

    year: int
    municipality: str = ""

    @property
    def label(self) -> str:
        return schoolyear.label(self.year)

    def school_conditions(self) -> list[ColumnElement[bool]]:
        return [School.municipality == self.municipality] if self.municipality else []


@dataclass
class MunicipalityRow:
    name: str
    by_status: dict[SchoolStatus, int] = field(default_factory=dict)
    newly_admitted: int = 0
    obligation_met: int = 0
    activities: int = 0

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
    pending_registrations: int
    materials_in_review: int
    open_reports: int
    needs_contact: int

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
            (scope.year, scope.municipality, db.engine.dialect.name),
            lambda: _network_figures(scope),
            keep=lambda figures: sum(sum(r.by_status.values()) for r in figures[0].values()) >= CACHE_NETWORKS_FROM,
        )
    towns, months, history, topics, materials_shared, school_types = network
    by_status = {status: sum(row.by_status.get(status, 0) for row in towns.values()) for status in ALL_STATUSES}
    queues = open_queues()
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
        pending_registrations=queues[0],
        materials_in_review=queues[1],
        open_reports=queues[2],
        needs_contact=db.session.scalar(select(func.count(School.id)).where(*contact_conditions)) or 0,
    )


def _network_figures(scope: Scope):
    """The aggregates over schools and reports: (towns, months, history, topics, materials shared, school types)."""
    towns = _municipality_rows(scope)
    _obligation_by_town(scope, towns)
    months = _activities_by_month(scope, towns)
    return (
        towns,
        months,
        _obligation_history(scope),
        _topics(scope),
        _materials_shared(scope),
        _school_type_rows(scope),
    )


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


def _municipality_rows(scope: Scope) -> dict[str, MunicipalityRow]:
    from ..schools.services import kreis_municipalities

    first, last = schoolyear.bounds(scope.year)
    towns = {name: MunicipalityRow(name) for name in kreis_municipalities()}
    newly = case((and_(School.status == SchoolStatus.AUFGENOMMEN, School.admitted_on.between(first, last)), 1), else_=0)
    for town, status, count, new in db.session.execute(
        select(School.municipality, School.status, func.count(School.id), func.sum(newly))
        .where(School.approval == Approval.APPROVED, *scope.school_conditions())
        .group_by(School.municipality, School.status)
    ):
        row = towns.setdefault(town, MunicipalityRow(town))
        row.by_status[status] = count
        row.newly_admitted += int(new or 0)
    return towns


def _obligation_by_town(scope: Scope, towns: dict[str, MunicipalityRow]) -> None:
    met = func.sum(case((_has_project(scope.year), 1), else_=0))
    for town, count in db.session.execute(
        select(School.municipality, met).where(_admitted(), *scope.school_conditions()).group_by(School.municipality)
    ):
        towns.setdefault(town, MunicipalityRow(town)).obligation_met = int(count or 0)


def _activities_by_month(scope: Scope, towns: dict[str, MunicipalityRow]) -> list[tuple[date, int]]:
    """Published activities per month of the school year (August first); fills the per-town totals too."""
    month = func.extract("month", Activity.start_date)
    counts: dict[int, int] = {}
    for town, m, count in db.session.execute(
        select(School.municipality, month, func.count(Activity.id))
        .join(School, School.id == Activity.school_id)
        .where(
            Activity.state == ActivityState.PUBLISHED,
            Activity.school_year == scope.year,
            School.approval == Approval.APPROVED,
            *scope.school_conditions(),
        )
        .group_by(School.municipality, month)
    ):
        counts[int(m)] = counts.get(int(m), 0) + count
        towns.setdefault(town, MunicipalityRow(town)).activities += count
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


def open_queues() -> tuple[int, int, int]:
    """What waits for the KI across the whole network: (pending registrations, materials in review, open problem
    reports). Always counted live: the dashboard and the weekly digest show the work that is still to do."""
    from ..materials.models import Material, MaterialReport, MaterialState

    row = db.session.execute(
        select(
            select(func.count(School.id)).where(School.approval == Approval.PENDING).scalar_subquery(),
            select(func.count(Material.id)).where(Material.state == MaterialState.REVIEW).scalar_subquery(),
            select(func.count(MaterialReport.id)).where(MaterialReport.resolved_at.is_(None)).scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def year_choices(today: date | None = None) -> list[int]:
    """School years to choose from: the current one and the eight before it."""
    current = schoolyear.current_school_year(today)
    return list(range(current, current - 9, -1))


# --- the schools table -----------------------------------------------------------------------------------------


@dataclass
class TableFilter:
    year: int
    municipality: str = ""
    status: str = ""
    school_type: str = ""
    q: str = ""
    contact: bool = False
    obligation: str = ""  # "ja" | "nein" | ""
    sort: str = "name"

    def as_args(self) -> dict[str, str | int]:
        """The filters as query-string arguments (for links, pagination and exports)."""
        args: dict[str, str | int] = {"jahr": self.year}
        for key, value in (
            ("gemeinde", self.municipality),
            ("status", self.status),
            ("schulform", self.school_type),
            ("q", self.q),
            ("pflicht", self.obligation),
        ):
            if value:
                args[key] = value
        if self.contact:
            args["kontakt"] = 1
        if self.sort != "name":
            args["sort"] = self.sort
        return args


SORT_KEYS = ("name", "gemeinde", "schulform", "status", "letzte", "pflicht", "pate", "kontakt")


@dataclass
class SchoolRow:
    school: School
    patron: str
    last_activity: date | None
    projects: int
    obligation_met: bool
    needs_contact: bool


def _last_activity() -> ColumnElement:
    return (
        select(func.max(Activity.start_date))
        .where(Activity.school_id == School.id, Activity.state == ActivityState.PUBLISHED)
        .correlate(School)
        .scalar_subquery()
    )


def _projects(year: int) -> ColumnElement:
    return (
        select(func.count(Activity.id))
        .where(Activity.school_id == School.id, obligation_condition(year))
        .correlate(School)
        .scalar_subquery()
    )


def _table_query(filters: TableFilter, rule: ContactRule):
    conditions: list[ColumnElement[bool]] = [School.approval == Approval.APPROVED]
    if filters.municipality:
        conditions.append(School.municipality == filters.municipality)
    if filters.school_type:
        conditions.append(School.school_type == filters.school_type)
    if filters.status in {s.value for s in SchoolStatus}:
        conditions.append(School.status == SchoolStatus(filters.status))
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        conditions.append(func.lower(School.name).like(pattern))
    if filters.contact:
        conditions.append(rule.condition())
    if filters.obligation == "ja":
        conditions.append(_has_project(filters.year))
    elif filters.obligation == "nein":
        conditions.append(and_(_admitted(), ~_has_project(filters.year)))
    return conditions


def _order(filters: TableFilter, contact_col, met_col, last_col) -> list:
    key = filters.sort.lstrip("-")
    descending = filters.sort.startswith("-")
    column = {
        "name": func.lower(School.name),
        "gemeinde": School.municipality,
        "schulform": School.school_type,
        "status": School.status,
        "letzte": last_col,
        "pflicht": met_col,
        "pate": func.lower(Patron.name),
        "kontakt": contact_col,
    }.get(key, func.lower(School.name))
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return [ordered, func.lower(School.name), School.id]


def schools_table(
    filters: TableFilter, page: int | None, per_page: int = 50, rule: ContactRule | None = None
) -> tuple[list[SchoolRow], int]:
    """One page (or with ``page=None`` all rows, for exports) of the filtered, sorted schools table and the total."""
    rule = rule or contact_rule()
    conditions = _table_query(filters, rule)
    total = db.session.scalar(select(func.count(School.id)).where(*conditions)) or 0
    contact_col = case((rule.condition(), 1), else_=0)
    projects_col = _projects(filters.year)
    last_col = _last_activity()
    query = (
        select(School, Patron.name, last_col, projects_col, contact_col)
        .outerjoin(Patron, Patron.school_id == School.id)
        .where(*conditions)
        .order_by(*_order(filters, contact_col, projects_col, last_col))
    )
    if page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    rows = [
        SchoolRow(
            school=school,
            patron=patron or "",
            last_activity=last,
            projects=int(projects or 0),
            obligation_met=bool(projects),
            needs_contact=bool(contact),
        )
        for school, patron, last, projects, contact in db.session.execute(query)
    ]
    return rows, total


# --- one school, for the KI ------------------------------------------------------------------------------------


def notes(school: School) -> list[SchoolNote]:
    return list(
        db.session.scalars(
            select(SchoolNote)
            .where(SchoolNote.school_id == school.id)
            .options(selectinload(SchoolNote.author))
            .order_by(SchoolNote.created_at.desc(), SchoolNote.id.desc())
        )
    )


def add_note(school: School, author: User, text: str) -> SchoolNote:
    """Record an internal note of KI staff about a school (never shown to the school, never exported)."""
    with write_transaction():
        note = SchoolNote(school_id=school.id, author_id=author.id, text=text.strip())
        db.session.add(note)
        db.session.flush()
        audit.record("note.create", school, summary=school.name, after={"note_id": note.id}, user=author)
    return note


def deliveries(school: School, limit: int = 20) -> list[ReminderDelivery]:
    return list(
        db.session.scalars(
            select(ReminderDelivery)
            .where(ReminderDelivery.school_id == school.id)
            .order_by(ReminderDelivery.sent_at.desc())
            .limit(limit)
        )
    )


def school_materials(school: School, limit: int = 50) -> list:
    from ..materials.models import Material

    return list(
        db.session.scalars(
            select(Material).where(Material.school_id == school.id).order_by(Material.created_at.desc()).limit(limit)
        )
    )


def contact_reasons(school: School, rule: ContactRule | None = None) -> ContactCase | None:
    """Why this one school needs contact, or None."""
    rule = rule or contact_rule()
    row = db.session.execute(
        select(
            rule.condition(),
            rule.manual().label("manual"),
            rule.missing_project().label("missing"),
            rule.silent().label("silent"),
        ).where(School.id == school.id)
    ).one()
    if not row[0]:
        return None
    return ContactCase(school=school, manual=bool(row[1]), missing_project=bool(row[2]), silent=bool(row[3]))
