"""Exports of the schools table and of the activities of a school year: CSV for German Excel and XLSX.

CSV: UTF-8 with BOM, ";" as separator, dates as DD.MM.YYYY. XLSX: one sheet per table, real dates and numbers,
header row frozen. Internal notes are never part of an export. Every text a school or visitor typed passes through
:func:`spreadsheet_text` and is written as a text cell, so that a title like ``=HYPERLINK(…)`` is never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from ..access.scope import within
from ..activities.models import Activity, ActivityState, ActivityTopic
from ..core import audit, schoolyear
from ..core.db import write_transaction
from ..core.schoolyear import BERLIN
from ..core.text import spreadsheet_text
from ..extensions import db
from ..schools.models import Approval, School
from .schools_table import TableFilter, schools_table


@dataclass
class Table:
    """A sheet: its name, the header and rows of plain values (str, int, date, datetime, None)."""

    name: str
    header: list[str]
    rows: list[list]


def download_name(kind: str, year: int, extension: str, *, filtered: bool) -> str:
    """One naming scheme for every export and the annual report: what it holds, the school year, "gefiltert" when
    filters narrowed it, and the day of the export, e.g. ``schulen-2026-27-gefiltert-2026-12-01.csv``."""
    parts = [kind, schoolyear.label(year).replace("/", "-"), *(["gefiltert"] if filtered else [])]
    return "-".join([*parts, schoolyear.local_today().isoformat()]) + "." + extension


def table_is_filtered(filters: TableFilter) -> bool:
    """Whether the schools table is narrowed beyond its school year (the order narrows nothing)."""
    return bool(set(filters.as_args()) - {"jahr", "sort"})


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def schools_export(filters: TableFilter) -> Table:
    """Every row of the schools table with the current filters and sort order."""
    rows, _total = schools_table(filters, page=None)
    header = [
        _("School"),
        _("Schulnummer"),
        _("School type"),
        _("Municipality"),
        _("Status"),
        _("Member since"),
        _("Last activity"),
        _("Projects in %(year)s", year=schoolyear.label(filters.year)),
        _("Obligation met"),
        _("Patron"),
        _("Contact needed"),
    ]
    return Table(
        name=_("Schools"),
        header=header,
        rows=[
            [
                r.school.name,
                r.school.schulnummer,
                r.school.school_type,
                r.school.municipality,
                r.school.status.label,
                r.school.admitted_on,
                r.last_activity,
                r.projects,
                _yes_no(r.obligation_met),
                r.patron,
                _yes_no(r.needs_contact),
            ]
            for r in rows
        ],
    )


def activities_export(year: int, region_ids: frozenset[int] | None, municipality: str = "") -> Table:
    """The published activities of school year ``year`` with their school and topics."""
    topics = func.aggregate_strings(ActivityTopic.topic, ", ")
    topic_list = select(topics).where(ActivityTopic.activity_id == Activity.id).correlate(Activity).scalar_subquery()
    query = (
        select(
            School.name,
            School.municipality,
            Activity.title,
            Activity.start_date,
            Activity.end_date,
            Activity.activity_type,
            topic_list,
            Activity.counts_as_project,
            Activity.participants,
            Activity.published_at,
        )
        .join(School, School.id == Activity.school_id)
        .where(
            Activity.state == ActivityState.PUBLISHED,
            Activity.school_year == year,
            School.approval == Approval.APPROVED,
        )
        .order_by(School.municipality, School.name, Activity.start_date, Activity.id)
    )
    if municipality:
        query = query.where(School.municipality == municipality)
    query = query.where(within(School.region_id, region_ids))
    header = [
        _("School"),
        _("Municipality"),
        _("Title"),
        # "Start" alone also names the home page; the column is the activity's first day.
        pgettext("date an activity begins", "Start"),
        _("End"),
        _("Type"),
        _("Topics"),
        _("Counts as project"),
        _("Participants"),
        _("Published"),
    ]
    rows = []
    for name, town, title, start, end, kind, topic_text, project, participants, published in db.session.execute(query):
        rows.append(
            [
                name,
                town,
                title,
                start,
                end,
                kind,
                ", ".join(sorted(t.strip() for t in (topic_text or "").split(",") if t.strip())),
                _yes_no(project),
                participants,
                published.astimezone(BERLIN).replace(tzinfo=None) if published else None,
            ]
        )
    return Table(name=_("Activities %(year)s", year=schoolyear.label(year)).replace("/", "-"), header=header, rows=rows)


def _csv_value(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value


def _xlsx_value(value):
    if isinstance(value, str):
        # Control characters are not allowed in XLSX (openpyxl would refuse the whole export).
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with BOM and ";" so that German Excel opens it with umlauts and columns intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(*tables: Table) -> bytes:
    """One sheet per table; dates as dates, numbers as numbers, a bold frozen header row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(h) for h in table.header]
        for row in table.rows:
            sheet.append([_xlsx_value(value) for value in row])
            for index, value in enumerate(row):
                widths[index] = max(widths[index], min(len(str(value or "")), 60))
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # always a text cell, never a formula
                elif isinstance(cell.value, datetime):
                    cell.number_format = "DD.MM.YYYY HH:MM"
                elif isinstance(cell.value, date):
                    cell.number_format = "DD.MM.YYYY"
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width + 2
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Content types as sent: Flask would add a second "; charset=utf-8" to a text/* mimetype that already names one.
FORMATS: dict[str, tuple[Callable[[Table], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def export(kind: str, table: Table, fmt: str, filters: dict) -> bytes:
    """Render ``table`` as ``fmt`` and record the export in the audit log."""
    data = FORMATS[fmt][0](table)
    with write_transaction():
        audit.record(f"export.{kind}", None, summary=f"{table.name} ({fmt}, {len(table.rows)})", after=filters)
    return data
