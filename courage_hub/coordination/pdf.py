"""A tagged PDF for reports (fpdf2): headings, paragraphs and tables become structure elements a screen reader
can follow, decoration is marked as an artifact, headings never end a page and table headers never break inside a
word."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.structure_tree import StructElem, StructureTreeBuilder

BRAND = (163, 18, 58)
INK = (27, 31, 36)
LINE = (160, 166, 173)
FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "LiberationSans"  # metric-compatible with Arial/Helvetica, embedded (subset) into the PDF
CELL_PADDING = 1.2  # mm left and right of a table cell's text


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
        shares: Sequence[float] | None = None,
        row_height: float = 0,
    ) -> None:
        """A bordered table with header cells; header words never break, the header repeats on a new page.

        ``shares`` fixes the columns' parts of the page width (e.g. room for signatures); ``row_height`` is the
        least height of a body row in mm."""
        if shares is None:
            header_size, widths = fit_header(self, header, size, [*rows, *([total] if total else [])])
        else:
            header_size, widths = fit_header_to(self, header, size, shares)
        table = self.group("/Table")
        line = size * 0.5

        def draw(cells: Sequence[object], kind: str, bold: bool, font_size: float, tag: bool = True) -> None:
            self.set_font(FAMILY, style="B" if bold else "", size=font_size)
            texts = [str(c) for c in cells]
            height = max(
                self.text_height(t, font_size * 0.5, w - 2 * CELL_PADDING) for t, w in zip(texts, widths, strict=True)
            )
            height += 2
            if kind != "/TH":
                height = max(height, row_height)
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


def fit_header_to(pdf: FPDF, header: Sequence[str], size: float, shares: Sequence[float]) -> tuple[float, list[float]]:
    """Column widths as the given parts of the page width, and a header font size at which every header word fits
    whole in its column (down to 6 pt)."""
    widths = [pdf.epw * share / sum(shares) for share in shares]
    margins = 2 * (CELL_PADDING + pdf.c_margin) + 0.5
    font_size = size
    while font_size > 6:
        pdf.set_font(FAMILY, style="B", size=font_size)
        if all(
            max(pdf.get_string_width(word) for word in text.split()) + margins <= width
            for text, width in zip(header, widths, strict=True)
        ):
            break
        font_size -= 0.5
    return font_size, widths
