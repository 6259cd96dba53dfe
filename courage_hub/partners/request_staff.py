"""The regional staff's view of the requests of their regions' schools: the filtered list, its figures (per status,
per school, the most requested offers, the region's partners without a current offer) and its export.

Every query is narrowed by the scope layer on the requesting school's region (``staff_filter``), so another office's
requests appear nowhere: not in the list, not in the figures, not in the filter choices, not in the export. A filter
value outside the scope (another region's school or partner) is ignored, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import joinedload

from ..access.scope import staff_filter
from ..coordination.exports import Table
from ..core.schoolyear import BERLIN, local_today
from ..extensions import db
from ..schools.models import School
from . import coverage
from .models import Offer, OfferRequest, Partner, RequestStatus
from .requests import OPEN

TOP = 10


@dataclass(frozen=True)
class StaffFilter:
    status: RequestStatus | None = None
    school_id: int | None = None
    partner_id: int | None = None

    def as_args(self) -> dict[str, Any]:
        """The filters as URL parameters (only those that are set)."""
        status = self.status.value if self.status else None
        args = {"status": status, "schule": self.school_id, "partner": self.partner_id}
        return {name: value for name, value in args.items() if value}


def _scope(user: Any) -> ColumnElement[bool]:
    return staff_filter(user, School.region_id)


def school_choices(user: Any) -> list[tuple[int, str]]:
    """The schools of the staff member's regions that have asked for an offer, by name."""
    rows = db.session.execute(
        select(School.id, School.name)
        .where(_scope(user), exists().where(OfferRequest.school_id == School.id))
        .order_by(School.name)
    ).all()
    return [(row.id, row.name) for row in rows]


def partner_choices(user: Any) -> list[tuple[int, str]]:
    """The partners that schools of the staff member's regions have asked, by name."""
    rows = db.session.execute(
        select(Partner.id, Partner.name)
        .join(OfferRequest, OfferRequest.partner_id == Partner.id)
        .join(School, School.id == OfferRequest.school_id)
        .where(_scope(user))
        .distinct()
        .order_by(Partner.name, Partner.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def checked_filter(user: Any, status: str, school_id: int | None, partner_id: int | None) -> StaffFilter:
    """The filters of the query string, each kept only if it names a status, or a school or partner in scope."""
    statuses = {s.value: s for s in RequestStatus}
    schools = {key for key, _name in school_choices(user)} if school_id else set()
    partners = {key for key, _name in partner_choices(user)} if partner_id else set()
    return StaffFilter(
        status=statuses.get(status),
        school_id=school_id if school_id in schools else None,
        partner_id=partner_id if partner_id in partners else None,
    )


def _conditions(user: Any, filters: StaffFilter) -> list[ColumnElement[bool]]:
    conditions = [_scope(user)]
    if filters.status is not None:
        conditions.append(OfferRequest.status == filters.status)
    if filters.school_id is not None:
        conditions.append(OfferRequest.school_id == filters.school_id)
    if filters.partner_id is not None:
        conditions.append(OfferRequest.partner_id == filters.partner_id)
    return conditions


def request_page(user: Any, filters: StaffFilter, page: int, per_page: int) -> tuple[list[OfferRequest], int]:
    """One page of the filtered requests, newest first, and their total."""
    conditions = _conditions(user, filters)
    base = select(OfferRequest).join(School, School.id == OfferRequest.school_id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(
        base.order_by(OfferRequest.created_at.desc(), OfferRequest.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(joinedload(OfferRequest.offer), joinedload(OfferRequest.partner), joinedload(OfferRequest.school))
    ).all()
    return list(rows), total


# --- figures ---------------------------------------------------------------------------------------------------


def status_counts(user: Any) -> list[tuple[RequestStatus, int]]:
    """How many requests are in each state (every state, zero included)."""
    counts = dict(
        db.session.execute(
            select(OfferRequest.status, func.count(OfferRequest.id))
            .join(School, School.id == OfferRequest.school_id)
            .where(_scope(user))
            .group_by(OfferRequest.status)
        ).all()
    )
    return [(status, counts.get(status, 0)) for status in RequestStatus]


def school_counts(user: Any, limit: int = TOP) -> list[tuple[str, str, int, int]]:
    """(school, municipality, requests, of them open) for the schools that asked most."""
    total = func.count(OfferRequest.id)
    open_ = func.count(OfferRequest.id).filter(OfferRequest.status.in_(OPEN))
    rows = db.session.execute(
        select(School.name, School.municipality, total, open_)
        .join(OfferRequest, OfferRequest.school_id == School.id)
        .where(_scope(user))
        .group_by(School.id, School.name, School.municipality)
        .order_by(total.desc(), School.name)
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]


def top_offers(user: Any, limit: int = TOP) -> list[tuple[str, str, int]]:
    """(offer, partner, requests) for the offers the region's schools asked for most."""
    total = func.count(OfferRequest.id)
    rows = db.session.execute(
        select(Offer.title, Partner.name, total)
        .join(OfferRequest, OfferRequest.offer_id == Offer.id)
        .join(Partner, Partner.id == Offer.partner_id)
        .join(School, School.id == OfferRequest.school_id)
        .where(_scope(user))
        .group_by(Offer.id, Offer.title, Partner.name)
        .order_by(total.desc(), Offer.title)
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]


def partners_without_current_offer(user: Any) -> list[str]:
    """The listed partners kept by the staff member's regions that have no current offer (names)."""
    current = exists(select(Offer.id).where(Offer.partner_id == Partner.id, coverage.current_sql(local_today())))
    return list(
        db.session.scalars(
            select(Partner.name)
            .where(staff_filter(user, Partner.region_id), Partner.archived_at.is_(None), ~current)
            .order_by(Partner.name)
        )
    )


# --- export ----------------------------------------------------------------------------------------------------


def _local(value):
    return value.astimezone(BERLIN).replace(tzinfo=None) if value is not None else None


def export_table(user: Any, filters: StaffFilter) -> Table:
    """Every filtered request, newest first, without the notes and without the names of the people involved."""
    rows = db.session.execute(
        select(OfferRequest, School.name, School.municipality, Offer.title, Offer.format, Partner.name)
        .join(School, School.id == OfferRequest.school_id)
        .join(Offer, Offer.id == OfferRequest.offer_id)
        .join(Partner, Partner.id == OfferRequest.partner_id)
        .where(and_(*_conditions(user, filters)))
        .order_by(OfferRequest.created_at.desc(), OfferRequest.id.desc())
    ).all()
    header = [
        _("Requested on"),
        _("School"),
        _("Municipality"),
        _("Offer"),
        _("Format"),
        _("Partner"),
        _("Status"),
        _("Preferred dates"),
        _("Group size"),
        _("Grade"),
        _("Answered on"),
        _("Carried out on"),
        _("Activity report"),
    ]
    table_rows = [
        [
            _local(req.created_at),
            school,
            town,
            title,
            format_,
            partner,
            req.status.label,
            req.preferred_dates,
            req.group_size,
            req.grade,
            _local(req.answered_at),
            _local(req.done_at),
            _("yes") if req.activity_id else _("no"),
        ]
        for req, school, town, title, format_, partner in rows
    ]
    return Table(name=_("Requests for offers"), header=header, rows=table_rows)
