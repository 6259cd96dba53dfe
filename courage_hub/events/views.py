"""Public pages of events (a minimal detail page; the public list, archive and calendars come with their own work)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..extensions import db
from .models import Event
from .policy import can_view_event

bp = Blueprint("events", __name__)


@bp.get("/veranstaltungen/<int:event_id>")
def detail(event_id: int):
    """One event: when, where, what; a link to register for coordinators."""
    event = db.session.get(Event, event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return render_template("events/detail.html", event=event)
