"""The coordination blueprint of the regional offices: dashboard, schools table, a school's office view, handing a
school over, and the queue of registrations.

"Kontakt nötig", reminders and the outbox (``reminder_views``) and the exports and the annual report
(``export_views``) add their pages to this blueprint; the admins' audit log has its own (``audit_views``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from ..access.policy import can_move_school, can_move_schools, can_review_registrations, can_use_coordination
from ..access.scope import RegionIds, is_staff_for, staff_filter, staff_region_ids
from ..activities.services import obligation_years, school_activities
from ..core import schoolyear
from ..core.pagination import page_count, requested_page
from ..core.permissions import permitted_or_404, require
from ..extensions import db
from ..regions.services import all_regions, municipality_names_in, region_record
from ..schools import registration as school_registration
from ..schools import services as school_services
from ..schools import transfer
from ..schools.forms import ConfirmForm, MoveSchoolForm, RejectForm
from ..schools.models import STATUS_LABELS, Approval, School, SchoolStatus
from ..schools.vocab import SCHOOL_TYPES
from . import audit_labels, contact_needed, presentation, schools_table, services
from .dashboard import Scope, key_figures, year_choices
from .forms import NoteForm
from .schools_table import TableFilter
from .viewpoint import View, choose_view, path_to

bp = Blueprint("coordination", __name__, url_prefix="/koordination")
KI_PER_PAGE = 50


def _year_arg() -> int:
    current = schoolyear.current_school_year()
    year = request.args.get("jahr", type=int)
    return year if year and 2000 <= year <= current + 1 else current


def municipality_arg(region_ids: RegionIds) -> str:
    value = request.args.get("gemeinde", "")
    return value if value in municipality_names_in(region_ids) else ""


def chosen_view() -> View:
    """The region, Land or the whole country chosen with ?region= / ?land=, within what the viewer may see."""
    return choose_view(current_user, request.args.get("region", "")[:80], request.args.get("land", "")[:2])


def chosen_scope(view: View | None = None) -> Scope:
    """The figures the viewer looks at: their default view (their region, their Land, the whole country) or the
    one they chose; a municipality only within one region."""
    view = view or chosen_view()
    return Scope(
        year=_year_arg(),
        municipality=municipality_arg(view.region_ids) if view.is_single_region else "",
        region_ids=view.region_ids,
        level=view.level,
        name=view.name,
        land=view.land,
        args=view.args,
    )


def _optional_url(endpoint: str) -> str | None:
    try:
        return url_for(endpoint)
    except BuildError:
        return None


# --- dashboard -------------------------------------------------------------------------------------------------


@bp.get("/")
@require(can_use_coordination)
def dashboard():
    """Key figures and charts of a region, a Land or the whole country for a school year (and, within one region,
    a municipality), with the open queues; Land and national views break the figures down per region or Land."""
    view = chosen_view()
    scope = chosen_scope(view)
    figures = key_figures(scope)
    return render_template(
        "coordination/dashboard.html",
        scope=scope,
        figures=figures,
        steps=path_to(current_user, view),
        lines=presentation.figure_lines(figures),
        charts=presentation.charts(figures),
        tables=presentation.breakdown_tables(figures),
        years=year_choices(),
        municipalities=municipality_names_in(scope.region_ids) if view.is_single_region else [],
        review_url=_optional_url("material_review.queue"),
    )


# --- schools table ---------------------------------------------------------------------------------------------


def table_filter(region_ids: RegionIds) -> TableFilter:
    """The schools table's filters and sort order from the query string, within ``region_ids``."""
    sort = request.args.get("sort", "name")
    if sort.lstrip("-") not in schools_table.SORT_KEYS:
        sort = "name"
    obligation = request.args.get("pflicht", "")
    return TableFilter(
        year=_year_arg(),
        municipality=municipality_arg(region_ids),
        status=request.args.get("status", "") if request.args.get("status") in {s.value for s in SchoolStatus} else "",
        school_type=request.args.get("schulform", "") if request.args.get("schulform") in SCHOOL_TYPES else "",
        q=request.args.get("q", "").strip()[:100],
        contact=request.args.get("kontakt") == "1",
        obligation=obligation if obligation in ("ja", "nein") else "",
        sort=sort,
        region_ids=region_ids,
    )


@bp.get("/schulen")
@require(can_review_registrations)
def schools():
    """Every approved school of the Kreis in a filterable, sortable table, each linking to its KI view."""
    filters = table_filter(staff_region_ids(current_user))
    page = requested_page()
    rows, total = schools_table.schools_table(filters, page, KI_PER_PAGE)
    return render_template(
        "coordination/schools.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, KI_PER_PAGE),
        filters=filters,
        years=year_choices(),
        municipalities=[(m, m) for m in municipality_names_in(staff_region_ids(current_user))],
        statuses=[(s.value, STATUS_LABELS[s]) for s in SchoolStatus],
        school_types=[(t, t) for t in SCHOOL_TYPES],
    )


def _school_or_404(school_id: int) -> School:
    """A school of the staff member's own regions; any other is not found."""
    school = db.session.scalar(
        select(School)
        .where(School.id == school_id, staff_filter(current_user, School.region_id))
        .options(selectinload(School.patron))
    )
    if school is None:
        abort(404)
    return school


@bp.get("/schulen/<int:school_id>")
@require(can_review_registrations)
def school(school_id: int):
    """Everything the KI knows about one school: facts, contact reasons, timeline, activities, materials,
    coordinators' contacts, internal notes and reminders sent."""
    school = _school_or_404(school_id)
    return render_template(
        "coordination/school.html",
        school=school,
        contact=contact_needed.contact_reasons(school),
        obligation=obligation_years(school),
        timeline=school_services.timeline(school, include_internal=True),
        activities=school_activities(school, include_unpublished=True, limit=30),
        materials=services.school_materials(school),
        coordinators=school_services.coordinators(school),
        notes=services.notes(school),
        deliveries=services.deliveries(school),
        reminder_kind_label=audit_labels.reminder_kind_label,
        note_form=NoteForm(),
        move_form=_move_form(school) if len(all_regions()) > 1 else None,
    )


@bp.post("/schulen/<int:school_id>/notizen")
@require(can_review_registrations)
def add_note(school_id: int):
    """Add an internal note (KI only) to a school."""
    school = _school_or_404(school_id)
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(school, current_user._get_current_object(), form.text.data)
        flash(_("The note has been saved."), "success")
    else:
        flash(_("Please write a note."), "error")
    return redirect(url_for("coordination.school", school_id=school.id) + "#notes-heading")


def _move_form(school: School) -> MoveSchoolForm:
    """The hand-over form: the other offices, and every municipality they cover ("Kamen – KI Kreis Unna")."""
    form = MoveSchoolForm()
    others = [region for region in all_regions() if region.id != school.region_id]
    form.region.choices = [
        SelectChoice("", _("Please choose")),
        *(SelectChoice(region.slug, region.name) for region in others),
    ]
    towns = sorted(
        (town, _("%(municipality)s – %(office)s", municipality=town, office=region.name))
        for region in others
        for town in region.municipalities
    )
    keep = _("Keep %(municipality)s", municipality=school.municipality)
    form.municipality.choices = [SelectChoice("", keep), *(SelectChoice(value, label) for value, label in towns)]
    return form


def _movable_school_or_404(school_id: int) -> School:
    """A school that the current user may hand over: one of their own region's (admins: any); others are not found."""
    return permitted_or_404(db.session.get(School, school_id), can_move_school)


@bp.route("/schulen/<int:school_id>/uebergeben", methods=["GET", "POST"])
@require(can_move_schools)
def move_school(school_id: int):
    """Hand a school over to another regional office, with a reason; from then on that office looks after it."""
    school = _movable_school_or_404(school_id)
    form = _move_form(school)
    if form.validate_on_submit():
        region = region_record(form.region.data)
        try:
            if region is None:
                raise school_services.RuleViolation(_("Please choose the new regional office."))
            transfer.move_school(
                school, region, current_user._get_current_object(), form.reason.data, form.municipality.data
            )
        except school_services.RuleViolation as violation:
            form.municipality.errors.append(violation.message)
        else:
            flash(_("%(school)s is now looked after by %(office)s.", school=school.name, office=region.name), "success")
            if is_staff_for(current_user, region.id):
                return redirect(url_for("coordination.school", school_id=school.id))
            if can_review_registrations(current_user):  # the old office no longer sees the school
                return redirect(url_for("coordination.schools"))
            return redirect(url_for("regions.detail", slug=region.slug))
    return render_template("coordination/move_school.html", school=school, form=form)


# --- registrations ---------------------------------------------------------------------------------------------


@bp.get("/registrierungen")
@require(can_review_registrations)
def registrations():
    """The queue of pending school registrations."""
    return render_template(
        "coordination/registrations.html",
        schools=school_registration.pending_registrations(staff_region_ids(current_user)),
        confirm_form=ConfirmForm(),
    )


def _pending_or_404(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None or school.approval != Approval.PENDING or not is_staff_for(current_user, school.region_id):
        abort(404)
    return school


@bp.post("/registrierungen/<int:school_id>/freigeben")
@require(can_review_registrations)
def approve(school_id: int):
    """Approve a registration: the school becomes visible and its coordinator is told by mail."""
    school = _pending_or_404(school_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    school_registration.approve_registration(school, current_user)
    flash(_("%(school)s has been approved.", school=school.name), "success")
    return redirect(url_for("coordination.registrations"))


@bp.route("/registrierungen/<int:school_id>/ablehnen", methods=["GET", "POST"])
@require(can_review_registrations)
def reject(school_id: int):
    """Reject a registration with a reason that is mailed to the registrant."""
    school = _pending_or_404(school_id)
    form = RejectForm()
    if form.validate_on_submit():
        school_registration.reject_registration(school, current_user, form.reason.data)
        flash(_("The registration of %(school)s has been rejected.", school=school.name), "success")
        return redirect(url_for("coordination.registrations"))
    return render_template("coordination/reject.html", school=school, form=form)
