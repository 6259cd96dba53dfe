"""The start page: what Courage Hub is, and the network at a glance (member schools, this school year's projects,
the newest reports).

It reads from the activities and schools domains, so it lives above them (like cleanup), not in ``core``; the route
stays on the core blueprint as ``core.index``.
"""

from __future__ import annotations

from flask import render_template

from .activities.services import network_overview
from .core.views import bp
from .events.public import next_events
from .regions.services import all_regions


def office_finder() -> list[tuple[str, tuple[str, ...]]]:
    """(office, its municipalities) for the finder "which office looks after my school?"; empty with one office."""
    regions = all_regions()
    return [(region.name, region.municipalities) for region in regions] if len(regions) > 1 else []


@bp.get("/")
def index():
    """Explain Courage Hub to a visitor, show how big the network is and what is on next, and lead pupils, schools
    and staff onward; with several regional offices, help a school find the one that looks after it."""
    return render_template("core/index.html", overview=network_overview(), finder=office_finder(), events=next_events())
