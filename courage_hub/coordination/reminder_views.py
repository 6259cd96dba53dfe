"""\"Kontakt nötig\", reminders to schools and the outbox of undelivered mails: how an office reaches its schools."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select, true
from wtforms.fields.choices import SelectChoice

from ..access.policy import can_review_registrations, can_use_outbox, is_admin
from ..access.scope import staff_filter, staff_region_ids
from ..core import mail, schoolyear
from ..core.models import OutboxMail, OutboxStatus
from ..core.permissions import require
from ..core.requests import id_arg
from ..extensions import db
from ..regions.services import municipality_names_in
from ..schools.forms import ConfirmForm
from . import contact_needed, presentation, reminders
from .forms import ReminderForm
from .views import bp, municipality_arg

MAX_REMINDER_SCHOOLS = 500


@bp.get("/kontakt")
@require(can_review_registrations)
def contact():
    """Schools that need contact (automatic rule and manual flag), with one click to write to each."""
    rule = contact_needed.contact_rule()
    region_ids = staff_region_ids(current_user)
    municipality = municipality_arg(region_ids)
    cases, total = contact_needed.contact_cases(rule, region_ids, municipality)
    return render_template(
        "coordination/contact.html",
        cases=cases,
        total=total,
        rule=rule,
        deadline=rule.common_deadline(region_ids),
        municipality=municipality,
        municipalities=[(m, m) for m in municipality_names_in(staff_region_ids(current_user))],
    )


def _reminder_school_ids() -> list[int]:
    if request.method == "GET" and request.args.get("kontakt") == "1":
        region_ids = staff_region_ids(current_user)
        cases, _total = contact_needed.contact_cases(
            contact_needed.contact_rule(), region_ids, municipality_arg(region_ids), MAX_REMINDER_SCHOOLS
        )
        return [c.school.id for c in cases]
    ids = []
    for raw in request.values.getlist("schule"):
        school_id = id_arg(raw)  # anything but a valid id names no school and is left out
        if school_id and school_id not in ids:
            ids.append(school_id)
    return ids[:MAX_REMINDER_SCHOOLS]


@bp.route("/erinnerungen", methods=["GET", "POST"])
@require(can_review_registrations)
def reminder():
    """Write a reminder to selected schools: edit the template, preview the exact mail for one school, send.

    Schools that got the same kind of reminder within 7 days are only mailed after a confirmation."""
    schools = reminders.coordinators_of(_reminder_school_ids(), staff_region_ids(current_user))
    form = ReminderForm()
    form.preview_school.choices = [SelectChoice(s.id, s.name) for s in schools.values()]
    year = schoolyear.current_school_year()
    region_ids = sorted({s.region_id for s in schools.values()}) or sorted(staff_region_ids(current_user) or ())
    if request.method == "GET":
        kind = request.args.get("art", "obligation")
        form.kind.data = kind if kind in reminders.KINDS else "obligation"
        first_region = region_ids[0] if len(region_ids) == 1 else None
        form.subject.data, form.body.data = reminders.region_template(form.kind.data, first_region)
    preview = None
    repeats: dict[int, datetime] = {}
    if request.method == "POST" and not schools:
        form.form_errors.append(_("Please select at least one school."))
    elif form.validate_on_submit():
        draft = reminders.Draft(kind=form.kind.data, subject=form.subject.data, body=form.body.data, year=year)
        action = request.form.get("action", "preview")
        if action == "save_template" and region_ids:
            reminders.save_region_template(
                region_ids, draft.kind, draft.subject, draft.body, current_user._get_current_object()
            )
            flash(_("The text is now the office's template for this kind of reminder."), "success")
        elif action.startswith("send"):
            targets = list(schools.values())
            repeats = reminders.recent_deliveries(list(schools), draft.kind)
            if action == "send_others":
                targets = [s for s in targets if s.id not in repeats]
            if repeats and action == "send":
                flash(_("Some schools got this kind of reminder within the last 7 days. Please confirm."), "warning")
            elif targets:
                outcome = reminders.send_reminders(draft, targets, current_user._get_current_object())
                _flash_outcome(outcome)
                return redirect(url_for("coordination.contact"))
            else:
                form.form_errors.append(_("No school is left to mail."))
        else:
            chosen = schools.get(form.preview_school.data) or next(iter(schools.values()))
            form.preview_school.data = chosen.id
            preview = reminders.compose(draft, chosen)
    return render_template(
        "coordination/reminder.html",
        form=form,
        schools=list(schools.values()),
        preview=preview,
        repeats=repeats,
        year=year,
        placeholders=reminders.PLACEHOLDERS,
    )


def _flash_outcome(outcome: reminders.Outcome) -> None:
    sent = len(outcome.sent)
    flash(ngettext("Reminder sent to %(num)d school.", "Reminder sent to %(num)d schools.", sent), "success")
    if outcome.without_address:
        names = ", ".join(s.name for s in outcome.without_address)
        flash(_("No e-mail address known, not sent: %(names)s", names=names), "warning")


def _outbox_scope():
    """Admins see every undelivered mail; staff the mails of their own regions."""
    if is_admin(current_user):
        return true()
    return staff_filter(current_user, OutboxMail.region_id)


@bp.get("/postausgang")
@require(can_use_outbox)
def outbox():
    """Mails the site could not deliver (yet): address, kind, error; failed ones can be sent again."""
    return render_template(
        "coordination/outbox.html",
        mails=mail.undelivered(_outbox_scope()),
        kinds=presentation.MAIL_KINDS,
        interrupted=mail.INTERRUPTED,
        form=ConfirmForm(),
    )


@bp.post("/postausgang/<int:mail_id>/erneut")
@require(can_use_outbox)
def send_mail_again(mail_id: int):
    """Queue a failed mail once more."""
    outbox_mail = db.session.scalar(select(OutboxMail).where(OutboxMail.id == mail_id, _outbox_scope()))
    if outbox_mail is None or outbox_mail.status != OutboxStatus.FAILED:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    mail.send_again(outbox_mail)
    flash(_("The mail is queued again."), "success")
    return redirect(url_for("coordination.outbox"))
