"""The KI's table of all schools: filters, sorting and one row per school with its last activity, the yearly
obligation, patron and "Kontakt nötig", computed in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select

from ..access.scope import within
from ..activities.models import Activity, ActivityState
from ..activities.services import obligation_condition
from ..extensions import db
from ..schools.models import Approval, Patron, School, SchoolStatus
from .contact_needed import ContactRule, _admitted, _has_project, contact_rule


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
    # The regions the viewer may see (access/scope.py); never part of the URL.
    region_ids: frozenset[int] | None = frozenset()

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
    conditions: list[ColumnElement[bool]] = [
        School.approval == Approval.APPROVED,
        within(School.region_id, filters.region_ids),
    ]
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
