"""Reading the audit log: entries filtered by action, person, object and date range, newest first.

Admins read every entry; regional staff the entries of their regions, Land staff those of their Land's regions
(``region_ids``, from access/scope.py). Entries without a region (accounts, regions) are for admins only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..access.scope import within
from ..core.models import AuditEntry
from ..core.schoolyear import BERLIN
from ..extensions import db


@dataclass
class AuditFilter:
    action: str = ""
    person: str = ""  # part of the acting person's e-mail address, any case
    object_type: str = ""
    object_id: int | None = None
    since: date | None = None  # first day, Europe/Berlin
    until: date | None = None  # last day (inclusive), Europe/Berlin
    region_ids: frozenset[int] | None = frozenset()  # None: every entry (admins)


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    actions: list[str]  # every action that occurs, for the filter's choices
    object_types: list[str]


def _conditions(filters: AuditFilter) -> list:
    conditions = [] if filters.region_ids is None else [within(AuditEntry.region_id, filters.region_ids)]
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.person:
        conditions.append(func.lower(AuditEntry.user_email).contains(filters.person.lower(), autoescape=True))
    if filters.object_type:
        conditions.append(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEntry.object_id == filters.object_id)
    if filters.since:
        conditions.append(AuditEntry.created_at >= datetime.combine(filters.since, time(), BERLIN))
    if filters.until:
        conditions.append(AuditEntry.created_at < datetime.combine(filters.until + timedelta(days=1), time(), BERLIN))
    return conditions


def search(filters: AuditFilter, page: int, per_page: int) -> AuditPage:
    """One page of matching entries, newest first, with their total and the choices for the filters."""
    conditions = _conditions(filters)
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    visible = [] if filters.region_ids is None else [within(AuditEntry.region_id, filters.region_ids)]
    actions = db.session.scalars(select(AuditEntry.action).where(*visible).distinct().order_by(AuditEntry.action)).all()
    object_types = db.session.scalars(
        select(AuditEntry.object_type)
        .where(AuditEntry.object_type != "", *visible)
        .distinct()
        .order_by(AuditEntry.object_type)
    ).all()
    return AuditPage(list(entries), total, list(actions), list(object_types))
