"""The KI's pages: dashboard, schools table, a school's KI view, "Kontakt nötig", reminders, exports, the annual
report and the queue of registrations; plus the admins' audit log."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select, true
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from ..access.policy import (
    audit_region_ids,
    can_export_figures,
    can_move_school,
    can_move_schools,
    can_read_audit_log,
    can_review_registrations,
    can_use_coordination,
    can_use_outbox,
    is_admin,
)
from ..access.scope import RegionIds, is_staff_for, staff_filter, staff_region_ids
from ..activities.services import obligation_years, school_activities
from ..core import mail, schoolyear
from ..core.models import OutboxMail, OutboxStatus
from ..core.pagination import page_count, requested_page
from ..core.permissions import require
from ..core.requests import date_arg, id_arg
from ..core.text import slugify
from ..extensions import db
from ..regions.services import all_regions, municipality_names_in, region_record
from ..schools import registration as school_registration
from ..schools import services as school_services
from ..schools import transfer
from ..schools.forms import ConfirmForm, MoveSchoolForm, RejectForm
from ..schools.models import STATUS_LABELS, Approval, School, SchoolStatus
from ..schools.vocab import SCHOOL_TYPES
from . import audit_labels, contact_needed, exports, presentation, reminders, schools_table, services
from . import audit_log as audit_log_service
from .dashboard import Scope, key_figures, year_choices
from .forms import NoteForm, ReminderForm
from .schools_table import TableFilter
from .viewpoint import View, choose_view, path_to

bp = Blueprint("coordination", __name__, url_prefix="/koordination")
audit_bp = Blueprint("audit", __name__, url_prefix="/verwaltung/protokoll")
KI_PER_PAGE = 50
AUDIT_PER_PAGE = 50
MAX_REMINDER_SCHOOLS = 500


def _year_arg() -> int:
    current = schoolyear.current_school_year()
    year = request.args.get("jahr", type=int)
    return year if year and 2000 <= year <= current + 1 else current


def _municipality_arg(region_ids: RegionIds) -> str:
    value = request.args.get("gemeinde", "")
    return value if value in municipality_names_in(region_ids) else ""


def _view() -> View:
    """The region, Land or the whole country chosen with ?region= / ?land=, within what the viewer may see."""
    return choose_view(current_user, request.args.get("region", "")[:80], request.args.get("land", "")[:2])


def _scope(view: View | None = None) -> Scope:
    """The figures the viewer looks at: their default view (their region, their Land, the whole country) or the
    one they chose; a municipality only within one region."""
    view = view or _view()
    return Scope(
        year=_year_arg(),
        municipality=_municipality_arg(view.region_ids) if view.is_single_region else "",
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
    view = _view()
    scope = _scope(view)
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


def _table_filter(region_ids: RegionIds) -> TableFilter:
    sort = request.args.get("sort", "name")
    if sort.lstrip("-") not in schools_table.SORT_KEYS:
        sort = "name"
    obligation = request.args.get("pflicht", "")
    return TableFilter(
        year=_year_arg(),
        municipality=_municipality_arg(region_ids),
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
    filters = _table_filter(staff_region_ids(current_user))
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
    school = db.session.get(School, school_id)
    if school is None or not can_move_school(current_user, school):
        abort(404)
    return school


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


# --- Kontakt nötig and reminders -------------------------------------------------------------------------------


@bp.get("/kontakt")
@require(can_review_registrations)
def contact():
    """Schools that need contact (automatic rule and manual flag), with one click to write to each."""
    rule = contact_needed.contact_rule()
    region_ids = staff_region_ids(current_user)
    municipality = _municipality_arg(region_ids)
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
            contact_needed.contact_rule(), region_ids, _municipality_arg(region_ids), MAX_REMINDER_SCHOOLS
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


# --- exports and the annual report -----------------------------------------------------------------------------


def _download(data: bytes, content_type: str, filename: str) -> Response:
    # content_type, not mimetype: the type is sent as given, with its charset named once.
    response = Response(data, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.get("/export/schulen.<any(csv, xlsx):fmt>")
@require(can_export_figures)
def export_schools(fmt: str):
    """The schools table with the current filters as CSV or XLSX, for the chosen region or Land."""
    filters = _table_filter(_view().region_ids)
    table = exports.schools_export(filters)
    data = exports.export("schools", table, fmt, filters.as_args())
    name = exports.download_name("schulen", filters.year, fmt, filtered=exports.table_is_filtered(filters))
    return _download(data, exports.FORMATS[fmt][1], name)


@bp.get("/export/aktivitaeten.<any(csv, xlsx):fmt>")
@require(can_export_figures)
def export_activities(fmt: str):
    """The published activities of a school year (optionally one municipality) as CSV or XLSX."""
    scope = _scope()
    table = exports.activities_export(scope.year, scope.region_ids, scope.municipality)
    data = exports.export("activities", table, fmt, {"year": scope.year, "municipality": scope.municipality})
    name = exports.download_name("aktivitaeten", scope.year, fmt, filtered=bool(scope.municipality))
    return _download(data, exports.FORMATS[fmt][1], name)


@bp.get("/jahresbericht.pdf")
@require(can_use_coordination)
def annual_report():
    """The annual report of a school year as PDF."""
    from .report import report

    scope = _scope()
    data = report(scope)
    kind = "jahresbericht-" + slugify(scope.name) if scope.args else "jahresbericht"
    name = exports.download_name(kind, scope.year, "pdf", filtered=bool(scope.municipality))
    return _download(data, "application/pdf", name)


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


# --- audit log (admins) ----------------------------------------------------------------------------------------


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


def _date_filter(name: str) -> date | None:
    """A date filter of the audit log; a value that is no date from 1900 to 2999 is ignored with a message."""
    raw = request.args.get(name, "").strip()
    parsed = date_arg(raw)
    if raw and parsed is None:
        flash(_("“%(value)s” is not a date between 1900 and 2999; this filter was ignored.", value=raw[:40]), "warning")
    return parsed


def _id_filter(name: str) -> int | None:
    """A number filter of the audit log; anything but a positive whole number is ignored with a message."""
    raw = request.args.get(name, "").strip()
    parsed = id_arg(raw)
    if raw and parsed is None:
        flash(_("“%(value)s” is not a valid object number; this filter was ignored.", value=raw[:40]), "warning")
    return parsed


@audit_bp.get("/")
@require(can_read_audit_log)
def audit_log():
    """The audit log, newest first, filtered by action, person, object and date range; read-only."""
    filters = audit_log_service.AuditFilter(
        action=request.args.get("aktion", "")[:60],
        person=request.args.get("person", "").strip()[:254],
        object_type=request.args.get("objekt", "")[:40],
        object_id=_id_filter("objekt_id"),
        since=_date_filter("von"),
        until=_date_filter("bis"),
        region_ids=audit_region_ids(current_user),
    )
    page = requested_page()
    found = audit_log_service.search(filters, page, AUDIT_PER_PAGE)
    args = {
        k: v
        for k, v in {
            "aktion": filters.action,
            "person": filters.person,
            "objekt": filters.object_type,
            "objekt_id": filters.object_id or "",
            "von": filters.since.isoformat() if filters.since else "",
            "bis": filters.until.isoformat() if filters.until else "",
        }.items()
        if v
    }
    return render_template(
        "coordination/audit.html",
        entries=found.entries,
        total=found.total,
        page=page,
        pages=page_count(found.total, AUDIT_PER_PAGE),
        args=args,
        actions=sorted(((a, audit_labels.action_label(a)) for a in found.actions), key=lambda c: c[1].lower()),
        object_types=sorted(((o, audit_labels.object_label(o)) for o in found.object_types), key=lambda c: c[1]),
        labels=audit_labels,
    )
