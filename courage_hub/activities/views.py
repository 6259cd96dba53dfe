"""Reporting activities, the public feed with its Atom version, and serving report files."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import can_edit_activity, can_moderate, can_moderate_activity, can_report_for, can_view_activity
from ..core import schoolyear
from ..core.db import EditConflict, parse_version
from ..core.pagination import page_count, requested_page
from ..core.permissions import permitted_or_404, require
from ..core.uploads import PHOTO_MAX_BYTES, PendingUploads, UploadsRejected, path_for
from ..core.vocab import TOPICS
from ..partners import request_reports
from ..regions.services import place
from ..schools import coordinators as school_coordinators
from ..schools import services as school_services
from ..schools.models import School
from . import services
from .forms import ActivityForm, ButtonForm, UnpublishForm
from .models import Activity, ActivityState
from .vocab import ACTIVITY_TYPES, PROJECT_LIKE_TYPES

bp = Blueprint("activities", __name__, url_prefix="/aktivitaeten")
PER_PAGE = 12
ATOM_ENTRIES = 50


def _activity_or_404(activity_id: int) -> Activity:
    return permitted_or_404(services.get_activity(activity_id), can_view_activity)


def _editable_or_404(activity_id: int) -> Activity:
    activity = _activity_or_404(activity_id)
    if not can_edit_activity(current_user, activity):
        abort(403)
    return activity


# --- public ----------------------------------------------------------------------------------------------------


def _feed_filter() -> services.FeedFilter:
    where = place(request.args.get("land"), request.args.get("region"))
    return services.FeedFilter(
        land=where.land,
        region=where.region,
        region_ids=where.region_ids,
        topic=request.args.get("thema", "") if request.args.get("thema") in TOPICS else "",
        activity_type=request.args.get("art", "") if request.args.get("art") in ACTIVITY_TYPES else "",
        municipality=request.args.get("gemeinde", "")[:80],
        school=request.args.get("schule", "")[:220],
        year=request.args.get("jahr", type=int)
        if 2000 <= (request.args.get("jahr", 0, type=int) or 0) <= 2100
        else None,
        q=request.args.get("q", "").strip()[:100],
    )


def _feed_args(filters: services.FeedFilter) -> dict[str, str | int]:
    """The filters as URL parameters (only those that are set), for links that keep them: pages, the Atom feed."""
    args = {
        "q": filters.q,
        "thema": filters.topic,
        "art": filters.activity_type,
        "gemeinde": filters.municipality,
        "jahr": filters.year or "",
        "schule": filters.school,
        "land": filters.land,
        "region": filters.region,
    }
    return {name: value for name, value in args.items() if value}


@bp.get("/")
def feed():
    """Published reports of all schools, newest first, with filters and search."""
    filters = _feed_filter()
    where = place(filters.land, filters.region)
    page = requested_page()
    activities, total = services.feed_page(filters, page, PER_PAGE)
    current = schoolyear.current_school_year()
    return render_template(
        "activities/feed.html",
        activities=activities,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        feed_args=_feed_args(filters),
        topics=[(t, t) for t in TOPICS],
        types=[(t, t) for t in ACTIVITY_TYPES],
        place=where,
        municipalities=[(m, m) for m in where.municipalities()],
        years=[(str(y), schoolyear.label(y)) for y in range(current, current - 8, -1)],
    )


@bp.get("/feed.xml")
def atom():
    """The feed page as Atom, with the same filters (e.g. ``?schule=``), for the Kreis's or a school's website."""
    filters = _feed_filter()
    activities, _total = services.feed_page(filters, 1, ATOM_ENTRIES)
    response = render_template(
        "activities/feed.xml",
        activities=activities,
        feed_args=_feed_args(filters),
        updated=max((a.updated_at for a in activities), default=None),
    )
    return response, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.get("/<int:activity_id>")
def detail(activity_id: int):
    """A report page; drafts and moderated reports only for the school's coordination and the KI."""
    activity = _activity_or_404(activity_id)
    # Forms (and with them a CSRF token and a session) only for those who can act: the public page stays cookie-free.
    forms = (
        {"button_form": ButtonForm(), "unpublish_form": UnpublishForm()}
        if can_edit_activity(current_user, activity)
        else {}
    )
    partner = request_reports.partner_of(activity)
    return render_template("activities/detail.html", activity=activity, partner=partner, **forms)


@bp.get("/dateien/<int:file_id>")
@bp.get("/dateien/<int:file_id>/<variant>")
def file(file_id: int, variant: str = "original"):
    """Serve a photo or attachment after checking that the report is visible to the user."""
    stored = services.get_file(file_id)
    if stored is None or variant not in ("original", "vorschau"):
        abort(404)
    activity = _activity_or_404(stored.activity_id)
    name = stored.thumb_name if variant == "vorschau" and stored.thumb_name else stored.storage_name
    try:
        path = path_for(name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    inline = stored.content_type.startswith("image/") and activity.is_public
    download_name = activity.file_name(stored, preview=name == stored.thumb_name)
    response = send_file(
        path, mimetype=stored.content_type, as_attachment=not inline, download_name=download_name, max_age=300
    )
    response.headers["Cache-Control"] = "public, max-age=300" if activity.is_public else "private, no-store"
    return response


# --- reporting -------------------------------------------------------------------------------------------------


def _school_for_new_report() -> School:
    slug = request.args.get("schule") or request.form.get("schule") or ""
    if not slug and current_user.is_coordinator:
        mine = school_coordinators.schools_of(current_user)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            abort(403)
        abort(redirect(url_for("schools.my_schools", alle=1)))
    school = school_services.school_by_slug(slug)
    if school is None:
        abort(404)
    if not can_report_for(current_user, school):
        abort(403)
    return school


class _KeptFiles:
    """The photos and attachments of the form, kept across failed submits until the report is saved."""

    def __init__(self, form: ActivityForm) -> None:
        self.photos = PendingUploads("photo", max_bytes=PHOTO_MAX_BYTES, limit=services.MAX_PHOTOS)
        self.attachments = PendingUploads("attachment", limit=services.MAX_ATTACHMENTS)
        self.alt_errors: dict[str, list[str]] = {}
        self.photos.keep(form.photos.data or [])
        self.attachments.keep(form.attachments.data or [])

    def report_problems(self, form: ActivityForm) -> bool:
        """After validation: show files refused while being kept (empty, too large); True if there were any."""
        for pending, field in ((self.photos, form.photos), (self.attachments, form.attachments)):
            if pending.errors:
                field.errors = [*field.errors, *pending.errors.get("", [])]
        return bool(self.photos.errors or self.attachments.errors)

    def for_service(self) -> tuple[list[services.NewPhoto], list[services.NewAttachment]]:
        """Every kept file for the service, which checks and stores them; problems come back under these keys."""
        photos = [
            services.NewPhoto(
                self.photos.open(f),
                request.form.get(f"alt-{f.token}", "")[:300],
                key=f"photo-{f.token}",
                alt_key=f"alt-{f.token}",
            )
            for f in self.photos.files
        ]
        attachments = [
            services.NewAttachment(self.attachments.open(f), key=f"attachment-{f.token}")
            for f in self.attachments.files
        ]
        return photos, attachments

    def show_rejection(self, form: ActivityForm, rejected: UploadsRejected) -> None:
        """Put each problem where the user sees it; a refused file is dropped (it would be refused again)."""
        for key, messages in rejected.problems.items():
            kind, _sep, token = key.partition("-")
            if kind == "alt":
                self.alt_errors[token] = messages
            elif kind == "photo":
                self.photos.drop(token)
                form.photos.errors.extend(messages)
            elif kind == "attachment":
                self.attachments.drop(token)
                form.attachments.errors.extend(messages)
            else:
                getattr(form, key).errors.extend(messages)

    def summary_extra(self) -> dict[str, list[tuple[str, str]]]:
        """Problems with the descriptions of kept photos, listed in the error summary right after the photo field."""
        extra = [(f"alt-{token}", message) for token, messages in self.alt_errors.items() for message in messages]
        return {"photos": extra} if extra else {}

    def done(self) -> None:
        self.photos.discard()
        self.attachments.discard()


def _data(form: ActivityForm, kept: _KeptFiles) -> services.ActivityData:
    photos, attachments = kept.for_service()
    return services.ActivityData(
        title=form.title.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        activity_type=form.activity_type.data,
        topics=form.topics.data,
        description=form.description.data or "",
        groups=form.groups.data or "",
        participants=form.participants.data,
        partners=form.partners.data or "",
        links=form.links.data or "",
        counts_as_project=form.counts_as_project.data,
        photo_consent=form.photo_consent.data,
        new_photos=photos,
        new_attachments=attachments,
    )


def _date_problem(form: ActivityForm) -> bool:
    if form.end_date.data and form.start_date.data and form.end_date.data < form.start_date.data:
        form.end_date.errors.append(_("The end date must not be before the start date."))
        return True
    return False


def _save(form: ActivityForm, school: School, activity: Activity | None, kept: _KeptFiles, origin=None):
    """Validate, store files, save; returns a response or None when the form must be shown again.

    Chosen files are kept whatever goes wrong, so that a forgotten tick costs no upload; new photos come back
    once with a field for their description. A new report made from a partner's request (``origin``) is linked to it.
    """
    valid = form.validate_on_submit()
    if kept.report_problems(form) or not valid or _date_problem(form):
        return None
    publish = request.form.get("action") == "publish"
    try:
        if activity is None:
            activity = services.create_activity(school, current_user, _data(form, kept), publish=publish)
            request_reports.link(activity, origin)
        else:
            data = _data(form, kept)
            services.update_activity(activity, current_user, data, parse_version(form.version.data), publish=publish)
    except UploadsRejected as rejected:
        kept.show_rejection(form, rejected)
        return None
    except services.ActivityRuleViolation as violation:
        form.form_errors.append(violation.message)
        return None
    kept.done()
    if activity.is_published:
        flash(_("The report is published."), "success")
    else:
        flash(_("The report has been saved as a draft."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/neu", methods=["GET", "POST"])
@login_required
def create():
    """Write a new report for one of the own schools (KI staff for any school)."""
    school = _school_for_new_report()
    form = ActivityForm()
    origin = request_reports.origin_for(school)  # ?anfrage=: a partner's offer that took place
    if request.method == "GET":
        form.counts_as_project.data = True
        request_reports.prefill(form, origin)
    if request.method == "POST" and form.activity_type.data and "counts_as_project" not in request.form:
        form.counts_as_project.data = False
    kept = _KeptFiles(form)
    response = _save(form, school, None, kept, origin)
    if response is not None:
        return response
    return render_template(
        "activities/form.html",
        form=form,
        school=school,
        activity=None,
        kept=kept,
        project_like=sorted(PROJECT_LIKE_TYPES),
        origin=origin,
    )


@bp.route("/<int:activity_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    """Edit a report; a save by someone else in the meantime shows a conflict page."""
    activity = _editable_or_404(activity_id)
    form = ActivityForm(obj=activity) if request.method == "GET" else ActivityForm()
    if request.method == "GET":
        form.topics.data = activity.topic_names
        form.version.data = activity.version
    kept = _KeptFiles(form)
    try:
        response = _save(form, activity.school, activity, kept)
    except EditConflict:
        current = services.get_activity(activity_id)
        explanation = _(
            "While you were editing, someone else saved this report. Your changes have not been saved, so that "
            "nothing is overwritten without notice. Your text is below: copy what you need, open the report again "
            "and add it."
        )
        edit_url = url_for("activities.edit", activity_id=activity_id)
        page = render_template(
            "core/conflict.html", saved=current, form=form, explanation=explanation, edit_url=edit_url
        )
        return page, 409
    if response is not None:
        return response
    return render_template(
        "activities/form.html",
        form=form,
        school=activity.school,
        activity=activity,
        kept=kept,
        project_like=sorted(PROJECT_LIKE_TYPES),
    )


@bp.post("/<int:activity_id>/veroeffentlichen")
@login_required
def publish(activity_id: int):
    activity = _editable_or_404(activity_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if activity.state == ActivityState.UNPUBLISHED and not can_moderate_activity(current_user, activity):
        flash(_("The KI has taken this report offline; please contact the KI."), "error")
    elif activity.state == ActivityState.UNPUBLISHED:
        services.republish_activity(activity)
        flash(_("The report is public again."), "success")
    else:
        services.publish_activity(activity)
        flash(_("The report is published."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/loeschen", methods=["GET", "POST"])
@login_required
def delete(activity_id: int):
    """Ask for confirmation, then delete the report with all its files."""
    activity = _editable_or_404(activity_id)
    form = ButtonForm()
    if form.validate_on_submit():
        slug = activity.school.slug
        services.delete_activity(activity)
        flash(_("The report has been deleted."), "success")
        return redirect(url_for("schools.manage", slug=slug))
    return render_template("activities/delete.html", activity=activity, form=form)


@bp.route("/<int:activity_id>/sperren", methods=["GET", "POST"])
@require(can_moderate)
def unpublish(activity_id: int):
    """KI moderation: take a report offline with a reason the school sees (e.g. a photo without consent)."""
    activity = _activity_or_404(activity_id)
    if not can_moderate_activity(current_user, activity):
        abort(403)
    form = UnpublishForm()
    if form.validate_on_submit():
        services.unpublish_activity(activity, form.reason.data)
        flash(_("The report is no longer public."), "success")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    return render_template("activities/unpublish.html", activity=activity, form=form)


@bp.post("/<int:activity_id>/dateien/<int:file_id>/entfernen")
@login_required
def remove_file(activity_id: int, file_id: int):
    """Remove a photo or attachment at once (files are deleted from storage, not hidden)."""
    activity = _editable_or_404(activity_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not services.remove_file(activity, file_id, current_user._get_current_object()):
        abort(404)
    flash(_("The file has been deleted."), "success")
    if request.form.get("back") == "detail":
        return redirect(url_for("activities.detail", activity_id=activity_id))
    return redirect(url_for("activities.edit", activity_id=activity_id))
