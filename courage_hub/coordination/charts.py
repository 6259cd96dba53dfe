"""Server-rendered SVG charts: no script, no inline style (the CSP forbids both), a title and a description each.

The same SVG goes into the dashboard (inline, ``role="img"``, with a data table beside it) and into the annual
report PDF. Colours are SVG presentation attributes; every value is also written as text in the table.

On the page an SVG is shown at its natural pixel size inside a scrollable region, never scaled down with the
screen, so no text is ever smaller than ``MIN_FONT_SIZE`` pixels. Labels longer than the space reserved for them are
shortened with an ellipsis and keep the full text in a ``<title>`` (the data table beside the chart has it too).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "Helvetica, Arial, sans-serif"
INK = "#1b1f24"
GRID = "#c9d0d6"
MIN_FONT_SIZE = 12
# Average advance of a Helvetica/Arial character at 12 px, used to reserve room for labels.
CHAR_WIDTH = 6.8
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class Series:
    label: str
    colour: str


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = MIN_FONT_SIZE,
    weight: str = "normal",
    max_chars: int = MAX_LABEL_CHARS,
) -> str:
    size = max(size, MIN_FONT_SIZE)
    shown = shorten(content, max_chars)
    full = f"<title>{escape(content)}</title>" if shown != content else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" font-weight="{weight}" '
        f'fill="{INK}" text-anchor="{anchor}">{full}{escape(shown)}</text>'
    )


def shorten(label: str, max_chars: int) -> str:
    """``label`` cut at a word boundary to at most ``max_chars`` characters, with an ellipsis if cut."""
    if len(label) <= max_chars:
        return label
    cut = label[: max_chars - 1].rsplit(" ", 1)[0] if " " in label[: max_chars - 1] else label[: max_chars - 1]
    return cut.rstrip(" ,;:–-") + "…"


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every value inside is escaped or a number
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> float:
    """A round upper end for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def stacked_bars(
    chart_id: str, title: str, desc: str, rows: list[tuple[str, list[int]]], series: list[Series]
) -> Markup:
    """Horizontal bars, one per row label, stacked by series (e.g. schools per municipality by status)."""
    # Wide enough for the longest label (up to MAX_LABEL_CHARS; longer ones are shortened with a <title>).
    longest = min(max((len(label) for label, _values in rows), default=0), MAX_LABEL_CHARS)
    label_width, bar_area, row_height = int(max(120, 16 + CHAR_WIDTH * longest)), 440, 24
    legend_rows = (len(series) + 2) // 3 if len(series) > 1 else 0
    top = 10 + legend_rows * 20
    width = max(label_width + bar_area + 60, 10 + 3 * 220 if legend_rows else 0)
    height = top + max(len(rows), 1) * row_height + 10
    largest = _nice_max(max((sum(values) for _label, values in rows), default=0))
    body: list[str] = []
    for index, item in enumerate(series if len(series) > 1 else []):
        x = 10 + (index % 3) * 220
        y = 10 + (index // 3) * 20
        body.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{item.colour}"/>')
        body.append(_text(x + 18, y + 11, item.label, max_chars=28))
    for index, (label, values) in enumerate(rows):
        y = top + index * row_height
        body.append(_text(label_width - 8, y + 16, label, anchor="end"))
        x = float(label_width)
        for value, item in zip(values, series, strict=False):
            if value <= 0:
                continue
            w = bar_area * value / largest
            body.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" fill="{item.colour}"/>'
            )
            x += w
        body.append(_text(x + 6, y + 16, str(sum(values))))
    body.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 10}" stroke="{INK}" stroke-width="1"/>'
    )
    return _svg(chart_id, title, desc, width, height, body)


def columns(
    chart_id: str,
    title: str,
    desc: str,
    items: list[tuple[str, float]],
    colour: str,
    *,
    maximum: float | None = None,
    suffix: str = "",
) -> Markup:
    """Vertical columns with their value on top (e.g. activities per month, share per school year)."""
    # Columns wide enough for a label such as "2025/26" or a value such as "100 %" at 12 px.
    left, bottom, plot_height, column_width, gap = 44, 30, 180, 48, 12
    width = left + len(items) * (column_width + gap) + 10
    height = plot_height + bottom + 30
    top = 20
    largest = maximum if maximum is not None else _nice_max(max((v for _l, v in items), default=0))
    body: list[str] = []
    for fraction in (0, 0.5, 1):
        y = top + plot_height * (1 - fraction)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 5}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 4, y + 4, _number(largest * fraction), anchor="end"))
    for index, (label, value) in enumerate(items):
        x = left + gap / 2 + index * (column_width + gap)
        h = plot_height * (value / largest) if largest else 0
        y = top + plot_height - h
        if h > 0:
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{column_width}" height="{h:.1f}" fill="{colour}"/>')
        body.append(_text(x + column_width / 2, y - 4, _number(value) + suffix, anchor="middle", max_chars=7))
        body.append(_text(x + column_width / 2, top + plot_height + 16, label, anchor="middle", max_chars=7))
    return _svg(chart_id, title, desc, width, height, body)


def _number(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}".replace(".", ",")
