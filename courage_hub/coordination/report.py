"""The Jahresbericht (annual report) of a school year as PDF, for the district council, the Land or the Bund.

Built on the tagged PDF of pdf.py: title page naming the region, Land or "Bundesweit", key figures, the dashboard's
charts (the same SVG), the dashboard's tables (per municipality for one region, per region for a Land, per Land
and region for the whole country; per school type) and, for a region's own report, the admitted schools with their
projects. The document carries its language, title and an outline (bookmarks); the charts carry their description
as alternative text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, select

from ..activities.models import Activity, ActivityState
from ..core import audit, schoolyear
from ..core.db import write_transaction
from ..core.schoolyear import local_today
from ..extensions import db
from ..regions.services import regions_by_id
from ..schools.models import Approval, School, SchoolStatus
from . import presentation
from .dashboard import KeyFigures, Scope, key_figures
from .pdf import BRAND, FAMILY, INK, ReportPDF
from .presentation import FigureTable
from .viewpoint import LAND, NATIONAL, REGION


@dataclass
class SchoolProjects:
    school: School
    projects: list[Activity] = field(default_factory=list)


def admitted_with_projects(scope: Scope) -> list[SchoolProjects]:
    """Admitted schools (in scope) with their published projects of the school year, in one query."""
    rows = db.session.execute(
        select(School, Activity)
        .outerjoin(
            Activity,
            and_(
                Activity.school_id == School.id,
                Activity.state == ActivityState.PUBLISHED,
                Activity.school_year == scope.year,
            ),
        )
        .where(
            School.approval == Approval.APPROVED, School.status == SchoolStatus.AUFGENOMMEN, *scope.school_conditions()
        )
        .order_by(School.municipality, School.name, School.id, Activity.start_date, Activity.id)
    ).all()
    result: list[SchoolProjects] = []
    for school, activity in rows:
        if not result or result[-1].school.id != school.id:
            result.append(SchoolProjects(school))
        if activity is not None:
            result[-1].projects.append(activity)
    return result


def build_report(scope: Scope) -> bytes:
    """The annual report for ``scope`` as PDF bytes."""
    figures = key_figures(scope, fresh=True)
    title = _("Annual report %(year)s", year=scope.label)
    pdf = ReportPDF(title)
    pdf.set_lang("de")
    pdf.set_title(f"{title} – {scope.name}")
    pdf.set_author(_offices(scope) or "Courage Hub")
    pdf.set_subject("Schule ohne Rassismus – Schule mit Courage")
    pdf.set_creator("Courage Hub")
    pdf.set_display_mode("fullpage")

    _title_page(pdf, scope, title)
    _figures_page(pdf, figures)
    _charts(pdf, figures)
    _tables(pdf, figures)
    if scope.level not in (LAND, NATIONAL):  # a Land's or the Bund's report stops at the rows per region
        _school_list(pdf, scope)
    return bytes(pdf.output())


def _offices(scope: Scope) -> str:
    """The regional offices whose report it is ("KI Kreis Soest"), for a region's or a staff member's report."""
    if scope.level in (LAND, NATIONAL) or scope.region_ids is None:
        return ""
    regions = regions_by_id()
    return ", ".join(sorted(regions[rid].name for rid in scope.region_ids if rid in regions))


def _coordination_line(scope: Scope) -> str:
    if scope.level == NATIONAL:
        return _("Every region in Germany, added up")
    if scope.level == LAND:
        return _("Every region of the federal state, added up")
    return _("Regional coordination: %(office)s", office=_offices(scope))


def _title_page(pdf: ReportPDF, scope: Scope, title: str) -> None:
    pdf.add_page()
    pdf.ln(50)
    pdf.set_font(FAMILY, style="B", size=28)
    pdf.set_text_color(*BRAND)
    pdf.start_section(title)
    with pdf.tagged("/H1"):
        pdf.multi_cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(6)
    pdf.paragraph("Schule ohne Rassismus – Schule mit Courage", size=16, line=9, align="C")
    pdf.paragraph(scope.name, size=16, line=9, align="C")
    if scope.municipality:
        pdf.paragraph(_("Municipality: %(name)s", name=scope.municipality), size=16, line=9, align="C")
    pdf.ln(20)
    pdf.paragraph(_coordination_line(scope), align="C")
    pdf.paragraph(_("As of %(date)s", date=format_date(local_today(), "long")), align="C")


def figure_lines(figures: KeyFigures) -> list[tuple[str, str]]:
    """The key figures as (label, value) pairs, shared by the dashboard and the report."""
    return presentation.figure_lines(figures)


def _figures_page(pdf: ReportPDF, figures: KeyFigures) -> None:
    pdf.add_page()
    pdf.heading(_("Key figures %(year)s", year=figures.scope.label))
    pdf.table([_("Figure"), _("Value")], figure_lines(figures), size=11)


def report_svg(svg: str) -> str:
    """The dashboard's SVG for the PDF: the report's embedded font, without <desc> and label tooltips.

    fpdf2 would not embed Helvetica, skips <desc> (the image's alt text has it) and would print a <title>
    inside a <text> as if it were the label.
    """
    svg = re.sub(r"<desc[^>]*>.*?</desc>", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    return re.sub(r'font-family="[^"]*"', f'font-family="{FAMILY}"', svg)


def _charts(pdf: ReportPDF, figures: KeyFigures) -> None:
    pdf.add_page()
    pdf.heading(_("Charts"))
    for chart in presentation.charts(figures):
        width = min(pdf.epw, chart.width * 0.3)
        height = width * _height(chart.svg) / chart.width
        pdf.heading(chart.title, level=1, keep_with=height + 4)
        pdf.image(io.BytesIO(report_svg(str(chart.svg)).encode("utf-8")), w=width, alt_text=chart.desc)
        pdf.ln(4)


def _height(svg: object) -> int:
    return int(str(svg).split('height="', 2)[1].split('"', 1)[0])


def _tables(pdf: ReportPDF, figures: KeyFigures) -> None:
    """The dashboard's tables (per municipality, region or Land, and per school type), with the same columns and
    numbers; the whole country's report lists every region too."""
    pdf.add_page()
    tables = presentation.breakdown_tables(figures)
    if figures.scope.level == NATIONAL:
        tables.insert(1, presentation.region_table(figures))
    for table in tables:
        _figure_table(pdf, table)


def _figure_table(pdf: ReportPDF, table: FigureTable) -> None:
    pdf.heading(table.heading)
    pdf.table(table.header, table.rows, total=table.total)


def _school_list(pdf: ReportPDF, scope: Scope) -> None:
    pdf.add_page()
    pdf.heading(_("Member schools and their projects %(year)s", year=scope.label))
    current_town = None
    for item in admitted_with_projects(scope):
        if item.school.municipality != current_town:
            current_town = item.school.municipality
            pdf.heading(current_town, level=1, keep_with=16)
        pdf.set_font(FAMILY, size=9)
        lines = (
            [_("No activity reported")]
            if not item.projects
            else [f"– {_day(a.start_date)}: {a.title} ({a.activity_type})" for a in item.projects]
        )
        pdf.set_font(FAMILY, style="B", size=10)
        pdf.ensure_room(5.5 + 5 * min(len(lines), 2))  # the school's name stays with its first projects
        with pdf.tagged("/H4"):
            pdf.multi_cell(0, 5.5, item.school.name, new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(FAMILY, size=9)
            pdf.ensure_room(pdf.text_height(line, 5, pdf.epw - 4))
            pdf.set_x(pdf.l_margin + 4)
            with pdf.tagged("/P"):
                pdf.multi_cell(pdf.epw - 4, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def report(scope: Scope) -> bytes:
    """Build the report and record it in the audit log."""
    data = build_report(scope)
    single = next(iter(scope.region_ids)) if scope.level == REGION and scope.region_ids else None
    with write_transaction():
        audit.record(
            "export.report",
            None,
            summary=" – ".join(
                filter(None, [_("Annual report %(year)s", year=schoolyear.label(scope.year)), scope.name])
            ),
            after={"year": scope.year, "municipality": scope.municipality, **scope.args},
            region_id=single,
        )
    return data
