"""The Jahresbericht (annual report) of a school year as PDF, for the district council, the Land or the Bund.

Built with fpdf2 (pure Python): title page naming the region, Land or "Bundesweit", key figures, the dashboard's
charts (the same SVG), the dashboard's tables (per municipality for one region, per region for a Land, per Land
and region for the whole country; per school type) and, for a region's own report, the admitted schools with their
projects. The document carries its language, title and an outline (bookmarks); the charts carry their description
as alternative text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.structure_tree import StructElem, StructureTreeBuilder
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
from .presentation import FigureTable
from .viewpoint import LAND, NATIONAL, REGION

BRAND = (163, 18, 58)
INK = (27, 31, 36)
LINE = (160, 166, 173)
FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "LiberationSans"  # metric-compatible with Arial/Helvetica, embedded (subset) into the PDF
CELL_PADDING = 1.2  # mm left and right of a table cell's text


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


class TaggedStructure(StructureTreeBuilder):
    """fpdf2's structure tree, nested: fpdf2 itself tags only figures and links, flat under /Document.

    Headings, paragraphs and tables (Table > TR > TH/TD) become structure elements whose marked content the
    report writes itself, so a screen reader can follow the document.
    """

    def __init__(self) -> None:
        super().__init__()
        self.mcids: dict[int, int] = {}

    def next_mcid_for_page(self, page_number: int) -> int:
        return self.mcids.get(page_number, 0)

    def add_marked_content(self, page_number, struct_type, mcid=None, title=None, alt_text=None):
        struct_elem, spid = super().add_marked_content(page_number, struct_type, mcid, title, alt_text)
        if mcid is not None:
            self.mcids[page_number] = mcid + 1
        return struct_elem, spid

    def __iter__(self) -> Iterator:
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from self._descendants(self.doc_struct_elem)

    def _descendants(self, parent: StructElem) -> Iterator[StructElem]:
        for kid in parent.k:
            if isinstance(kid, StructElem):
                yield kid
                yield from self._descendants(kid)


class ReportPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.struct_builder = TaggedStructure()
        self.add_font(FAMILY, "", FONT_DIR / "LiberationSans-Regular.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "LiberationSans-Bold.ttf")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    # --- structure -------------------------------------------------------------------------------------------

    def group(self, struct_type: str, parent: StructElem | None = None) -> StructElem:
        """A structure element without content of its own (a table, a row), child of ``parent``."""
        parent = parent or self.struct_builder.doc_struct_elem
        elem = StructElem(struct_type=struct_type, parent=parent, kids=[], page_number=self.page)
        elem.pg = self.pages[self.page]
        parent.k.append(elem)
        return elem

    @contextmanager
    def tagged(self, struct_type: str, parent: StructElem | None = None) -> Iterator[StructElem]:
        """Everything drawn inside becomes the content of a new ``struct_type`` element (no page break inside)."""
        builder: TaggedStructure = self.struct_builder  # type: ignore[assignment]
        mcid = builder.next_mcid_for_page(self.page)
        elem, spid = builder.add_marked_content(page_number=self.page, struct_type=struct_type, mcid=mcid)
        if parent is not None:  # move it from /Document to its real parent
            builder.doc_struct_elem.k.remove(elem)
            elem.p = parent
            parent.k.append(elem)
            elem.pg = self.pages[self.page]
        self.pages[self.page].struct_parents = spid
        self._set_min_pdf_version("1.4")
        page = self.page
        self._out(f"{struct_type} <</MCID {mcid}>> BDC")
        yield elem
        assert self.page == page, "a page break inside tagged content"
        self._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """Decoration a screen reader skips (rules, page numbers, repeated table headers)."""
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    # --- layout ----------------------------------------------------------------------------------------------

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*INK)
        with self.artifact():
            self.cell(0, 6, f"{self.report_title} – {self.page_no()}", align="C")

    def room_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def ensure_room(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if height > self.room_left() and self.get_y() > self.t_margin + 1:
            self.add_page()

    def text_height(self, text: str, line_height: float, width: float = 0) -> float:
        lines = self.multi_cell(width, line_height, text, dry_run=True, output="LINES")
        return len(lines) * line_height

    def heading(self, text: str, level: int = 0, keep_with: float = 25) -> None:
        """A heading that never stands alone at a page bottom: ``keep_with`` mm of its content follow it."""
        size, line = (16, 9) if level == 0 else (13, 7)
        self.set_font(FAMILY, style="B", size=size)
        self.ensure_room(self.text_height(text, line) + 2 + keep_with)
        self.start_section(text, level=level)
        self.set_text_color(*(BRAND if level == 0 else INK))
        with self.tagged("/H1" if level == 0 else "/H2" if level == 1 else "/H3"):
            self.multi_cell(0, line, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(2)

    def paragraph(self, text: str, size: float = 11, line: float = 6, style: str = "", align: str = "L") -> None:
        self.set_font(FAMILY, style=style, size=size)
        self.ensure_room(self.text_height(text, line))
        with self.tagged("/P"):
            self.multi_cell(0, line, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def table(  # type: ignore[override]
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        total: Sequence[object] | None = None,
        numeric_from: int = 1,
        size: float = 9,
    ) -> None:
        """A bordered table with header cells; header words never break, the header repeats on a new page."""
        header_size, widths = fit_header(self, header, size, [*rows, *([total] if total else [])])
        table = self.group("/Table")
        line = size * 0.5

        def draw(cells: Sequence[object], kind: str, bold: bool, font_size: float, tag: bool = True) -> None:
            self.set_font(FAMILY, style="B" if bold else "", size=font_size)
            texts = [str(c) for c in cells]
            height = max(
                self.text_height(t, font_size * 0.5, w - 2 * CELL_PADDING) for t, w in zip(texts, widths, strict=True)
            )
            height += 2
            if height > self.room_left():
                self.add_page()
                if kind != "/TH":
                    draw(header, "/TH", True, header_size, tag=False)
                self.set_font(FAMILY, style="B" if bold else "", size=font_size)
            row = self.group("/TR", table) if tag else None
            x, y = self.l_margin, self.get_y()
            auto = self.auto_page_break
            self.set_auto_page_break(False)
            for index, (text, width) in enumerate(zip(texts, widths, strict=True)):
                with self.artifact():
                    self.set_draw_color(*LINE)
                    self.rect(x, y, width, height)
                self.set_xy(x + CELL_PADDING, y + 1)
                align = "R" if index >= numeric_from and kind != "/TH" else "L"
                cell_kind = "/TH" if kind == "/TH" or index == 0 else "/TD"
                if row is not None:
                    with self.tagged(cell_kind, row):
                        self.multi_cell(width - 2 * CELL_PADDING, font_size * 0.5, text, align=align)
                else:
                    with self.artifact():
                        self.multi_cell(width - 2 * CELL_PADDING, font_size * 0.5, text, align=align)
                x += width
            self.set_auto_page_break(auto, margin=18)
            self.set_xy(self.l_margin, y + height)

        draw(header, "/TH", True, header_size)
        for cells in rows:
            draw(cells, "/TD", False, size)
        if total is not None:
            draw(total, "/TD", True, size)
        self.ln(line)


def fit_header(
    pdf: FPDF, header: Sequence[str], size: float, rows: Sequence[Sequence[object]] = ()
) -> tuple[float, list[float]]:
    """A header font size and column widths such that every header word fits whole in its column.

    Numeric columns get the width of their longest header word or value; the first column takes the rest. The
    header font shrinks (down to 6 pt) only if the words cannot fit at ``size``.
    """
    available = pdf.epw
    margins = 2 * (CELL_PADDING + pdf.c_margin) + 0.5  # multi_cell keeps its own c_margin inside the width
    pdf.set_font(FAMILY, style="B", size=size)
    values = [max((pdf.get_string_width(str(row[i])) + margins for row in rows), default=0) for i in range(len(header))]
    font_size = size
    while True:
        pdf.set_font(FAMILY, style="B", size=font_size)
        needs = [max(pdf.get_string_width(word) for word in text.split()) + margins for text in header]
        others = [max(need, value, 16.0) for need, value in zip(needs[1:], values[1:], strict=True)]
        first = available - sum(others)
        if first >= max(needs[0], 32.0) or font_size <= 6:
            return font_size, [first, *others]
        font_size -= 0.5


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
