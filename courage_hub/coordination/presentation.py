"""Key figures as labelled values and charts (SVG plus the same numbers as a table), for the page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..core import schoolyear
from ..schools.models import SchoolStatus
from . import charts as svg_charts
from .dashboard import ALL_STATUSES, KeyFigures, MunicipalityRow
from .viewpoint import NATIONAL

STATUS_COLOURS = {
    SchoolStatus.INTERESSE: "#8c6bb1",
    SchoolStatus.VORBEREITUNG: "#2c7fb8",
    SchoolStatus.ABSTIMMUNG_ERFOLGREICH: "#238b45",
    SchoolStatus.ANTRAG_GESTELLT: "#b36b00",
    SchoolStatus.AUFGENOMMEN: "#a3123a",
    SchoolStatus.AUSGETRETEN: "#6b6b6b",
}
ACTIVITY_COLOUR = "#0b5394"
MAIL_KINDS = {
    "registration": _l("Registration: confirm e-mail"),
    "account_exists": _l("Registration with a known address"),
    "registration_approved": _l("Registration approved"),
    "registration_rejected": _l("Registration rejected"),
    "password_reset": _l("Password reset"),
    "invitation": _l("Account invitation"),
    "school_invitation": _l("Invitation to coordinate a school"),
    "reminder": _l("Reminder"),
    "digest": _l("Weekly digest"),
    "registration_new": _l("New registration (to the KI)"),
    "school_admitted": _l("School admitted"),
    "material_approved": _l("Material published"),
    "material_returned": _l("Material returned"),
    "material_report": _l("Problem report (to the KI)"),
    "contact_ki": _l("Message to the coordination"),
    "event_message": _l("Message about an event"),
    "event_reminder": _l("Reminder of an event"),
}
SHARE_COLOUR = "#1e6b34"


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    svg: Markup
    width: int
    header: list[str]
    rows: list[list[str | int]]


def percent(value: float) -> str:
    return format_decimal(round(value, 1), format="#,##0.0") + " %"


def figure_lines(figures: KeyFigures) -> list[tuple[str, str]]:
    """The key figures as (label, value), in the order the dashboard and the report show them."""
    return [
        (_("Member schools"), str(figures.admitted)),
        (_("Newly admitted in %(year)s", year=figures.scope.label), str(figures.newly_admitted)),
        (
            _("Member schools with a project in %(year)s", year=figures.scope.label),
            f"{figures.obligation_met} ({percent(figures.obligation_percent)})",
        ),
        (_("Member schools without a project yet"), str(figures.obligation_open)),
        (_("Activities reported"), str(figures.activities)),
        (_("Materials shared"), str(figures.materials_shared)),
        (_("Schools at an event in %(year)s", year=figures.scope.label), str(figures.at_events)),
        *[(status.label, str(figures.by_status.get(status, 0))) for status in ALL_STATUSES],
    ]


def charts(figures: KeyFigures) -> list[Chart]:
    """The dashboard's charts; the first breaks the schools down per municipality, or per region (per Land) when
    several regions (the whole country) are in view."""
    if figures.scope.level == NATIONAL:
        breakdown = _land_chart(figures)
    elif figures.scope.is_roll_up:
        breakdown = _region_chart(figures)
    else:
        breakdown = _municipality_chart(figures)
    return [
        breakdown,
        _school_type_chart(figures),
        _month_chart(figures),
        _history_chart(figures),
        _topic_chart(figures),
    ]


def _municipality_chart(figures: KeyFigures) -> Chart:
    return _status_bars_chart(
        "chart-municipalities",
        figures.municipalities,
        _("Schools per municipality by status"),
        _("Horizontal bars, one per municipality, stacked by status."),
        _("Municipality"),
    )


def _region_chart(figures: KeyFigures) -> Chart:
    return _status_bars_chart(
        "chart-regions",
        figures.regions,
        _("Schools per region by status"),
        _("Horizontal bars, one per region, stacked by status."),
        _("Region"),
    )


def _land_chart(figures: KeyFigures) -> Chart:
    return _status_bars_chart(
        "chart-lands",
        figures.lands,
        _("Schools per federal state by status"),
        _("Horizontal bars, one per federal state, stacked by status."),
        _("Federal state"),
    )


def _school_type_chart(figures: KeyFigures) -> Chart:
    return _status_bars_chart(
        "chart-school-types",
        figures.school_types,
        _("Schools per school type by status"),
        _("Horizontal bars, one per school type, stacked by status."),
        _("School type"),
    )


def _status_bars_chart(chart_id: str, groups, title: str, desc: str, group_label: str) -> Chart:
    """Stacked bars of schools by status, one bar per group (municipality, school type), with the same table."""
    series = [svg_charts.Series(status.label, STATUS_COLOURS[status]) for status in ALL_STATUSES]
    rows = [(row.name, [row.by_status.get(s, 0) for s in ALL_STATUSES]) for row in groups]
    busiest = max(groups, key=lambda r: r.total, default=None)
    if busiest and busiest.total:
        desc += " " + _("Most schools: %(name)s (%(n)d).", name=busiest.name, n=busiest.total)
    svg = svg_charts.stacked_bars(chart_id, title, desc, rows, series)
    return Chart(
        id=chart_id,
        title=title,
        desc=desc,
        svg=svg,
        width=_width(svg),
        header=[group_label, *[s.label for s in ALL_STATUSES], _("Total")],
        rows=[[name, *values, sum(values)] for name, values in rows],
    )


def _month_chart(figures: KeyFigures) -> Chart:
    items = [(format_date(month, "LLL"), n) for month, n in figures.activities_by_month]
    title = _("Activities per month of the school year %(year)s", year=figures.scope.label)
    top = max(figures.activities_by_month, key=lambda item: item[1], default=None)
    desc = _("Columns from August to July.")
    if top and top[1]:
        desc += " " + _("Most activities in %(month)s (%(n)d).", month=format_date(top[0], "LLLL yyyy"), n=top[1])
    svg = svg_charts.columns("chart-months", title, desc, items, ACTIVITY_COLOUR)
    return Chart(
        id="chart-months",
        title=title,
        desc=desc,
        svg=svg,
        width=_width(svg),
        header=[_("Month"), _("Activities")],
        rows=[[format_date(month, "LLLL yyyy"), n] for month, n in figures.activities_by_month],
    )


def _history_chart(figures: KeyFigures) -> Chart:
    shares = [
        (year, admitted, met, 100.0 * met / admitted if admitted else 0.0)
        for year, admitted, met in figures.obligation_history
    ]
    title = _("Share of member schools with a project, last five school years")
    desc = (
        _("Columns per school year, in percent.")
        + " "
        + "; ".join(f"{schoolyear.label(y)}: {percent(p)}" for y, _a, _m, p in shares)
    )
    svg = svg_charts.columns(
        "chart-history",
        title,
        desc,
        [(schoolyear.label(y), p) for y, _a, _m, p in shares],
        SHARE_COLOUR,
        maximum=100,
        suffix=" %",
    )
    return Chart(
        id="chart-history",
        title=title,
        desc=desc,
        svg=svg,
        width=_width(svg),
        header=[_("School year"), _("Member schools"), _("With a project"), _("Share")],
        rows=[[schoolyear.label(y), a, m, percent(p)] for y, a, m, p in shares],
    )


def _topic_chart(figures: KeyFigures) -> Chart:
    rows = [(topic, [n]) for topic, n in figures.topics]
    title = _("Topics of the activities %(year)s", year=figures.scope.label)
    desc = _("Horizontal bars, one per topic, most frequent first.")
    if figures.topics:
        desc += " " + _("Most frequent: %(topic)s (%(n)d).", topic=figures.topics[0][0], n=figures.topics[0][1])
    svg = svg_charts.stacked_bars(
        "chart-topics", title, desc, rows, [svg_charts.Series(_("Activities"), ACTIVITY_COLOUR)]
    )
    return Chart(
        id="chart-topics",
        title=title,
        desc=desc,
        svg=svg,
        width=_width(svg),
        header=[_("Topic"), _("Activities")],
        rows=[[topic, n] for topic, n in figures.topics],
    )


def _width(svg: Markup) -> int:
    return int(str(svg).split('width="', 2)[1].split('"', 1)[0])


@dataclass
class FigureTable:
    """A table of figures per group (municipality or school type), the same on the dashboard and in the report."""

    id: str
    heading: str
    caption: str
    header: list[str]
    rows: list[list[str | int]]
    total: list[str | int]
    keys: list[str] = field(default_factory=list)  # per row: the region's slug or the Land's code it links to
    link_arg: str = ""  # "region" or "land": the URL argument that shows one row's own view


def _figure_table(
    table_id: str, heading: str, caption: str, first: str, rows: list[MunicipalityRow], *, events: bool = False
) -> FigureTable:
    """``events``: with the column of schools at an event (the tables per region and per Land)."""

    def cells(row: MunicipalityRow) -> list[str | int]:
        return [
            row.name,
            row.admitted,
            row.newly_admitted,
            row.obligation_met,
            row.obligation_open,
            row.activities,
            *([row.at_events] if events else []),
            row.total,
        ]

    body = [cells(row) for row in rows]
    total: list[str | int] = [_("Total")]
    for column in range(1, 8 if events else 7):
        total.append(sum(int(row[column]) for row in body))
    return FigureTable(
        id=table_id,
        heading=heading,
        caption=caption,
        header=[
            first,
            _("Member schools"),
            _("Newly admitted"),
            _("Project reported"),
            _("No project yet"),
            _("Activities"),
            *([_("At an event")] if events else []),
            _("All schools"),
        ],
        rows=body,
        total=total,
        keys=[row.key for row in rows],
    )


def municipality_table(figures: KeyFigures) -> FigureTable:
    """Figures per municipality: member schools, newly admitted, with/without project, activities, all schools."""
    return _figure_table(
        "towns", _("Municipalities"), _("Figures per municipality"), _("Municipality"), figures.municipalities
    )


def region_table(figures: KeyFigures) -> FigureTable:
    """The same figures per region in view; each row leads to that region's own view."""
    table = _figure_table("regions", _("Regions"), _("Figures per region"), _("Region"), figures.regions, events=True)
    table.link_arg = "region"
    return table


def land_table(figures: KeyFigures) -> FigureTable:
    """The same figures per federal state; each row leads to that Land's roll-up."""
    table = _figure_table(
        "lands", _("Federal states"), _("Figures per federal state"), _("Federal state"), figures.lands, events=True
    )
    table.link_arg = "land"
    return table


def breakdown_tables(figures: KeyFigures) -> list[FigureTable]:
    """The tables of the dashboard and the report: per Land (the whole country), per region (several regions) or
    per municipality (one region), then per school type."""
    if figures.scope.level == NATIONAL:
        first = land_table(figures)
    elif figures.scope.is_roll_up:
        first = region_table(figures)
    else:
        first = municipality_table(figures)
    return [first, school_type_table(figures)]


def school_type_table(figures: KeyFigures) -> FigureTable:
    """The same figures per school type."""
    return _figure_table(
        "school-types", _("School types"), _("Figures per school type"), _("School type"), figures.school_types
    )
