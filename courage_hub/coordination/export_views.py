"""The exports of figures (CSV, XLSX) and the annual report (PDF) for the region, Land or country a viewer chose."""

from __future__ import annotations

from flask import Response

from ..access.policy import can_export_figures, can_use_coordination
from ..core.permissions import require
from ..core.text import slugify
from . import exports
from .views import bp, chosen_scope, chosen_view, table_filter


def _download(data: bytes, content_type: str, filename: str) -> Response:
    # content_type, not mimetype: the type is sent as given, with its charset named once.
    response = Response(data, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.get("/export/schulen.<any(csv, xlsx):fmt>")
@require(can_export_figures)
def export_schools(fmt: str):
    """The schools table with the current filters as CSV or XLSX, for the chosen region or Land."""
    filters = table_filter(chosen_view().region_ids)
    table = exports.schools_export(filters)
    data = exports.export("schools", table, fmt, filters.as_args())
    name = exports.download_name("schulen", filters.year, fmt, filtered=exports.table_is_filtered(filters))
    return _download(data, exports.FORMATS[fmt][1], name)


@bp.get("/export/aktivitaeten.<any(csv, xlsx):fmt>")
@require(can_export_figures)
def export_activities(fmt: str):
    """The published activities of a school year (optionally one municipality) as CSV or XLSX."""
    scope = chosen_scope()
    table = exports.activities_export(scope.year, scope.region_ids, scope.municipality)
    data = exports.export("activities", table, fmt, {"year": scope.year, "municipality": scope.municipality})
    name = exports.download_name("aktivitaeten", scope.year, fmt, filtered=bool(scope.municipality))
    return _download(data, exports.FORMATS[fmt][1], name)


@bp.get("/jahresbericht.pdf")
@require(can_use_coordination)
def annual_report():
    """The annual report of a school year as PDF."""
    from .report import report

    scope = chosen_scope()
    data = report(scope)
    kind = "jahresbericht-" + slugify(scope.name) if scope.args else "jahresbericht"
    name = exports.download_name(kind, scope.year, "pdf", filtered=bool(scope.municipality))
    return _download(data, "application/pdf", name)
