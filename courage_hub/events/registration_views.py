"""A coordinator registers their school for an event, changes the registration or cancels it (until the deadline)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.requests import id_arg
from ..extensions import db
from ..schools.coordinators import membership_school_ids
from ..schools.models import School
from . import services
from .forms import ButtonForm, RegistrationForm
from .models import Event, EventRegistration, RegistrationStatus
from .policy import event_is_for_school, is_public, registration_open

bp = Blueprint("event_registration", __name__)


def _public_event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not is_public(event):
        abort(404)
    return event


def _eligible_schools(event: Event) -> list[School]:
    """The signed-in coordinator's schools that the event is for (a Land's event: schools of its Land)."""
    ids = membership_school_ids(current_user) if current_user.is_coordinator else frozenset()
    if not ids:
        return []
    schools = db.session.scalars(select(School).where(School.id.in_(sorted(ids))).order_by(School.name)).all()
    return [s for s in schools if event_is_for_school(event, s, services.land_of_region(s.region_id))]


def _chosen_school(event: Event, value: str | None) -> tuple[School | None, list[School]]:
    """The school the coordinator acts for (``schule``), or None when they must choose; 403 without any."""
    schools = _eligible_schools(event)
    if not schools:
        abort(403)
    if len(schools) == 1:
        return schools[0], schools
    if value is None:
        return None, schools
    wanted = id_arg(value) if isinstance(value, str) else None
    school = next((s for s in schools if s.id == wanted), None)
    if school is None:
        abort(404)
    return school, schools


def _page_url(event: Event, school: School, several: bool) -> str:
    return url_for("event_registration.register", event_id=event.id, schule=school.id if several else None)


@bp.route("/veranstaltungen/<int:event_id>/anmelden", methods=["GET", "POST"])
@login_required
def register(event_id: int):
    """Register the school (pupils, adults, the adults' names, a note), or change the registration."""
    event = _public_event_or_404(event_id)
    school, schools = _chosen_school(event, request.values.get("schule"))
    if school is None:
        return render_template("events/registration/choose.html", event=event, schools=schools)
    registration = services.registration_of(event, school)
    active = registration is not None and registration.status != RegistrationStatus.CANCELLED
    form = RegistrationForm()
    if request.method == "GET" and active:
        form.pupils.data, form.adults.data = registration.pupils, registration.adults
        form.adult_names.data, form.note.data = registration.adult_names, registration.note
    is_open = registration_open(event)
    if request.method == "POST" and not is_open:
        flash(_("Registration for this event is closed."), "error")
        return redirect(_page_url(event, school, len(schools) > 1))
    if form.validate_on_submit():
        try:
            if active:
                registration = services.change_registration(registration, current_user, form.seats())
            else:
                registration = services.register(event, school, current_user, form.seats())
        except services.RegistrationRefused as refused:
            form.form_errors.append(refused.message)
        else:
            _flash_result(registration, changed=active)
            return redirect(_page_url(event, school, len(schools) > 1))
    return render_template(
        "events/registration/form.html",
        event=event,
        school=school,
        several=len(schools) > 1,
        registration=registration if active else None,
        position=services.waiting_position(registration) if active else None,
        free=services.free_seats(event),
        form=form,
        is_open=is_open,
        cancel_form=ButtonForm(),
    )


def _flash_result(registration: EventRegistration, *, changed: bool) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        if changed:
            flash(_("Your registration has been changed and stays confirmed."), "success")
        else:
            flash(_("Your registration is confirmed. A mail with the calendar entry is on its way."), "success")
    else:
        position = services.waiting_position(registration)
        flash(
            _("The event is fully booked: your school is on the waiting list (position %(n)s).", n=position), "success"
        )


@bp.post("/veranstaltungen/<int:event_id>/abmelden")
@login_required
def unregister(event_id: int):
    """Cancel the school's registration: its seats go to the next school on the waiting list."""
    event = _public_event_or_404(event_id)
    school, schools = _chosen_school(event, request.form.get("schule"))
    if school is None:
        abort(404)
    registration = services.registration_of(event, school)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_registration(registration, current_user)
    except services.RegistrationRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("Your registration has been cancelled."), "success")
    return redirect(_page_url(event, school, len(schools) > 1))
