"""The schools blueprint: the public directory and profiles, registration, and a coordinator's overview (their
schools, a school's internal page, the profile editor).

The joining process (``process_views``) and the coordinators of a school (``coordinator_views``) add their pages to
this blueprint; the loaders below are shared by all three."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import (
    can_edit_school,
    can_manage_process,
    can_view_school_internals,
    is_coordinator,
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
from . import coordinators, registration, services, steps
from .forms import ConfirmForm, ContactFlagForm, ProfileForm, RegistrationForm, SignedInRegistrationForm, StatusForm
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


def internal_school_or_404(slug: str) -> School:
    """The school for its own coordinators and KI staff; 404 when the user may not even know it exists."""
    school = services.school_by_slug(slug)
    if school is None:
        abort(404)
    if not can_view_school_internals(current_user, school):
        abort(403 if school.is_public else 404)
    return school


def process_school_or_403(slug: str) -> School:
    """The school for those who may move it through the joining process (its coordinators, its region's staff)."""
    school = internal_school_or_404(slug)
    if not can_manage_process(current_user, school):
        abort(403)
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

    school = internal_school_or_404(slug)
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
        ceremony_warning=services.ceremony_warning(school),
        my_school_count=len(coordinators.membership_school_ids(current_user)) if current_user.is_coordinator else 0,
        activities=activity_services.school_activities(school, include_unpublished=True, limit=20),
        current_year=year,
        obligation_met=activity_services.obligation_met(school.id, year),
    )


@bp.route("/schulen/<slug>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit the public profile; a concurrent save by someone else shows a conflict page instead of overwriting."""
    school = internal_school_or_404(slug)
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
