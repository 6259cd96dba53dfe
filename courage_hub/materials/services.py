"""Domain rules of the materials library: listing and search, sharing, downloads (review lives in ``review``, the
open metadata in ``metadata``)."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, replace

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..core import audit
from ..core.db import claim_version, utcnow, write_transaction
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
from ..schools.models import School
from . import search
from .models import Material, MaterialLevel, MaterialState, MaterialTopic
from .vocab import LICENCES

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


def list_conditions(filters: MaterialFilter, *, counting: bool = False) -> list:
    """The filters (without the search words) as SQL: the library's page and the API read them both.

    For counting, topic and level are written as IN (…), which lets the planner start from
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
    count = select(func.count(Material.id)).where(*list_conditions(filters, counting=True))
    ids = select(Material.id).where(*list_conditions(filters))
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
