"""The joining process of a school: ballots, the patron, the application, the status, the admission ceremony, the
internal contact flag and the message to the regional office."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import can_contact_coordination, is_ki_staff, is_staff_of_school
from ..core.permissions import require
from . import contact, process, services
from .forms import (
    ApplicationForm,
    BallotForm,
    CeremonyForm,
    ContactCoordinationForm,
    ContactFlagForm,
    PatronForm,
    StatusForm,
)
from .models import School, SchoolStatus
from .views import bp, internal_school_or_404, process_school_or_403


def _staff_school_or_404(slug: str) -> School:
    """The school for staff of its own region only (staff of another region get 404, like everyone else)."""
    school = internal_school_or_404(slug)
    if not is_staff_of_school(current_user, school):
        abort(403)
    return school


@bp.route("/schulen/<slug>/abstimmung", methods=["GET", "POST"])
@login_required
def ballot(slug: str):
    """Record the totals of a ballot (never names); ≥ 70 % of everyone moves the school forward."""
    school = process_school_or_403(slug)
    form = BallotForm()
    if form.validate_on_submit():
        try:
            result = services.record_ballot(
                school,
                current_user,
                held_on=form.held_on.data,
                eligible=form.eligible.data,
                yes=form.yes.data,
                no=form.no.data,
                invalid=form.invalid.data,
            )
        except services.RuleViolation as violation:
            form.form_errors.append(violation.message)
        else:
            share = services.format_percent(result.share_percent)
            if result.passed:
                flash(
                    _("Ballot recorded: %(share)s of everyone agreed – the ballot has passed.", share=share), "success"
                )
            else:
                flash(
                    _(
                        "Ballot recorded: %(share)s of everyone agreed; at least %(percent)d %% are needed.",
                        share=share,
                        percent=process.BALLOT_THRESHOLD_PERCENT,
                    ),
                    "warning",
                )
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/ballot.html", school=school, form=form)


@bp.route("/schulen/<slug>/pate", methods=["GET", "POST"])
@login_required
def patron(slug: str):
    """Record the school's Pate/Patin."""
    school = process_school_or_403(slug)
    form = PatronForm(obj=school.patron) if request.method == "GET" else PatronForm()
    if form.validate_on_submit():
        try:
            services.save_patron(
                school,
                current_user,
                name=form.name.data,
                organisation=form.organisation.data or "",
                confirmed_on=form.confirmed_on.data,
                show_publicly=form.show_publicly.data,
            )
        except services.RuleViolation as violation:
            form.form_errors.append(violation.message)
        else:
            flash(_("The patron has been saved."), "success")
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/patron.html", school=school, form=form)


@bp.route("/schulen/<slug>/antrag", methods=["GET", "POST"])
@login_required
def application(slug: str):
    """Record when the application went to the Bundeskoordination."""
    school = process_school_or_403(slug)
    form = ApplicationForm(application_date=school.application_date)
    if form.validate_on_submit():
        try:
            services.record_application(school, current_user, form.application_date.data)
        except services.RuleViolation as violation:
            form.form_errors.append(violation.message)
        else:
            flash(_("The application date has been saved."), "success")
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/application.html", school=school, form=form)


@bp.post("/schulen/<slug>/status")
@login_required
def change_status(slug: str):
    """KI staff set any status with a note; coordinators move one step forward when the data supports it."""
    school = process_school_or_403(slug)
    form = StatusForm()
    if is_staff_of_school(current_user, school):
        if form.validate_on_submit():
            services.set_status_by_ki(
                school, current_user, SchoolStatus(form.status.data), form.note.data, admitted_on=form.admitted_on.data
            )
            flash(_("The status is now “%(status)s”.", status=school.status.label), "success")
            _warn_if_ceremony_before_admission(school)
        elif form.admitted_on.errors:
            flash(str(form.admitted_on.errors[0]), "error")
        else:
            flash(_("Please choose a status and say briefly why."), "error")
        return redirect(url_for("schools.manage", slug=school.slug))
    target = request.form.get("status", "")
    if target not in {s.value for s in SchoolStatus}:
        abort(400)
    try:
        services.advance_by_coordinator(school, current_user, SchoolStatus(target))
    except services.RuleViolation as violation:
        flash(violation.message, "error")
    else:
        flash(_("The status is now “%(status)s”.", status=school.status.label), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


@bp.route("/schulen/<slug>/aufnahmefeier", methods=["GET", "POST"])
@require(is_ki_staff)
def ceremony(slug: str):
    """KI staff record the planned or held admission ceremony."""
    school = _staff_school_or_404(slug)
    form = CeremonyForm(ceremony_date=school.ceremony_date, held=school.ceremony_held, note=school.ceremony_note)
    if form.validate_on_submit():
        services.save_ceremony(
            school, current_user, ceremony_date=form.ceremony_date.data, held=form.held.data, note=form.note.data or ""
        )
        flash(_("The admission ceremony has been saved."), "success")
        _warn_if_ceremony_before_admission(school)
        return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/ceremony.html", school=school, form=form)


def _warn_if_ceremony_before_admission(school: School) -> None:
    if warning := services.ceremony_warning(school):
        flash(warning, "warning")


@bp.post("/schulen/<slug>/kontakt")
@require(is_ki_staff)
def contact_flag(slug: str):
    """Set or clear the internal "Kontakt nötig" flag."""
    school = _staff_school_or_404(slug)
    form = ContactFlagForm()
    if form.validate_on_submit():
        flagged = form.flagged.data == "1"
        if flagged and not (form.reason.data or "").strip():
            flash(_("Please give a reason for the contact flag."), "error")
        else:
            services.set_contact_flag(school, current_user, flagged=flagged, reason=form.reason.data or "")
            flash(_("Contact flag set.") if flagged else _("Contact flag cleared."), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


@bp.route("/schulen/<slug>/kontakt-koordination", methods=["GET", "POST"])
@login_required
def contact_coordination(slug: str):
    """ "Kontakt zur Koordination": a coordinator writes to the KI; a copy stays on the school's timeline."""
    school = internal_school_or_404(slug)
    if not can_contact_coordination(current_user, school):
        abort(403)
    form = ContactCoordinationForm()
    if form.validate_on_submit():
        contact.contact_coordination(school, current_user, form.subject.data, form.message.data)
        flash(_("Your message has been sent to the coordination at the KI."), "success")
        return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/contact_coordination.html", school=school, form=form)
