"""The regional staff's requests page: the requests of their regions' schools with filters and the figures of the
KI view, and its export as CSV or XLSX."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..coordination import exports
from ..core import schoolyear
from ..core.pagination import page_count, requested_page
from ..core.permissions import require
from ..core.requests import id_arg
from . import request_staff as service
from .models import RequestStatus
from .policy import can_manage_partners

bp = Blueprint("request_staff", __name__, url_prefix="/koordination/anfragen")
PER_PAGE = 50


def _filters() -> service.StaffFilter:
    return service.checked_filter(
        current_user,
        request.args.get("status", ""),
        id_arg(request.args.get("schule")),
        id_arg(request.args.get("partner")),
    )


@bp.get("/")
@require(can_manage_partners)
def index():
    """The requests of the region's schools (filtered by status, school, partner), with counts per status and per
    school, the most requested offers and the region's partners that have no current offer."""
    filters = _filters()
    page = requested_page()
    rows, total = service.request_page(current_user, filters, page, PER_PAGE)
    return render_template(
        "partners/requests/staff.html",
        requests=rows,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        args=filters.as_args(),
        statuses=[(s.value, s.label) for s in RequestStatus],
        schools=[(str(key), name) for key, name in service.school_choices(current_user)],
        partners=[(str(key), name) for key, name in service.partner_choices(current_user)],
        status_counts=service.status_counts(current_user),
        school_counts=service.school_counts(current_user),
        top_offers=service.top_offers(current_user),
        idle_partners=service.partners_without_current_offer(current_user),
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@require(can_manage_partners)
def export(fmt: str):
    """The filtered requests as CSV or XLSX (recorded in the audit log)."""
    filters = _filters()
    table = service.export_table(current_user, filters)
    data = exports.export("offer_requests", table, fmt, filters.as_args())
    year = schoolyear.current_school_year()
    name = exports.download_name("anfragen", year, fmt, filtered=bool(filters.as_args()))
    response = Response(data, content_type=exports.FORMATS[fmt][1])
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
