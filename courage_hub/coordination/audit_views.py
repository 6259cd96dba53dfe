"""The audit log: who changed what and when, read-only, for admins and the offices (their own regions)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access.policy import audit_region_ids, can_read_audit_log
from ..core.pagination import page_count, requested_page
from ..core.permissions import require
from ..core.requests import date_arg, id_arg
from . import audit_labels
from . import audit_log as audit_log_service

bp = Blueprint("audit", __name__, url_prefix="/verwaltung/protokoll")
AUDIT_PER_PAGE = 50


def _date_filter(name: str) -> date | None:
    """A date filter of the audit log; a value that is no date from 1900 to 2999 is ignored with a message."""
    raw = request.args.get(name, "").strip()
    parsed = date_arg(raw)
    if raw and parsed is None:
        flash(_("“%(value)s” is not a date between 1900 and 2999; this filter was ignored.", value=raw[:40]), "warning")
    return parsed


def _id_filter(name: str) -> int | None:
    """A number filter of the audit log; anything but a positive whole number is ignored with a message."""
    raw = request.args.get(name, "").strip()
    parsed = id_arg(raw)
    if raw and parsed is None:
        flash(_("“%(value)s” is not a valid object number; this filter was ignored.", value=raw[:40]), "warning")
    return parsed


@bp.get("/")
@require(can_read_audit_log)
def audit_log():
    """The audit log, newest first, filtered by action, person, object and date range; read-only."""
    filters = audit_log_service.AuditFilter(
        action=request.args.get("aktion", "")[:60],
        person=request.args.get("person", "").strip()[:254],
        object_type=request.args.get("objekt", "")[:40],
        object_id=_id_filter("objekt_id"),
        since=_date_filter("von"),
        until=_date_filter("bis"),
        region_ids=audit_region_ids(current_user),
    )
    page = requested_page()
    found = audit_log_service.search(filters, page, AUDIT_PER_PAGE)
    args = {
        k: v
        for k, v in {
            "aktion": filters.action,
            "person": filters.person,
            "objekt": filters.object_type,
            "objekt_id": filters.object_id or "",
            "von": filters.since.isoformat() if filters.since else "",
            "bis": filters.until.isoformat() if filters.until else "",
        }.items()
        if v
    }
    return render_template(
        "coordination/audit.html",
        entries=found.entries,
        total=found.total,
        page=page,
        pages=page_count(found.total, AUDIT_PER_PAGE),
        args=args,
        actions=sorted(((a, audit_labels.action_label(a)) for a in found.actions), key=lambda c: c[1].lower()),
        object_types=sorted(((o, audit_labels.object_label(o)) for o in found.object_types), key=lambda c: c[1]),
        labels=audit_labels,
    )
