"""Public school directory and profiles, registration, and the pages where a school moves through the process."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..access.policy import (
    can_contact_coordination,
    can_edit_school,
    can_manage_process,
    can_view_school_internals,
    is_coordinator,
    is_ki_staff,
    is_staff_of_school,
)
from ..core.db import EditConflict, parse_version
from ..core.images import ImageRejected, reencode_image, upload_dir
from ..core.pagination import page_count, requested_page
from ..core.permissions import require
from ..core.ratelimit import RateLimited, hashed_key, limiter
from ..core.uploads import PendingUploads
from ..extensions import db
from ..regions.services import all_regions, place, region_for_municipality, region_record
from . import contact, coordinators, invitations, process, registration, services, steps
from .forms import (
    AcceptInvitationForm,
    ApplicationForm,
    BallotForm,
    CeremonyForm,
    ConfirmForm,
    ContactCoordinationForm,
    ContactFlagForm,
    InviteForm,
    PatronForm,
    ProfileForm,
    RegistrationForm,
    SignedInRegistrationForm,
    StatusForm,
)
from .models import STATUS_LABELS, School, SchoolStatus
from .vocab import SCHOOL_TYPES

bp = Blueprint("schools", __name__)
PER_PAGE = 20
LOGO_MAX_BYTES = 2 * 1024 * 1024
# Every attempt counts (also refused ones), so that the form cannot be used to probe e-mail addresses.
REGISTRATION_ATTEMPTS_PER_IP_PER_HOUR = 10


def _municipality_choices(form) -> None:
    """Every covered municipality; with several offices each names the one that will look after the school."""
    regions = all_regions()
    if len(regions) == 1:
        towns = [(town, town) for town in regions[0].municipalities]
    else:
        towns = sorted(
            (town, _("%(municipality)s – %(office)s", municipality=town, office=region.name))
            for region in regions
            for town in region.municipalities
        )
    form.municipality.choices = [("", _("Please choose")), *towns]
    if len(regions) > 1:
        form.municipality.description = _("The municipality decides which regional office looks after your school.")


def _visible_school_or_404(slug: str) -> School:
    """The school if the current user may see it: public schools for all, others for their coordinators and KI."""
    school = services.school_by_slug(slug)
    if school is None:
        abort(404)
    if not school.is_public and not can_view_school_internals(current_user, school):
        abort(404)
    return school


def _internal_school_or_404(slug: str) -> School:
    """The school for its own coordinators and KI staff; 404 when the user may not even know it exists."""
    school = services.school_by_slug(slug)
    if school is None:
        abort(404)
    if not can_view_school_internals(current_user, school):
        abort(403 if school.is_public else 404)
    return school


# --- public ----------------------------------------------------------------------------------------------------


@bp.get("/schulen/")
def directory():
    """The public directory of member schools (and preparing schools that agreed), filtered and searched."""
    where = place(request.args.get("land"), request.args.get("region"))
    filters = services.DirectoryFilter(
        q=request.args.get("q", "").strip()[:100],
        municipality=request.args.get("gemeinde", ""),
        school_type=request.args.get("schulform", ""),
        status=request.args.get("status", ""),
        region_ids=where.region_ids,
    )
    page = requested_page()
    schools, total = services.directory_page(filters, page, PER_PAGE)
    pages = page_count(total, PER_PAGE)
    return render_template(
        "schools/directory.html",
        schools=schools,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        place=where,
        municipalities=[(m, m) for m in where.municipalities()],
        school_types=[(t, t) for t in SCHOOL_TYPES],
        statuses=[(s.value, STATUS_LABELS[s]) for s in SchoolStatus if s != SchoolStatus.AUSGETRETEN],
    )


@bp.get("/schulen/<slug>")
def profile(slug: str):
    """A school's public profile; coordinators and KI also see pending schools."""
    from ..activities import services as activity_services
    from ..materials import services as material_services

    school = _visible_school_or_404(slug)
    years = activity_services.obligation_years(school)
    return render_template(
        "schools/profile.html",
        school=school,
        activities=activity_services.school_activities(school, include_unpublished=False, limit=12),
        obligation_years=years,
        years_met=sum(1 for _year, met in years if met),
        materials=material_services.school_materials(school, limit=6) if school.is_public else [],
    )


@bp.get("/schulen/<slug>/logo")
def logo(slug: str):
    school = _visible_school_or_404(slug)
    if not school.logo_filename:
        abort(404)
    path = upload_dir("logos") / school.logo_filename
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=3600)
    response.headers["Content-Disposition"] = "inline"
    if not school.is_public:  # shown to its coordination and the KI only: no shared cache may keep it
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- registration ----------------------------------------------------------------------------------------------


@bp.route("/schulen/registrieren", methods=["GET", "POST"])
def register():
    """Register a school with its first coordinator; the KI approves it before it becomes public."""
    signed_in = current_user if current_user.is_authenticated else None
    if signed_in is not None and not signed_in.is_coordinator:
        flash(_("KI staff add schools by inviting their coordinators; this form is for schools."), "info")
    form = SignedInRegistrationForm() if signed_in else RegistrationForm()
    _municipality_choices(form)
    if request.method == "POST":
        _count_registration_attempt()
    if form.validate_on_submit():
        office = region_for_municipality(form.municipality.data)
        registered = url_for("schools.registered", koordination=office.slug if office else None)
        if form.website_url.data:  # honeypot: pretend success, store nothing
            return redirect(registered)
        if _registration_problem(form, signed_in) is None:
            try:
                school = registration.register_school(_registration_data(form, signed_in), signed_in)
            except services.RuleViolation as violation:
                form.schulnummer.errors.append(violation.message)
            else:
                if signed_in:
                    flash(
                        _(
                            "%(school)s has been registered and waits for approval by %(office)s.",
                            school=school.name,
                            office=office.name if office else _("the regional office"),
                        ),
                        "success",
                    )
                    return redirect(url_for("schools.manage", slug=school.slug))
                # The same answer whether or not the address has an account: the next step goes by mail. The office
                # follows from the municipality alone, so naming it reveals nothing about the address.
                return redirect(registered)
    return render_template("schools/register.html", form=form, signed_in=signed_in)


def _count_registration_attempt() -> None:
    key = hashed_key("registration-ip", request.remote_addr or "")
    wait = limiter().hit_if_allowed(key, REGISTRATION_ATTEMPTS_PER_IP_PER_HOUR, 3600)
    if wait:
        raise RateLimited(wait)


def _registration_problem(form, signed_in) -> str | None:
    if registration.schulnummer_taken(form.schulnummer.data):
        form.schulnummer.errors.append(registration.duplicate_schulnummer_message())
        return "schulnummer"
    if signed_in is not None and not signed_in.is_coordinator:
        form.form_errors.append(_("Only school coordinators can register a school."))
        return "role"
    return None


def _registration_data(form, signed_in) -> registration.Registration:
    return registration.Registration(
        name=form.name.data,
        schulnummer=form.schulnummer.data,
        school_type=form.school_type.data,
        municipality=form.municipality.data,
        street=form.street.data or "",
        postcode=form.postcode.data or "",
        public_email=form.public_email.data or None,
        website=form.website.data or None,
        person_name=signed_in.name if signed_in else form.person_name.data,
        person_email=signed_in.email if signed_in else form.email.data,
        password=None if signed_in else form.password.data,
    )


@bp.get("/schulen/registriert")
def registered():
    """Thanks for a registration, naming the office that will look after the school and how to reach it."""
    slug = request.args.get("koordination", "")[:80]
    return render_template("schools/registered.html", office=region_record(slug) if slug else None)


# --- coordinator's overview ------------------------------------------------------------------------------------


@bp.get("/meine-schulen")
@require(is_coordinator)
def my_schools():
    """The coordinator's start page: the schools they act for, to switch between them."""
    schools = coordinators.schools_of(current_user)
    if len(schools) == 1 and not request.args.get("alle"):
        return redirect(url_for("schools.manage", slug=schools[0].slug))
    return render_template("schools/my_schools.html", schools=schools)


@bp.get("/schulen/<slug>/verwalten")
@login_required
def manage(slug: str):
    """A school's internal page: status, timeline, ballots, patron, coordinators, and the next steps."""
    from ..activities import services as activity_services
    from ..core.schoolyear import current_school_year

    school = _internal_school_or_404(slug)
    ki = is_staff_of_school(current_user, school)
    ballots = services.ballots(school)
    year = current_school_year()
    return render_template(
        "schools/manage.html",
        school=school,
        ballots=ballots,
        timeline=services.timeline(school, include_internal=ki),
        coordinators=services.coordinators(school),
        invitations=coordinators.open_invitations(school),
        status_form=StatusForm(status=school.status.value),
        contact_form=ContactFlagForm(),
        confirm_form=ConfirmForm(),
        format_percent=services.format_percent,
        next_step_problem=steps.coordinator_move_problem,
        ceremony_warning=ceremony_warning(school) if services.ceremony_before_admission(school) else None,
        my_school_count=len(coordinators.membership_school_ids(current_user)) if current_user.is_coordinator else 0,
        activities=activity_services.school_activities(school, include_unpublished=True, limit=20),
        current_year=year,
        obligation_met=activity_services.obligation_met(school.id, year),
    )


@bp.route("/schulen/<slug>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit the public profile; a concurrent save by someone else shows a conflict page instead of overwriting."""
    school = _internal_school_or_404(slug)
    if not can_edit_school(current_user, school):
        abort(403)
    form = ProfileForm(obj=school) if request.method == "GET" else ProfileForm()
    _municipality_choices(form)
    if request.method == "GET":
        form.profile_version.data = school.profile_version
    kept = PendingUploads("logo", max_bytes=LOGO_MAX_BYTES, limit=1)  # a chosen logo survives a failed submit
    if form.logo.data and getattr(form.logo.data, "filename", ""):
        kept.replace([form.logo.data])
    valid = form.validate_on_submit()
    if kept.errors:
        form.logo.errors = [*form.logo.errors, *kept.errors.get("", [])]
    if valid and not kept.errors:
        logo_png = None
        if kept.files:
            upload = kept.open(kept.files[0])
            try:
                logo_png = reencode_image(
                    upload.read(), name=upload.filename, max_size=(400, 400), max_bytes=LOGO_MAX_BYTES
                )
            except ImageRejected as rejected:
                form.logo.errors.append(rejected.message)
                kept.discard()  # it would be refused again
        if not form.logo.errors:
            values = {field: getattr(form, field).data for field in services.PROFILE_FIELDS}
            values["public_email"] = values["public_email"] or None
            values["website"] = values["website"] or None
            version = parse_version(form.profile_version.data)
            try:
                services.update_profile(
                    school, version, values, logo_png=logo_png, remove_logo=bool(form.remove_logo.data)
                )
            except EditConflict:
                db.session.refresh(school)
                return render_template("schools/conflict.html", school=school, form=form), 409
            kept.discard()
            flash(_("The profile has been saved."), "success")
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/edit.html", school=school, form=form, kept=kept)


# --- the joining process ---------------------------------------------------------------------------------------


def _staff_school_or_404(slug: str) -> School:
    """The school for staff of its own region only (staff of another region get 404, like everyone else)."""
    school = _internal_school_or_404(slug)
    if not is_staff_of_school(current_user, school):
        abort(403)
    return school


def _process_school(slug: str) -> School:
    school = _internal_school_or_404(slug)
    if not can_manage_process(current_user, school):
        abort(403)
    return school


@bp.route("/schulen/<slug>/abstimmung", methods=["GET", "POST"])
@login_required
def ballot(slug: str):
    """Record the totals of a ballot (never names); ≥ 70 % of everyone moves the school forward."""
    school = _process_school(slug)
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
    school = _process_school(slug)
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
    school = _process_school(slug)
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
    school = _process_school(slug)
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
    if services.ceremony_before_admission(school):
        flash(ceremony_warning(school), "warning")


def ceremony_warning(school: School) -> str:
    return _(
        "The admission ceremony (%(ceremony)s) is dated before the admission (%(admitted)s). Please check both dates.",
        ceremony=format_date(school.ceremony_date),
        admitted=format_date(school.admitted_on),
    )


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
    school = _internal_school_or_404(slug)
    if not can_contact_coordination(current_user, school):
        abort(403)
    form = ContactCoordinationForm()
    if form.validate_on_submit():
        contact.contact_coordination(school, current_user, form.subject.data, form.message.data)
        flash(_("Your message has been sent to the coordination at the KI."), "success")
        return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/contact_coordination.html", school=school, form=form)


# --- coordinators ----------------------------------------------------------------------------------------------


@bp.route("/schulen/<slug>/koordination/einladen", methods=["GET", "POST"])
@login_required
def invite(slug: str):
    """Invite another coordinator by e-mail (KI staff add existing coordinator accounts directly)."""
    school = _process_school(slug)
    handover = request.args.get("uebergabe") == "1" and is_coordinator(current_user)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            if is_staff_of_school(current_user, school):
                added = coordinators.assign_coordinator(school, current_user, form.email.data)
            else:
                replaces = current_user._get_current_object() if handover else None
                coordinators.invite_coordinator(school, current_user, form.email.data, replaces=replaces)
                added = None
        except services.RuleViolation as violation:
            form.email.errors.append(violation.message)
        else:
            if added is not None:
                flash(_("%(name)s now coordinates the school.", name=added.name), "success")
            elif handover:
                flash(
                    _("The invitation has been sent. You leave the coordination as soon as it is accepted."), "success"
                )
            else:
                flash(_("The invitation has been sent. It is valid for 7 days."), "success")
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/invite.html", school=school, form=form, handover=handover)


@bp.route("/schulen/<slug>/koordination/<int:user_id>/entfernen", methods=["GET", "POST"])
@login_required
def remove_coordinator(slug: str, user_id: int):
    """Ask first, then remove a coordinator, or leave (if it is oneself); the last one must hand over first."""
    from ..auth.models import User

    school = _process_school(slug)
    member = db.session.get(User, user_id)
    if member is None or school.id not in coordinators.membership_school_ids_fresh(member):
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("schools/remove_coordinator.html", school=school, member=member, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        coordinators.remove_coordinator(school, current_user, member)
    except services.RuleViolation as violation:
        flash(violation.message, "error")
        return redirect(url_for("schools.manage", slug=school.slug))
    if member.id == current_user.id:
        flash(_("You no longer coordinate %(school)s.", school=school.name), "success")
        return redirect(url_for("core.home"))
    flash(_("%(name)s no longer coordinates the school.", name=member.name), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


def _school_invitation_or_404(school: School, invitation_id: int):
    invitation = invitations.open_invitation(school, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/schulen/<slug>/koordination/einladungen/<int:invitation_id>/zurueckziehen")
@login_required
def withdraw_invitation(slug: str, invitation_id: int):
    """Withdraw an open invitation (e.g. sent to a wrong address); its link then explains that."""
    school = _process_school(slug)
    invitation = _school_invitation_or_404(school, invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitations.withdraw_invitation(school, current_user, invitation)
    except services.RuleViolation as violation:
        flash(violation.message, "error")
    else:
        flash(_("The invitation to %(email)s has been withdrawn.", email=invitation.email), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


@bp.post("/schulen/<slug>/koordination/einladungen/<int:invitation_id>/erneut-senden")
@login_required
def resend_invitation(slug: str, invitation_id: int):
    """Send an invitation again with a new link (valid for 7 days from now); the old link stops working."""
    school = _process_school(slug)
    invitation = _school_invitation_or_404(school, invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitations.resend_invitation(school, current_user, invitation)
    except services.RuleViolation as violation:
        flash(violation.message, "error")
    else:
        flash(_("The invitation to %(email)s has been sent again with a new link.", email=invitation.email), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


def _dead_invitation_page(token: str):
    """Why this invitation link does not work (accepted, withdrawn, expired) and whom to ask for a new one."""
    state, invitation, inviter = invitations.dead_link(token)
    return (
        render_template(
            "schools/invitation_invalid.html",
            state=state.value,
            invitation=invitation,
            inviter=inviter,
            days=coordinators.INVITATION_DAYS,
        ),
        410,
    )


@bp.route("/schulen/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation: as the signed-in owner of the address, or by creating an account (then signed in)."""
    from ..auth import services as auth_services
    from ..auth.session import start_session

    invitation = coordinators.valid_invitation(token)
    if invitation is None:
        return _dead_invitation_page(token)
    existing = coordinators.account_for_invitation(invitation)
    signed_in = current_user if current_user.is_authenticated else None
    if existing is not None and (signed_in is None or signed_in.id != existing.id):
        if signed_in is not None:
            logout_user()
        flash(_("Please sign in with %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("auth.login", next=request.path))
    form = ConfirmForm() if existing is not None else AcceptInvitationForm()
    school_name, school_slug = invitation.school.name, invitation.school.slug
    if form.validate_on_submit():
        try:
            data = {} if existing else {"name": form.name.data, "password": form.password.data}
            user = coordinators.accept_invitation(token, existing, **data)
        except services.RuleViolation as violation:
            form.form_errors.append(violation.message)
            invitation = coordinators.valid_invitation(token)  # loaded again: the refused transaction expired it
            if invitation is None:
                return _dead_invitation_page(token)
        else:
            if existing is None and not user.second_factor_required:  # a coordinator account needs no factor
                auth_services.complete_login(user)
                start_session(user)  # a fresh session: whatever the browser had before ends here
            flash(_("You now coordinate %(school)s.", school=school_name), "success")
            if user.second_factor_required:
                return redirect(url_for("auth.login"))
            return redirect(url_for("schools.manage", slug=school_slug))
    return render_template("schools/accept_invitation.html", invitation=invitation, form=form, existing=existing)
