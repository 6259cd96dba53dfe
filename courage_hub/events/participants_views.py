"""The staff's pages of one event's participants: the list per school, its CSV/XLSX export, the sign-in sheet, a
message to every registered school and the attendance afterwards. Only the event's own staff (its region's
regional staff, or the Land staff of a Land's event) reach them; other staff do not find the event."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..coordination import exports
from ..core import schoolyear
from ..core.permissions import require
from ..core.text import slugify
from ..extensions import db
from . import participants as service
from .models import Event
from .participants_forms import AttendanceForm, EventMessageForm
from .policy import can_create_events, can_manage_event
from .signin import sign_in_sheet

bp = Blueprint("event_participants", __name__, url_prefix="/koordination/veranstaltungen")


def _event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can_manage_event(current_user, event):
        abort(404)
    return event


def _download(data: bytes, content_type: str, filename: str) -> Response:
    response = Response(data, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _file_name(kind: str, event: Event, extension: str) -> str:
    """``teilnehmende-<title>-<school year>-<day of the export>.csv``: the exports' one naming scheme."""
    year = schoolyear.school_year_of(schoolyear.local_today(event.starts_at))
    return exports.download_name(f"{kind}-{slugify(event.title, 60, 'veranstaltung')}", year, extension, filtered=False)


@bp.get("/<int:event_id>/teilnehmende")
@require(can_create_events)
def participants(event_id: int):
    """The registered schools with their numbers, adults and notes; the waiting list; attendance after the start."""
    event = _event_or_404(event_id)
    return render_template(
        "events/participants.html",
        event=event,
        when=service.event_when(event),
        participants=service.participant_list(event),
        begun=service.has_begun(event),
        names=service.adult_names,
        attendance_form=AttendanceForm(),
    )


@bp.get("/<int:event_id>/teilnehmende.<any(csv, xlsx):fmt>")
@require(can_create_events)
def export_participants(event_id: int, fmt: str):
    """The participant list as CSV or XLSX (confirmed schools and the waiting list)."""
    event = _event_or_404(event_id)
    table = service.participants_table(service.participant_list(event))
    data = exports.FORMATS[fmt][0](table)
    service.record_export(event, fmt, len(table.rows), current_user)
    return _download(data, exports.FORMATS[fmt][1], _file_name("teilnehmende", event, fmt))


@bp.get("/<int:event_id>/unterschriften.pdf")
@require(can_create_events)
def sign_in(event_id: int):
    """The printable sign-in sheet: schools, adults' names, pupils and an empty signature column."""
    event = _event_or_404(event_id)
    data = sign_in_sheet(service.participant_list(event))
    return _download(data, "application/pdf", _file_name("unterschriften", event, "pdf"))


@bp.route("/<int:event_id>/nachricht", methods=["GET", "POST"])
@require(can_create_events)
def message(event_id: int):
    """Write to the coordinators of every registered school (mail, timeline, audit log)."""
    event = _event_or_404(event_id)
    schools = service.registered_schools(event)
    form = EventMessageForm()
    if form.validate_on_submit():
        if not schools:
            flash(_("No school is registered for this event yet."), "error")
            return redirect(url_for(".participants", event_id=event.id))
        outcome = service.message_schools(event, current_user, form.subject.data, form.text.data)
        sent = len(outcome.sent)
        flash(ngettext("Message sent to %(num)d school.", "Message sent to %(num)d schools.", sent), "success")
        if outcome.without_address:
            names = ", ".join(s.name for s in outcome.without_address)
            flash(_("No coordinator with an e-mail address, not sent: %(names)s", names=names), "warning")
        return redirect(url_for(".participants", event_id=event.id))
    return render_template(
        "events/message.html",
        event=event,
        when=service.event_when(event),
        form=form,
        schools=schools,
        addresses=service.coordinator_addresses,
    )


@bp.post("/<int:event_id>/anwesenheit")
@require(can_create_events)
def attendance(event_id: int):
    """Record whether one registered school's group came (after the event has begun)."""
    event = _event_or_404(event_id)
    back = redirect(url_for(".participants", event_id=event.id, _anchor="attendance"))
    if not service.has_begun(event):
        flash(_("Attendance can be recorded once the event has begun."), "error")
        return back
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash(_("Please choose whether the group came."), "error")
        return back
    came = form.attended.data == "1"
    try:
        school = service.mark_attendance(event, int(form.registration.data), came, current_user)
    except service.AttendanceRefused as refused:
        flash(str(refused), "error")
        return back
    if came:
        flash(_("Recorded: %(school)s came.", school=school), "success")
    else:
        flash(_("Recorded: %(school)s did not come.", school=school), "success")
    return back
