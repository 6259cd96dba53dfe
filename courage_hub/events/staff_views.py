"""Staff pages of events: the list of one's own events (drafts too), create, edit, publish and cancel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false, select

from ..access.policy import is_land_staff
from ..access.scope import staff_filter, staff_region_ids
from ..core.db import EditConflict, parse_version, utcnow
from ..extensions import db
from ..regions.models import Region
from ..regions.vocab import land_name
from . import services
from .forms import ButtonForm, CancelEventForm, EventForm
from .models import Event, EventState
from .policy import can_create_events, can_manage_event, is_past
from .timespan import event_when

bp = Blueprint("event_staff", __name__, url_prefix="/koordination/veranstaltungen")


@bp.app_context_processor
def _event_helpers() -> dict[str, Any]:
    return {"can_create_events": can_create_events, "event_when": event_when}


def _staff_only() -> None:
    if not can_create_events(current_user):
        abort(403)


def _manageable_or_404(event_id: int) -> Event:
    """The event if the signed-in staff member manages it; another region's or Land's event is not found."""
    _staff_only()
    event = db.session.get(Event, event_id)
    if event is None or not can_manage_event(current_user, event):
        abort(404)
    return event


def _own_events_filter():
    """Regional staff: their regions' events; Land staff: their Land's events."""
    if is_land_staff(current_user):
        return Event.land == current_user.land if current_user.land else false()
    return staff_filter(current_user, Event.region_id)


def _owner_choices() -> list[tuple[str, str]]:
    """Where a new event may belong: the staff member's regions, or their Land."""
    if is_land_staff(current_user):
        return [(f"land-{current_user.land}", land_name(current_user.land))]
    ids = staff_region_ids(current_user) or frozenset()
    regions = db.session.scalars(select(Region).where(Region.id.in_(sorted(ids))).order_by(Region.name))
    return [(f"region-{region.id}", region.name) for region in regions]


def _owner(value: str) -> dict[str, Any]:
    kind, _sep, key = value.partition("-")
    return {"region_id": int(key)} if kind == "region" else {"land": key}


def _owner_name(event: Event) -> str:
    if event.region_id is not None:
        region = db.session.get(Region, event.region_id)
        return region.name if region else ""
    return land_name(event.land)


@bp.get("/")
@login_required
def index():
    """The staff member's events, drafts included: upcoming first, then past ones."""
    _staff_only()
    now = utcnow()
    mine = _own_events_filter()
    upcoming = db.session.scalars(
        select(Event).where(mine, Event.ends_at > now).order_by(Event.starts_at, Event.id).limit(500)
    ).all()
    past = db.session.scalars(
        select(Event).where(mine, Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc()).limit(100)
    ).all()
    return render_template("events/staff/index.html", upcoming=upcoming, past=past, now=now)


@bp.route("/neu", methods=["GET", "POST"])
@login_required
def create():
    """A new event (saved as a draft) for one of the staff member's regions or their Land."""
    _staff_only()
    form = EventForm()
    form.owner.choices = _owner_choices()
    if not form.owner.choices:
        abort(403)
    if request.method == "GET" or len(form.owner.choices) == 1:
        form.owner.data = form.owner.choices[0][0]  # one choice: shown as text, not sent as a field
    if form.validate_on_submit():
        event = services.create_event(current_user, form.data_for_service(), **_owner(form.owner.data))
        flash(_("The event has been saved as a draft. Publish it when it is ready."), "success")
        return redirect(url_for("event_staff.index", _anchor=f"event-{event.id}"))
    return render_template("events/staff/form.html", form=form, event=None)


@bp.route("/<int:event_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    """Edit an event; registered schools get an update of their calendar entry when time or place change."""
    event = _manageable_or_404(event_id)
    form = EventForm()
    form.owner.choices = [("fixed", _owner_name(event))]
    form.owner.data = "fixed"  # an event stays with its region or Land
    if request.method == "GET":
        form.fill_from(event)
    if event.state == EventState.CANCELLED:
        flash(_("A cancelled event can no longer be changed."), "error")
        return redirect(url_for("event_staff.index"))
    if form.validate_on_submit():
        try:
            notified = services.update_event(
                event, current_user, form.data_for_service(), parse_version(form.version.data)
            )
        except EditConflict:
            current = db.session.get(Event, event_id, populate_existing=True)
            explanation = _(
                "While you were editing, someone else saved this event. Your changes have not been saved, so that "
                "nothing is overwritten without notice. Your text is below: copy what you need, open the event "
                "again and add it."
            )
            edit_url = url_for("event_staff.edit", event_id=event_id)
            page = render_template(
                "core/conflict.html", saved=current, form=form, explanation=explanation, edit_url=edit_url
            )
            return page, 409
        if notified:
            flash(_("The event has been saved; the registered schools received the update."), "success")
        else:
            flash(_("The event has been saved."), "success")
        return redirect(url_for("event_staff.index", _anchor=f"event-{event.id}"))
    return render_template("events/staff/form.html", form=form, event=event)


@bp.post("/<int:event_id>/veroeffentlichen")
@login_required
def publish(event_id: int):
    """Publish a draft: it appears on the public pages and schools can register."""
    event = _manageable_or_404(event_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if is_past(event):
        flash(_("This event is over and can no longer be published."), "error")
    elif services.publish_event(event, current_user):
        flash(_("The event is published; schools can register now."), "success")
    else:
        flash(_("The event is already published or cancelled."), "info")
    return redirect(url_for("event_staff.index", _anchor=f"event-{event.id}"))


@bp.route("/<int:event_id>/absagen", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    """Cancel an event with a reason that every registered school receives by mail."""
    event = _manageable_or_404(event_id)
    if event.state == EventState.CANCELLED:
        flash(_("The event is already cancelled."), "info")
        return redirect(url_for("event_staff.index"))
    form = CancelEventForm()
    if form.validate_on_submit():
        told = services.cancel_event(event, current_user, form.reason.data)
        flash(_("The event is cancelled; %(count)s schools have been told.", count=told), "success")
        return redirect(url_for("event_staff.index", _anchor=f"event-{event.id}"))
    registered = services.active_registration_count(event)
    return render_template("events/staff/cancel.html", form=form, event=event, registered=registered)
