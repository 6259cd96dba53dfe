"""The start page: what Courage Hub is, and the network at a glance (member schools, this school year's projects,
the newest reports).

It reads from the activities and schools domains, so it lives above them (like cleanup), not in ``core``; the route
stays on the core blueprint as ``core.index``.
"""

from __future__ import annotations

from flask import render_template

from .activities.services import network_overview
from .core.views import bp


@bp.get("/")
def index():
    """Explain Courage Hub to a visitor, show how big the network is and lead pupils, schools and staff onward."""
    return render_template("core/index.html", overview=network_overview())
