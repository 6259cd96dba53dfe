""" "Kontakt nötig": which admitted schools the KI should contact (no project this school year after the deadline,
no report for twelve months), as one SQL condition that filters the lists and explains a single school.

Each region may set its own deadline (``Region.contact_deadline``, "MM-DD"); a region without one follows the
installation's ``CONTACT_DEADLINE``. The condition names the regions whose deadline has passed, so it stays one
SQL condition however many regions there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from ..access.scope import within
from ..activities.models import Activity, ActivityState
from ..activities.services import obligation_condition
from ..auth.models import User
from ..core import schoolyear
from ..core.db import utcnow
from ..core.schoolyear import local_today
from ..extensions import db
from ..regions.services import RegionInfo, all_regions
from ..schools.models import Approval, Membership, School, SchoolStatus


def contact_deadline(year: int, setting: str | None = None) -> date:
    """The day of school year ``year`` from which an admitted school without a project needs contact.

    ``setting`` is a region's own "MM-DD"; without one the ``CONTACT_DEADLINE`` setting applies (default "03-01":
    1 March). A day from the school year's first month on falls into its first calendar year, any other into the
    second.
    """
    raw = str(setting or current_app.config.get("CONTACT_DEADLINE") or "03-01")
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
        """The installation's deadline (regions without their own)."""
        return contact_deadline(self.year)

    def deadline_of(self, region: RegionInfo | None) -> date:
        """The deadline of ``region``: its own setting, else the installation's."""
        return contact_deadline(self.year, region.contact_deadline if region is not None else None)

    def common_deadline(self, region_ids: frozenset[int] | None) -> date | None:
        """The one deadline of the regions ``region_ids`` (``None``: every region), or None when they differ."""
        days = {self.deadline_of(r) for r in all_regions() if region_ids is None or r.id in region_ids}
        return days.pop() if len(days) == 1 else (self.deadline if not days else None)

    @property
    def passed_region_ids(self) -> frozenset[int]:
        """The regions whose deadline has passed on :attr:`today`."""
        return frozenset(r.id for r in all_regions() if self.today >= self.deadline_of(r))

    @property
    def cutoff(self) -> datetime:
        return twelve_months_before(self.now)

    def missing_project(self) -> ColumnElement[bool]:
        """Admitted, the deadline of the school's region has passed and no published project in the current school
        year."""
        passed = self.passed_region_ids
        if not passed:
            return false()
        in_passed = true() if len(passed) == len(all_regions()) else School.region_id.in_(sorted(passed))
        return and_(in_passed, _admitted(), ~_has_project(self.year))

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


def contact_cases(
    rule: ContactRule, region_ids: frozenset[int] | None, municipality: str = "", limit: int = 500
) -> tuple[list[ContactCase], int]:
    """Schools of ``region_ids`` that need contact with the reasons, their coordinators loaded; and how many there
    are in all."""
    conditions = [rule.condition(), within(School.region_id, region_ids)]
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
