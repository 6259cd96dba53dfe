"""Domain rules of the materials library: listing and search, sharing, review, problem reports, downloads, AMB."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, replace
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from ..access.scope import RegionIds, within
from ..auth.models import User
from ..core import audit
from ..core.db import claim_version, utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.markdown import markdown_to_text
from ..core.pagination import cached_count, cached_ids, cached_rows, in_order_of
from ..core.uploads import (
    MB,
    StoredFile,
    UploadBatch,
    delete_files,
    path_for,
    store_attachment,
    store_pdf_preview,
    upload_batch,
)
from ..extensions import db
from ..regions.models import RegionStaff
from ..regions.services import staff_emails
from ..schools.models import School
from . import search
from .models import Material, MaterialLevel, MaterialReport, MaterialState, MaterialTopic
from .vocab import LANGUAGES, LEVEL_URIS, LICENCES, REPORT_REASONS, SUBJECT, TYPE_URIS

SORTS = ("neu", "downloads", "titel", "relevanz")


@dataclass
class MaterialFilter:
    q: str = ""
    topic: str = ""
    level: str = ""
    material_type: str = ""
    language: str = ""
    licence: str = ""
    school: str = ""  # slug; "ki" for the KI's own materials
    sort: str = ""
    land: str = ""  # validated by regions.services.place, as is region
    region: str = ""
    region_ids: tuple[int, ...] | None = None  # the regions of the chosen Land or region; None: all

    @property
    def default_sort(self) -> str:
        """Best match while there are search words, otherwise the newest first."""
        return "relevanz" if search.query_words(self.q) else "neu"

    @property
    def effective_sort(self) -> str:
        if self.sort in SORTS and (self.sort != "relevanz" or search.query_words(self.q)):
            return self.sort
        return self.default_sort

    @property
    def active_filters(self) -> int:
        """How many of the filters narrow the list (the search words and the order do not count)."""
        return sum(
            1
            for value in (
                self.topic,
                self.level,
                self.material_type,
                self.language,
                self.licence,
                self.school,
                self.land,
                self.region,
            )
            if value
        )

    def canonical(self) -> MaterialFilter:
        """The same filters with the order left out where it is the default, so that one list has one URL."""
        sort = "" if self.effective_sort == self.default_sort else self.effective_sort
        return replace(self, sort=sort)

    def url_args(self) -> dict[str, str]:
        """The filters as the list's query parameters, without empty ones."""
        args = {
            "q": self.q,
            "thema": self.topic,
            "stufe": self.level,
            "art": self.material_type,
            "sprache": self.language,
            "lizenz": self.licence,
            "schule": self.school,
            "land": self.land,
            "region": self.region,
            "sortierung": self.sort,
        }
        return {key: value for key, value in args.items() if value}


@dataclass
class MaterialData:
    title: str
    description: str
    topics: list[str]
    levels: list[str]
    material_type: str
    licence: str
    attribution: str
    language: str
    tags: str
    creator_is_person: bool = False
    link_url: str | None = None
    upload: FileStorage | None = field(default=None, repr=False)  # a new file replacing the current one


MATERIAL_MAX_BYTES = 25 * MB
FILE_KEY = "file"  # where a problem with the uploaded file is reported


# --- reading ---------------------------------------------------------------------------------------------------


def staff_home_region_id(user: User) -> int:
    """The region a staff member's own materials belong to: their first region (by id)."""
    region_id = db.session.scalar(
        select(RegionStaff.region_id).where(RegionStaff.user_id == user.id).order_by(RegionStaff.region_id).limit(1)
    )
    if region_id is None:
        raise ValueError("staff without a region cannot share materials")
    return region_id


def _list_conditions(filters: MaterialFilter, *, counting: bool = False) -> list:
    """The filters as SQL. For counting, topic and level are written as IN (…), which lets the planner start from
    their index; for a page, EXISTS lets it walk the sort index and stop after one page."""
    conditions = [Material.is_public]
    for value, column, key in (
        (filters.topic, MaterialTopic.topic, MaterialTopic.material_id),
        (filters.level, MaterialLevel.level, MaterialLevel.material_id),
    ):
        if value and counting:
            conditions.append(Material.id.in_(select(key).where(column == value)))
        elif value:
            conditions.append(exists().where(key == Material.id, column == value))
    if filters.material_type:
        conditions.append(Material.material_type == filters.material_type)
    if filters.language:
        conditions.append(Material.language == filters.language)
    if filters.licence:
        conditions.append(Material.licence == filters.licence)
    if filters.school == "ki":
        conditions.append(Material.school_id.is_(None))
    elif filters.school:
        conditions.append(exists().where(School.id == Material.school_id, School.slug == filters.school))
    if filters.region_ids is not None:
        conditions.append(Material.region_id.in_(filters.region_ids))
    return conditions


def list_page(filters: MaterialFilter, page: int, per_page: int = 20) -> tuple[list[Material], int]:
    """One page of public materials with the filters and search applied; a constant number of queries."""
    matched = search.match(filters.q, db.engine.dialect.name)
    count = select(func.count(Material.id)).where(*_list_conditions(filters, counting=True))
    ids = select(Material.id).where(*_list_conditions(filters))
    if matched is not None:
        count, ids = matched.apply(count), matched.apply(ids)
    key = ("materials", db.engine.dialect.name, astuple(filters))
    total = cached_count(key, count)
    sort = filters.effective_sort
    if sort == "downloads":
        order = (Material.download_count.desc(), Material.id.desc())
    elif sort == "titel":
        order = (Material.title.asc(), Material.id.asc())
    elif sort == "relevanz" and matched is not None:
        # Rank alone: a second sort key would keep SQLite from reading the FTS index in rank order.
        order = (matched.best_first,)
    else:
        order = (Material.published_at.desc(), Material.id.desc())
    page_ids = cached_ids((*key, page), ids.order_by(*order).limit(per_page).offset((page - 1) * per_page), total)
    if not page_ids:
        return [], total
    rows = db.session.scalars(
        select(Material)
        .where(Material.id.in_(page_ids), Material.is_public)
        .options(joinedload(Material.school), selectinload(Material.topics), selectinload(Material.levels))
    ).all()
    return in_order_of(page_ids, rows), total


def get_material(material_id: int) -> Material | None:
    return db.session.scalar(
        select(Material)
        .where(Material.id == material_id)
        .options(
            joinedload(Material.school),
            joinedload(Material.author),
            joinedload(Material.reviewed_by),
            selectinload(Material.topics),
            selectinload(Material.levels),
        )
    )


def related(material: Material, limit: int = 4) -> list[Material]:
    """Other public materials on one of the same topics, most downloaded first."""
    topics = material.topic_names
    if not topics:
        return []
    return list(
        db.session.scalars(
            select(Material)
            .where(
                Material.is_public,
                Material.id != material.id,
                exists().where(MaterialTopic.material_id == Material.id, MaterialTopic.topic.in_(topics)),
            )
            .options(joinedload(Material.school), selectinload(Material.topics), selectinload(Material.levels))
            .order_by(Material.download_count.desc(), Material.id.desc())
            .limit(limit)
        )
    )


def materials_of(user: User) -> list[Material]:
    """What a person shared, newest first, with its review state."""
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.author_id == user.id)
            .options(joinedload(Material.school))
            .order_by(Material.updated_at.desc(), Material.id.desc())
        )
    )


def review_queue(region_ids: RegionIds) -> list[Material]:
    """Materials waiting for review by the offices of ``region_ids`` (see access/scope.py)."""
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.state == MaterialState.REVIEW, within(Material.region_id, region_ids))
            .options(joinedload(Material.school), joinedload(Material.author))
            .order_by(Material.updated_at.asc(), Material.id.asc())
        )
    )


def assumed_licences(region_ids: RegionIds) -> list[Material]:
    """Materials of ``region_ids`` whose licence was filled in because they had none: the KI asks their authors."""
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.licence_assumed.is_(True), within(Material.region_id, region_ids))
            .options(joinedload(Material.school), joinedload(Material.author))
            .order_by(Material.id.asc())
        )
    )


def open_reports(region_ids: RegionIds) -> list[MaterialReport]:
    """Unresolved problem reports about materials of ``region_ids``."""
    return list(
        db.session.scalars(
            select(MaterialReport)
            .join(Material, Material.id == MaterialReport.material_id)
            .where(MaterialReport.resolved_at.is_(None), within(Material.region_id, region_ids))
            .options(joinedload(MaterialReport.material))
            .order_by(MaterialReport.created_at.asc())
        )
    )


def school_materials(school: School, limit: int = 20) -> list[Material]:
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.school_id == school.id, Material.is_public)
            .order_by(Material.published_at.desc())
            .limit(limit)
        )
    )


# --- sharing ---------------------------------------------------------------------------------------------------


def _apply(material: Material, data: MaterialData) -> None:
    if data.licence not in LICENCES:
        raise ValueError(f"unknown licence {data.licence!r}")  # the form offers only known ones
    material.title = data.title.strip()
    material.description = data.description.strip()
    material.material_type = data.material_type
    material.licence, material.licence_assumed = data.licence, False
    material.attribution = data.attribution.strip()
    material.creator_is_person = data.creator_is_person
    material.language = data.language
    material.tags = ", ".join(t.strip() for t in data.tags.split(",") if t.strip())[:500]
    wanted_topics, wanted_levels = set(data.topics), set(data.levels)
    material.topics = [t for t in material.topics if t.topic in wanted_topics] + [
        MaterialTopic(topic=t) for t in sorted(wanted_topics - {t.topic for t in material.topics})
    ]
    material.levels = [lv for lv in material.levels if lv.level in wanted_levels] + [
        MaterialLevel(level=lv) for lv in sorted(wanted_levels - {lv.level for lv in material.levels})
    ]


def _set_source(material: Material, data: MaterialData, stored: StoredFile | None) -> list[str | None]:
    """Switch to the new file or link; returns the storage names that are no longer referenced."""
    old = [material.storage_name, material.preview_name]
    if stored is not None:
        material.link_url = None
        material.storage_name, material.original_name = stored.storage_name, stored.original_name
        material.content_type, material.size, material.sha256 = stored.content_type, stored.size, stored.sha256
        material.preview_name = stored.thumb_name
        return old
    if data.link_url:
        material.link_url = data.link_url
        material.storage_name = material.preview_name = material.original_name = None
        material.content_type = material.sha256 = None
        material.size = None
        return old
    return []


def _store_file(batch: UploadBatch, data: MaterialData) -> StoredFile | None:
    """Check and store the new file (and a PDF's preview) in ``batch``; raises UploadsRejected if it is refused."""
    if data.upload is None:
        return None
    stored = batch.store(FILE_KEY, lambda upload: store_attachment(upload, MATERIAL_MAX_BYTES), data.upload)
    batch.check()
    if stored is not None and stored.content_type == "application/pdf" and stored.thumb_name is None:
        stored.thumb_name = store_pdf_preview(stored.storage_name)
        if stored.thumb_name:
            stored.paths.append(path_for(stored.thumb_name))  # removed with the file if the save fails
    return stored


def create_material(user: User, school: School | None, data: MaterialData) -> Material:
    """Share a material: KI staff's own materials are published at once, a school's go to the review queue.

    The file is stored with the save; if anything fails, neither file, preview nor row remains.
    """
    with upload_batch() as batch:
        stored = _store_file(batch, data)
        with write_transaction():
            material = Material(
                school_id=school.id if school else None,
                region_id=school.region_id if school else staff_home_region_id(user),
                author_id=user.id,
                topics=[],
                levels=[],
            )
            _apply(material, data)
            _set_source(material, data, stored)
            if user.is_ki_staff:
                material.state, material.published_at = MaterialState.PUBLISHED, utcnow()
                material.reviewed_by_id, material.reviewed_at = user.id, utcnow()
            db.session.add(material)
            db.session.flush()
            if user.is_ki_staff:
                audit.record("material.publish", material, summary=material.title)
    return material


def update_material(material: Material, user: User, data: MaterialData, expected_version: int) -> None:
    """Save an edit unless someone saved in the meantime (else EditConflict); a school's edit goes back to review, a
    new file replaces the old one (which is deleted once the save has committed)."""
    with upload_batch() as batch:
        stored = _store_file(batch, data)
        with write_transaction():
            claim_version(Material, material.id, expected_version)
            db.session.refresh(material)
            _apply(material, data)
            unreferenced = _set_source(material, data, stored)
            if user.is_ki_staff:
                audit.record("material.edit", material, summary=material.title)
            elif material.state != MaterialState.HIDDEN:
                material.state, material.review_reason = MaterialState.REVIEW, ""
    delete_files(*unreferenced)


def withdraw_material(material: Material) -> None:
    """The author takes the material back; it disappears from the library and can be deleted later."""
    with write_transaction():
        material.state = MaterialState.WITHDRAWN


def resubmit_material(material: Material) -> None:
    with write_transaction():
        if material.state in (MaterialState.WITHDRAWN, MaterialState.REJECTED):
            material.state, material.review_reason = MaterialState.REVIEW, ""


# --- review and moderation (KI) --------------------------------------------------------------------------------

CHECKLIST = (
    ("no_pupils", _l("No identifiable pupils without consent (photos, names)")),
    ("framing", _l("Content hostile to groups of people only within an educational framing")),
    ("licence", _l("The licence is plausible (own work or sharing that is allowed)")),
    ("works", _l("The file opens or the link works")),
)


def approve(material: Material, reviewer: User) -> None:
    """Publish a material after the checklist; records who approved it and when."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.PUBLISHED, ""
        material.reviewed_by_id, material.reviewed_at = reviewer.id, utcnow()
        material.published_at = material.published_at or utcnow()
        audit.record(
            "material.approve",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "checklist": ", ".join(key for key, _label in CHECKLIST)},
        )
        _mail_author(
            material,
            _("Courage Hub: your material has been published"),
            "materials/mail/approved.txt",
            "material_approved",
            link=external_url("materials.detail", material_id=material.id),
        )


def reject(material: Material, reviewer: User, reason: str) -> None:
    """Send a material back to its author with a reason they see."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.REJECTED, reason.strip()
        material.reviewed_by_id, material.reviewed_at = reviewer.id, utcnow()
        audit.record(
            "material.reject",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "reason": material.review_reason},
        )
        _mail_author(
            material,
            _("Courage Hub: your material needs changes"),
            "materials/mail/returned.txt",
            "material_returned",
            link=external_url("materials.edit", material_id=material.id),
            reason=material.review_reason,
        )


def _mail_author(material: Material, subject: str, template: str, kind: str, **values: str) -> None:
    """Tell the material's author (if the account still exists and is active) about the review's outcome."""
    author = db.session.get(User, material.author_id) if material.author_id else None
    if author is None or not author.is_active:
        return
    body = render_template(template, user=author, material=material, **values)
    send_mail(author.email, subject, body, kind=kind, region_id=material.region_id)


def hide(material: Material, reason: str) -> None:
    """Take a public material offline at once (e.g. after a problem report)."""
    with write_transaction():
        before = material.state
        material.state, material.review_reason = MaterialState.HIDDEN, reason.strip()
        audit.record(
            "material.hide",
            material,
            summary=material.title,
            before={"state": before},
            after={"state": material.state, "reason": material.review_reason},
        )


def unhide(material: Material) -> None:
    with write_transaction():
        material.state, material.review_reason = MaterialState.PUBLISHED, ""
        audit.record("material.unhide", material, summary=material.title, after={"state": material.state})


def report_problem(material: Material, reason: str, text: str) -> MaterialReport:
    with write_transaction():
        report = MaterialReport(material_id=material.id, reason=reason, text=text.strip())
        db.session.add(report)
        _mail_ki_about_report(material, reason, text.strip())
    return report


def _mail_ki_about_report(material: Material, reason: str, text: str) -> None:
    """Tell every KI staff account about a problem report at once: a reported material may need hiding quickly."""
    body = render_template(
        "materials/mail/problem_report.txt",
        material=material,
        reason=REPORT_REASONS.get(reason, reason),
        text=text,
        material_link=external_url("materials.detail", material_id=material.id),
        queue_link=external_url("material_review.queue"),
    )
    subject = _("Courage Hub: problem reported with “%(title)s”", title=" ".join(material.title.split()))
    for address in staff_emails(material.region_id):
        send_mail(address, subject, body, kind="material_report", region_id=material.region_id)


def resolve_report(report: MaterialReport, user: User, resolution: str) -> None:
    with write_transaction():
        report.resolved_at, report.resolved_by_id, report.resolution = utcnow(), user.id, resolution.strip()[:500]
        audit.record("material_report.resolve", report, summary=report.resolution, region_id=report.material.region_id)


def get_report(report_id: int) -> MaterialReport | None:
    """A problem report with its material (whose region decides who may resolve it)."""
    return db.session.scalar(
        select(MaterialReport).where(MaterialReport.id == report_id).options(joinedload(MaterialReport.material))
    )


def count_download(material_id: int) -> None:
    """Count a download with one atomic UPDATE, so that concurrent downloads are never lost."""
    with write_transaction():
        db.session.execute(
            update(Material)
            .where(Material.id == material_id)
            .values(download_count=Material.download_count + 1)
            # A counter: public pages show it, but need not be rendered anew for every download.
            .execution_options(synchronize_session=False, keeps_public_pages=True)
        )


# --- open metadata (AMB) ---------------------------------------------------------------------------------------


def amb(material: Material) -> dict[str, Any]:
    """The material in the AMB profile (schema.org LearningResource, JSON-LD) for OER search engines."""
    licence = LICENCES.get(material.licence)
    page = external_url("materials.detail", material_id=material.id)
    data: dict[str, Any] = {
        "@context": ["https://w3id.org/kim/amb/context.jsonld", {"@language": "de"}],
        "id": page,
        "type": ["LearningResource"],
        "name": material.title,
        "description": markdown_to_text(material.description),
        "keywords": material.topic_names + material.tag_list,
        "inLanguage": [material.language if material.language in LANGUAGES and material.language != "ls" else "de"],
        "creator": [{"type": "Person" if material.creator_is_person else "Organization", "name": material.attribution}],
        "about": [SUBJECT],
        "educationalLevel": [
            {"id": LEVEL_URIS[lv], "prefLabel": {"de": lv}, "type": "Concept"}
            for lv in material.level_names
            if lv in LEVEL_URIS
        ],
        "learningResourceType": [
            {"id": TYPE_URIS[material.material_type], "prefLabel": {"de": material.material_type}, "type": "Concept"}
        ]
        if material.material_type in TYPE_URIS
        else [],
        "dateCreated": material.created_at.date().isoformat(),
        "isAccessibleForFree": True,
        "publisher": [{"type": "Organization", "name": material.school.name if material.school else "Courage Hub"}],
    }
    if material.published_at:
        data["datePublished"] = material.published_at.date().isoformat()
    if licence is None or licence.url is None:
        raise ValueError("AMB describes openly licensed materials only (see Material.has_open_metadata)")
    data["license"] = {"id": licence.url}
    # The record on this site describes the resource. Its address here is the resource's id, also for a link:
    # several materials may point to the same web page (e.g. one video with different lesson plans), and two
    # records must never share an id. The linked page itself is the resource's ``url``.
    data["mainEntityOfPage"] = [{"id": page, "type": "WebContent", "dateModified": material.updated_at.isoformat()}]
    if material.is_link:
        data["url"] = material.link_url
    else:
        data["encoding"] = [
            {
                "type": "MediaObject",
                "contentUrl": external_url("materials.download", material_id=material.id),
                "encodingFormat": material.content_type,
                "contentSize": str(material.size),
            }
        ]
    if material.preview_name:
        data["image"] = external_url("materials.preview", material_id=material.id)
    return data


def amb_page(page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of every public, openly licensed material in AMB, newest first (for harvesting)."""
    conditions = (Material.has_open_metadata,)
    total = db.session.scalar(select(func.count(Material.id)).where(*conditions)) or 0
    rows = db.session.scalars(
        select(Material)
        .where(*conditions)
        .options(joinedload(Material.school), selectinload(Material.topics), selectinload(Material.levels))
        .order_by(Material.published_at.desc(), Material.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [amb(m) for m in rows], total


SCHOOL_CHOICES_MAX = 200


def sharing_schools(chosen_slug: str = "") -> list[tuple[str, str]]:
    """(slug, name) of the public schools with public materials, for the school filter (kept for a minute).

    A Kreis has a few dozen; with more than SCHOOL_CHOICES_MAX (a state or the whole country) the list would weigh
    hundreds of kilobytes, so only the chosen school is offered and the others are reached from their profiles.
    """
    rows = cached_rows(
        ("materials.sharing_schools", db.engine.dialect.name),
        select(School.slug, School.name)
        .where(
            School.is_public,
            exists().where(Material.school_id == School.id, Material.state == MaterialState.PUBLISHED),
        )
        .order_by(School.name)
        .limit(SCHOOL_CHOICES_MAX + 1),
    )
    if len(rows) <= SCHOOL_CHOICES_MAX:
        return rows
    return [row for row in rows if row[0] == chosen_slug] or (
        [tuple(row) for row in db.session.execute(select(School.slug, School.name).where(School.slug == chosen_slug))]
        if chosen_slug
        else []
    )
