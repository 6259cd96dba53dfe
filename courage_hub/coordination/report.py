"""The Jahresbericht (annual report) of a school year as PDF, for the district council.

Built with fpdf2 (pure Python): title page with the Kreis, key figures, the dashboard's charts (the same SVG),
a table per municipality and the admitted schools with their projects. The document carries its language, title
and an outline (bookmarks); the charts carry their description as alternative text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import and_, select

from ..activities.models import Activity, ActivityState
from ..core import audit, schoolyear
from ..core.db import write_transaction
from ..extensions import db
from ..schools.models import Approval, School, SchoolStatus
from . import presentation
from .services import KeyFigures, Scope, key_figures, local_today

BRAND = (163, 18, 58)
INK = (27, 31, 36)


def _t(text: object) -> str:
    """Text the PDF's standard font can show (Windows-1252 covers German, dashes and quotes)."""
    return str(text).encode("cp1252", errors="replace").decode("cp1252")


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


class ReportPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*INK)
        self.cell(0, 6, _t(f"{self.report_title} – {self.page_no()}"), align="C")

    def heading(self, text: str, level: int = 0) -> None:
        self.start_section(_t(text), level=level)
        self.set_font("helvetica", style="B", size=16 if level == 0 else 13)
        self.set_text_color(*(BRAND if level == 0 else INK))
        self.multi_cell(0, 9 if level == 0 else 7, _t(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(2)

    def paragraph(self, text: str, size: int = 11) -> None:
        self.set_font("helvetica", size=size)
        self.multi_cell(0, 6, _t(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)


def build_report(scope: Scope) -> bytes:
    """The annual report for ``scope`` as PDF bytes."""
    figures = key_figures(scope, fresh=True)
    kreis = current_app.config["KREIS_NAME"]
    title = _("Annual report %(year)s", year=scope.label)
    pdf = ReportPDF(title)
    pdf.set_lang("de")
    pdf.set_title(_t(f"{title} – {kreis}"))
    pdf.set_author(_t(_("Kommunales Integrationszentrum %(kreis)s", kreis=kreis)))
    pdf.set_subject(_t("Schule ohne Rassismus – Schule mit Courage"))
    pdf.set_creator("Courage Hub")

    _title_page(pdf, scope, kreis, title)
    _figures_page(pdf, figures)
    _charts(pdf, figures)
    _municipality_table(pdf, figures)
    _school_list(pdf, scope)
    return bytes(pdf.output())


def _title_page(pdf: ReportPDF, scope: Scope, kreis: str, title: str) -> None:
    pdf.add_page()
    pdf.ln(50)
    pdf.set_font("helvetica", style="B", size=28)
    pdf.set_text_color(*BRAND)
    pdf.start_section(_t(title))
    pdf.multi_cell(0, 14, _t(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("helvetica", size=16)
    pdf.ln(6)
    pdf.multi_cell(0, 9, _t("Schule ohne Rassismus – Schule mit Courage"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 9, _t(kreis), align="C", new_x="LMARGIN", new_y="NEXT")
    if scope.municipality:
        pdf.multi_cell(
            0, 9, _t(_("Municipality: %(name)s", name=scope.municipality)), align="C", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(20)
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(
        0,
        6,
        _t(_("Regional coordination: Kommunales Integrationszentrum %(kreis)s", kreis=kreis)),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0,
        6,
        _t(_("As of %(date)s", date=format_date(local_today(), "long"))),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def figure_lines(figures: KeyFigures) -> list[tuple[str, str]]:
    """The key figures as (label, value) pairs, shared by the dashboard and the report."""
    return presentation.figure_lines(figures)


def _figures_page(pdf: ReportPDF, figures: KeyFigures) -> None:
    pdf.add_page()
    pdf.heading(_("Key figures %(year)s", year=figures.scope.label))
    pdf.set_font("helvetica", size=11)
    with pdf.table(col_widths=(120, 50), text_align=("LEFT", "RIGHT"), first_row_as_headings=True) as table:
        header = table.row()
        header.cell(_t(_("Figure")))
        header.cell(_t(_("Value")))
        for label, value in figure_lines(figures):
            row = table.row()
            row.cell(_t(label))
            row.cell(_t(value))


def _charts(pdf: ReportPDF, figures: KeyFigures) -> None:
    pdf.add_page()
    pdf.heading(_("Charts"))
    for chart in presentation.charts(figures):
        if pdf.get_y() > 180:
            pdf.add_page()
        pdf.heading(chart.title, level=1)
        width = min(174, chart.width * 0.3)
        svg = re.sub(r"<desc[^>]*>.*?</desc>", "", str(chart.svg), flags=re.S)  # fpdf2 skips it; the alt text has it
        pdf.image(io.BytesIO(svg.encode("utf-8")), w=width, alt_text=_t(chart.desc))
        pdf.ln(4)


def _municipality_table(pdf: ReportPDF, figures: KeyFigures) -> None:
    pdf.add_page()
    pdf.heading(_("Municipalities"))
    pdf.set_font("helvetica", size=9)
    header = [
        _("Municipality"),
        _("Member schools"),
        _("Newly admitted"),
        _("Project reported"),
        _("No project yet"),
        _("Activities"),
        _("Preparing"),
    ]
    with pdf.table(
        col_widths=(40, 22, 22, 22, 22, 22, 22),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        head = table.row()
        for text in header:
            head.cell(_t(text))
        for row in figures.municipalities:
            preparing = row.total - row.admitted - row.by_status.get(SchoolStatus.AUSGETRETEN, 0)
            cells = table.row()
            for value in (
                row.name,
                row.admitted,
                row.newly_admitted,
                row.obligation_met,
                row.obligation_open,
                row.activities,
                preparing,
            ):
                cells.cell(_t(value))
        bold = FontFace(emphasis="BOLD")
        total = table.row(style=bold)
        preparing_total = sum(
            r.total - r.admitted - r.by_status.get(SchoolStatus.AUSGETRETEN, 0) for r in figures.municipalities
        )
        for value in (
            _("Total"),
            figures.admitted,
            figures.newly_admitted,
            figures.obligation_met,
            figures.obligation_open,
            figures.activities,
            preparing_total,
        ):
            total.cell(_t(value))


def _school_list(pdf: ReportPDF, scope: Scope) -> None:
    pdf.add_page()
    pdf.heading(_("Member schools and their projects %(year)s", year=scope.label))
    current_town = None
    for item in admitted_with_projects(scope):
        if item.school.municipality != current_town:
            current_town = item.school.municipality
            pdf.heading(current_town, level=1)
        pdf.set_font("helvetica", style="B", size=10)
        pdf.multi_cell(0, 5.5, _t(item.school.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
        if not item.projects:
            pdf.multi_cell(0, 5, _t("   " + _("No activity reported")), new_x="LMARGIN", new_y="NEXT")
        for activity in item.projects:
            line = f"   – {_day(activity.start_date)}: {activity.title} ({activity.activity_type})"
            pdf.multi_cell(0, 5, _t(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def report(scope: Scope) -> bytes:
    """Build the report and record it in the audit log."""
    data = build_report(scope)
    with write_transaction():
        audit.record(
            "export.report",
            None,
            summary=_("Annual report %(year)s", year=schoolyear.label(scope.year)),
            after={"year": scope.year, "municipality": scope.municipality},
        )
    return data
