"""The public materials library, sharing by schools and the KI, and open metadata (AMB); the review queue of the
offices is in ``review_views``."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, json, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import can_edit_material, can_share_materials, can_view_material
from ..core.db import EditConflict, parse_version
from ..core.downloads import counts_as_download
from ..core.links import external_url
from ..core.pagination import page_count, requested_page
from ..core.permissions import permitted_or_404, require
from ..core.ratelimit import RateLimited, hashed_key, limiter
from ..core.uploads import PendingUploads, UploadsRejected, path_for
from ..core.vocab import TOPICS
from ..regions.services import place
from ..schools import coordinators as school_coordinators
from ..schools.models import School
from . import metadata, moderation, services
from .forms import MaterialForm, ProblemForm
from .models import Material, MaterialState
from .vocab import LANGUAGES, LEVELS, LICENCES, MATERIAL_TYPES

bp = Blueprint("materials", __name__, url_prefix="/materialien")
PER_PAGE = 20
AMB_PER_PAGE = 500
REPORTS_PER_IP_PER_HOUR = 5


def _material_or_404(material_id: int) -> Material:
    return permitted_or_404(services.get_material(material_id), can_view_material)


def _editable_or_404(material_id: int) -> Material:
    material = _material_or_404(material_id)
    if not can_edit_material(current_user, material):
        abort(403)
    return material


# --- public ----------------------------------------------------------------------------------------------------


def _filters() -> services.MaterialFilter:
    args = request.args

    def pick(name: str, allowed) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    where = place(args.get("land"), args.get("region"))
    return services.MaterialFilter(
        land=where.land,
        region=where.region,
        region_ids=where.region_ids,
        q=args.get("q", "").strip()[:100],
        topic=pick("thema", TOPICS),
        level=pick("stufe", LEVELS),
        material_type=pick("art", MATERIAL_TYPES),
        language=pick("sprache", LANGUAGES),
        licence=pick("lizenz", LICENCES),
        school=args.get("schule", "")[:220],
        sort=pick("sortierung", services.SORTS),
    ).canonical()


@bp.get("/")
def index():
    """Search and browse public materials; every filter lives in the URL, so a link can be shared.

    Search words sort by best match unless another order is chosen. A URL with empty fields or the default order
    (as the search form sends it) is redirected to the one short URL of the same list.
    """
    filters = _filters()
    page = requested_page()
    canonical = {**filters.url_args(), **({"seite": str(page)} if page > 1 else {})}
    if request.args.to_dict(flat=False) != {key: [value] for key, value in canonical.items()}:
        return redirect(url_for("materials.index", **canonical))
    materials, total = services.list_page(filters, page, PER_PAGE)
    return render_template(
        "materials/index.html",
        materials=materials,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        topics=TOPICS,
        levels=LEVELS,
        types=MATERIAL_TYPES,
        languages=LANGUAGES,
        licences=LICENCES,
        schools=services.sharing_schools(filters.school),
        place=place(filters.land, filters.region),
    )


@bp.get("/<int:material_id>")
def detail(material_id: int):
    """A material with its metadata, licence hint, preview, download and related materials."""
    material = _material_or_404(material_id)
    visible = material.is_public
    return render_template(
        "materials/detail.html",
        material=material,
        licence=LICENCES.get(material.licence),
        language=LANGUAGES.get(material.language, material.language),
        related=services.related(material) if visible else [],
        jsonld=metadata.amb(material) if material.has_open_metadata else None,
        link_domain=urlsplit(material.link_url).hostname if material.link_url else None,
        public=visible,
    )


@bp.get("/<int:material_id>.jsonld")
def jsonld(material_id: int):
    """The material's open metadata in the AMB profile."""
    material = services.get_material(material_id)
    if material is None or not material.has_open_metadata:
        abort(404)
    return _json(metadata.amb(material), "application/ld+json")


@bp.get("/amb.json")
def amb_feed():
    """All public materials in AMB for harvesting by OER search engines, newest first, page by page."""
    page = requested_page()
    items, total = metadata.amb_page(page, AMB_PER_PAGE)
    pages = page_count(total, AMB_PER_PAGE)
    body = {"total": total, "page": page, "pages": pages, "items": items}
    if page < pages:
        body["next"] = external_url("materials.amb_feed", seite=page + 1)
    return _json(body, "application/json")


def _json(data, mimetype: str) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/<int:material_id>/datei")
def download(material_id: int):
    """Download the file (always as an attachment) or follow the link.

    Counts a public material's download once per reader and window; HEAD requests and bots are not readers.
    """
    material = _material_or_404(material_id)
    path = None if material.is_link else _stored_path(material.storage_name)
    if material.is_public and counts_as_download("material", material.id):
        services.count_download(material.id)
    if path is None:
        return redirect(material.link_url, code=303)
    response = send_file(
        path, mimetype=material.content_type, as_attachment=True, download_name=material.download_filename, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:material_id>/vorschau")
def preview(material_id: int):
    """The preview image (thumbnail of an image or the first page of a PDF)."""
    material = _material_or_404(material_id)
    path = _stored_path(material.preview_name)
    response = send_file(path, mimetype="image/webp", download_name=material.preview_filename, max_age=300)
    public = material.is_public
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


def _stored_path(name: str | None):
    try:
        path = path_for(name or "")
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    return path


@bp.route("/<int:material_id>/problem", methods=["GET", "POST"])
def report_problem(material_id: int):
    """ "Problem melden": anyone can tell the KI about a problem with a public material."""
    material = services.get_material(material_id)
    if material is None or not material.is_public:
        abort(404)
    form = ProblemForm()
    if form.validate_on_submit():
        if form.website_url.data:  # honeypot: pretend success, store nothing
            return redirect(url_for("materials.detail", material_id=material.id, gemeldet=1))
        key = hashed_key("material-report-ip", request.remote_addr or "")
        wait = limiter().hit_if_allowed(key, REPORTS_PER_IP_PER_HOUR, 3600)
        if wait:
            raise RateLimited(wait)
        moderation.report_problem(material, form.reason.data, form.text.data)
        flash(_("Thank you. The KI will look at the material."), "success")
        return redirect(url_for("materials.detail", material_id=material.id))
    return render_template("materials/problem.html", material=material, form=form)


# --- sharing ---------------------------------------------------------------------------------------------------


def _school_choices() -> list[School]:
    return [] if current_user.is_ki_staff else school_coordinators.schools_of(current_user)


def _chosen_school(schools: list[School]) -> School | None:
    """The school a coordinator shares for (KI staff share for the KI)."""
    if current_user.is_ki_staff:
        return None
    wanted = request.form.get("schule", type=int)
    for school in schools:
        if wanted == school.id or len(schools) == 1:
            return school
    abort(400)


def _data(form: MaterialForm) -> services.MaterialData:
    return services.MaterialData(
        title=form.title.data,
        description=form.description.data or "",
        topics=form.topics.data,
        levels=form.levels.data,
        material_type=form.material_type.data,
        licence=form.licence.data,
        attribution=form.attribution.data,
        creator_is_person=bool(form.creator_is_person.data),
        language=form.language.data if form.language.data in LANGUAGES else "de",
        tags=form.tags.data or "",
        link_url=form.link_url.data.strip() if form.source.data == "link" else None,
    )


def _kept_file(form: MaterialForm) -> PendingUploads:
    """The material's file, kept across failed submits; a newly chosen file replaces a kept one."""
    kept = PendingUploads("material", max_bytes=services.MATERIAL_MAX_BYTES, limit=1)
    if form.source.data == "datei" and form.file.data:
        kept.replace([form.file.data])
    return kept


def _valid(form: MaterialForm, kept: PendingUploads) -> bool:
    """Validate the form; a file refused while being kept (empty, too large) is reported at the file field."""
    valid = form.validate_on_submit()
    if kept.errors:
        form.file.errors = [*form.file.errors, *kept.errors.get("", [])]
    return valid and not kept.errors


def _chosen_file(form: MaterialForm, kept: PendingUploads, required: bool):
    """The chosen file (the service checks and stores it), None if there is none, or False if one is missing."""
    if form.source.data != "datei" or not kept.files:
        if form.source.data == "datei" and required:
            form.file.errors.append(_("Please choose a file."))
            return False
        return None
    return kept.open(kept.files[0])


def _show_rejection(form: MaterialForm, kept: PendingUploads, rejected: UploadsRejected) -> None:
    kept.discard()  # a refused file would be refused again
    for key, messages in rejected.problems.items():
        getattr(form, key).errors.extend(messages)


@bp.route("/teilen", methods=["GET", "POST"])
@require(can_share_materials)
def share():
    """Share a material: a school's goes to the KI's review first, the KI's own is published at once."""
    form = MaterialForm()
    schools = _school_choices()
    if request.method == "GET" and not form.attribution.data and len(schools) == 1:
        form.attribution.data = schools[0].name
    kept = _kept_file(form)
    if _valid(form, kept):
        school = _chosen_school(schools)
        upload = _chosen_file(form, kept, required=True)
        if upload is not False:
            data = _data(form)
            data.upload = upload
            try:
                material = services.create_material(current_user, school, data)
            except UploadsRejected as rejected:
                _show_rejection(form, kept, rejected)
                return render_template("materials/form.html", form=form, material=None, schools=schools, kept=kept)
            kept.discard()
            if material.is_published:
                flash(_("The material is published."), "success")
            else:
                flash(_("Thank you! The KI checks the material and then publishes it."), "success")
            return redirect(url_for("materials.detail", material_id=material.id))
    return render_template("materials/form.html", form=form, material=None, schools=schools, kept=kept)


@bp.route("/<int:material_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(material_id: int):
    """Edit a material; a school's changes go back to review, a new file replaces the old one."""
    material = _editable_or_404(material_id)
    form = MaterialForm(obj=material) if request.method == "GET" else MaterialForm()
    if request.method == "GET":
        form.topics.data, form.levels.data = material.topic_names, material.level_names
        form.version.data = material.version
        form.source.data = "link" if material.is_link else "datei"
    kept = _kept_file(form)
    if _valid(form, kept):
        upload = _chosen_file(form, kept, required=material.is_link)
        if upload is not False:
            data = _data(form)
            data.upload = upload
            try:
                services.update_material(material, current_user, data, parse_version(form.version.data))
            except UploadsRejected as rejected:
                _show_rejection(form, kept, rejected)
                return render_template("materials/form.html", form=form, material=material, schools=[], kept=kept)
            except EditConflict:
                current = services.get_material(material_id)
                explanation = _(
                    "While you were editing, someone else saved this material. Your changes have not been saved, "
                    "so that nothing is overwritten without notice. Your text is below: copy what you need, open the "
                    "material again and add it."
                )
                edit_url = url_for("materials.edit", material_id=material_id)
                page = render_template(
                    "core/conflict.html", saved=current, form=form, explanation=explanation, edit_url=edit_url
                )
                return page, 409
            kept.discard()
            if material.state == MaterialState.REVIEW:
                flash(_("Saved. The KI checks the changes and then publishes the material again."), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("materials.detail", material_id=material.id))
    return render_template("materials/form.html", form=form, material=material, schools=[], kept=kept)


@bp.post("/<int:material_id>/zurueckziehen")
@login_required
def withdraw(material_id: int):
    """The author takes the material out of the library."""
    material = _editable_or_404(material_id)
    services.withdraw_material(material)
    flash(_("The material has been withdrawn and is no longer public."), "success")
    return redirect(url_for("materials.mine"))


@bp.post("/<int:material_id>/erneut-einreichen")
@login_required
def resubmit(material_id: int):
    """Send a withdrawn or returned material to the KI's review again."""
    material = _editable_or_404(material_id)
    services.resubmit_material(material)
    flash(_("The material is waiting for review by the KI."), "success")
    return redirect(url_for("materials.mine"))


@bp.get("/meine")
@require(can_share_materials)
def mine():
    """What I shared, with its review state and the KI's reasons."""
    return render_template("materials/mine.html", materials=services.materials_of(current_user))
