"""Domain rules for activity reports: saving with files, publishing, moderation, the feed, the yearly obligation."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..core import audit, schoolyear
from ..core.db import claim_version, utcnow, write_transaction
from ..core.pagination import cached_count, cached_ids, in_order_of
from ..core.uploads import StoredFile, UploadBatch, delete_files, store_attachment, store_photo, upload_batch
from ..extensions import db
from ..schools.models import School, SchoolStatus
from .models import Activity, ActivityFile, ActivityState, ActivityTopic
from .search import ACTIVITIES

MAX_PHOTOS = 10
MAX_ATTACHMENTS = 10


class ActivityRuleViolation(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ActivityData:
    title: str
    start_date: date
    end_date: date | None
    activity_type: str
    topics: list[str]
    description: str
    groups: str
    participants: int | None
    partners: str
    links: str
    counts_as_project: bool
    photo_consent: bool
    new_photos: list[NewPhoto] = field(default_factory=list)
    new_attachments: list[FileStorage | NewAttachment] = field(default_factory=list)


@dataclass
class NewPhoto:
    """A chosen photo with its description; problems are reported under the caller's keys (its form fields)."""

    file: FileStorage
    alt: str
    key: str = "photo"
    alt_key: str = "alt"


@dataclass
class NewAttachment:
    """A chosen attachment; problems are reported under ``key``."""

    file: FileStorage
    key: str = "attachments"


ATTACHMENTS_KEY = "attachments"  # where problems with attachments are reported


# --- reading ---------------------------------------------------------------------------------------------------


def get_activity(activity_id: int) -> Activity | None:
    return db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(
            joinedload(Activity.school),
            joinedload(Activity.author),
            selectinload(Activity.topics),
            selectinload(Activity.files),
        )
    )


@dataclass
class FeedFilter:
    topic: str = ""
    activity_type: str = ""
    municipality: str = ""
    school: str = ""  # slug
    year: int | None = None
    q: str = ""
    land: str = ""  # validated by regions.services.place, as is region
    region: str = ""
    region_ids: tuple[int, ...] | None = None  # the regions of the chosen Land or region; None: all


def feed_conditions(filters: FeedFilter) -> list:
    """The feed's filters and search as SQL over reports joined with their school (the page and the API)."""
    conditions = [Activity.is_public]
    if filters.topic:
        conditions.append(
            exists().where(ActivityTopic.activity_id == Activity.id, ActivityTopic.topic == filters.topic)
        )
    if filters.activity_type:
        conditions.append(Activity.activity_type == filters.activity_type)
    if filters.municipality:
        conditions.append(School.municipality == filters.municipality)
    if filters.school:
        conditions.append(School.slug == filters.school)
    if filters.region_ids is not None:
        conditions.append(School.region_id.in_(filters.region_ids))
    if filters.year:
        conditions.append(Activity.school_year == filters.year)
    searched = ACTIVITIES.contains(filters.q, db.engine.dialect.name)
    if searched is not None:
        conditions.append(searched)
    return conditions


# Newest activity first; among reports of the same day the later one written first.
FEED_ORDER = (Activity.start_date.desc(), Activity.id.desc())


def feed_page(filters: FeedFilter, page: int, per_page: int = 12) -> tuple[list[Activity], int]:
    """One page of the public feed, newest first, with a constant number of queries.

    The Atom feed reads its entries through here too, so that it shows what the page shows, in the same order.
    """
    conditions = feed_conditions(filters)
    key = ("activities.feed", db.engine.dialect.name, *astuple(filters))
    total = cached_count(key, select(func.count(Activity.id)).join(School).where(*conditions))
    ids = (
        select(Activity.id)
        .join(School)
        .where(*conditions)
        .order_by(*FEED_ORDER)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    page_ids = cached_ids((*key, per_page, page), ids, total)
    if not page_ids:
        return [], total
    rows = db.session.scalars(
        select(Activity)
        .join(School)
        .where(Activity.id.in_(page_ids), Activity.is_public)
        .options(joinedload(Activity.school), selectinload(Activity.topics), selectinload(Activity.files))
    ).all()
    return in_order_of(page_ids, rows), total


def school_activities(school: School, *, include_unpublished: bool, limit: int = 50) -> list[Activity]:
    query = (
        select(Activity)
        .where(Activity.school_id == school.id)
        .options(selectinload(Activity.topics), selectinload(Activity.files))
        .order_by(*FEED_ORDER)
        .limit(limit)
    )
    if not include_unpublished:
        query = query.where(Activity.state == ActivityState.PUBLISHED)
    return list(db.session.scalars(query))


# --- the yearly obligation -------------------------------------------------------------------------------------


def obligation_condition(year: int):
    """SQL: a published report that counts as a project falls into school year ``year``."""
    return and_(
        Activity.state == ActivityState.PUBLISHED,
        Activity.counts_as_project.is_(True),
        Activity.school_year == year,
    )


def obligation_met(school_id: int, year: int) -> bool:
    """Has the school met the obligation of at least one project in school year ``year`` (e.g. 2025 = 2025/26)?"""
    return bool(db.session.scalar(select(exists().where(Activity.school_id == school_id, obligation_condition(year)))))


def obligation_years(school: School, today: date | None = None) -> list[tuple[int, bool]]:
    """(school year, met?) for every school year since the school was admitted, oldest first."""
    return obligation_years_of([school], today)[school.id]


def obligation_years_of(schools: list[School], today: date | None = None) -> dict[int, list[tuple[int, bool]]]:
    """:func:`obligation_years` of each of ``schools`` by id, in one query for all of them (a list page)."""
    current = schoolyear.current_school_year(today)
    joined = [s for s in schools if s.status == SchoolStatus.AUFGENOMMEN or s.admitted_on]
    met = (
        {
            (school_id, year)
            for school_id, year in db.session.execute(
                select(Activity.school_id, Activity.school_year)
                .where(
                    Activity.school_id.in_([s.id for s in joined]),
                    Activity.state == ActivityState.PUBLISHED,
                    Activity.counts_as_project.is_(True),
                )
                .distinct()
            )
        }
        if joined
        else set()
    )
    years: dict[int, list[tuple[int, bool]]] = {school.id: [] for school in schools}
    for school in joined:
        first = schoolyear.school_year_of(school.admitted_on) if school.admitted_on else current
        years[school.id] = [(year, (school.id, year) in met) for year in range(first, current + 1)]
    return years


# --- writing ---------------------------------------------------------------------------------------------------


def _apply(activity: Activity, data: ActivityData) -> None:
    activity.title = data.title.strip()
    activity.start_date, activity.end_date = data.start_date, data.end_date
    activity.school_year = schoolyear.school_year_of(data.start_date)
    activity.activity_type = data.activity_type
    activity.description = data.description.strip()
    activity.groups, activity.partners = data.groups.strip(), data.partners.strip()
    activity.participants = data.participants
    activity.links = "\n".join(line.strip() for line in data.links.splitlines() if line.strip())
    activity.counts_as_project = data.counts_as_project
    activity.photo_consent = activity.photo_consent or data.photo_consent
    current = {t.topic for t in activity.topics}
    wanted = set(data.topics)
    activity.topics = [t for t in activity.topics if t.topic in wanted] + [
        ActivityTopic(topic=topic) for topic in sorted(wanted - current)
    ]


@dataclass
class _StoredUploads:
    photos: list[tuple[StoredFile, str]]  # (file, alt text)
    attachments: list[StoredFile]


def _store_uploads(batch: UploadBatch, data: ActivityData) -> _StoredUploads:
    """Check and store every chosen file in ``batch``; raises UploadsRejected with all problems at once."""
    stored = _StoredUploads(photos=[], attachments=[])
    for photo in data.new_photos:
        if not photo.alt.strip():
            batch.reject(photo.alt_key, _("Please describe the photo for people who cannot see it."))
    batch.check()  # a missing description is found before any file is checked and written
    for photo in data.new_photos:
        file = batch.store(photo.key, store_photo, photo.file)
        if file is not None:
            stored.photos.append((file, photo.alt))
    for upload in data.new_attachments:
        if isinstance(upload, NewAttachment):
            file = batch.store(upload.key, store_attachment, upload.file)
        else:
            file = batch.store(ATTACHMENTS_KEY, store_attachment, upload)
        if file is not None:
            stored.attachments.append(file)
    batch.check()
    return stored


def _attach(activity: Activity, uploads: _StoredUploads, data: ActivityData, user: User) -> None:
    photos = len(activity.photos)
    if photos + len(uploads.photos) > MAX_PHOTOS:
        raise ActivityRuleViolation(_("A report can have at most %(n)d photos.", n=MAX_PHOTOS))
    if len(activity.attachments) + len(uploads.attachments) > MAX_ATTACHMENTS:
        raise ActivityRuleViolation(_("A report can have at most %(n)d attachments.", n=MAX_ATTACHMENTS))
    if uploads.photos and not (activity.photo_consent or data.photo_consent):
        raise ActivityRuleViolation(_("Please confirm the consent for photos of people."))
    for position, (stored, alt) in enumerate(uploads.photos, start=photos):
        activity.files.append(_file_row(stored, user, alt_text=alt.strip(), position=position))
    for stored in uploads.attachments:
        activity.files.append(_file_row(stored, user))


def _file_row(stored: StoredFile, user: User, **extra) -> ActivityFile:
    return ActivityFile(
        kind=stored.kind,
        storage_name=stored.storage_name,
        thumb_name=stored.thumb_name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=user.id,
        **extra,
    )


def create_activity(school: School, user: User, data: ActivityData, *, publish: bool) -> Activity:
    """Save a new report (draft or published) with its files; on any failure no file or row is left.

    Raises UploadsRejected when a chosen file is refused, ActivityRuleViolation when a rule forbids the save.
    """
    with upload_batch() as batch:
        uploads = _store_uploads(batch, data)
        with write_transaction():
            activity = Activity(school_id=school.id, author_id=user.id, topics=[], files=[])
            _apply(activity, data)
            _attach(activity, uploads, data, user)
            if publish:
                activity.state, activity.published_at = ActivityState.PUBLISHED, utcnow()
            db.session.add(activity)
    return activity


def update_activity(
    activity: Activity, user: User, data: ActivityData, expected_version: int, *, publish: bool
) -> None:
    """Save changes if nobody else saved since ``expected_version`` (else EditConflict); a published report stays
    published. New files are stored with the save and removed again if anything fails."""
    with upload_batch() as batch:
        uploads = _store_uploads(batch, data)
        with write_transaction():
            claim_version(Activity, activity.id, expected_version)
            db.session.refresh(activity)
            _apply(activity, data)
            _attach(activity, uploads, data, user)
            if publish and activity.state == ActivityState.DRAFT:
                activity.state, activity.published_at = ActivityState.PUBLISHED, utcnow()


def publish_activity(activity: Activity) -> None:
    with write_transaction():
        if activity.state == ActivityState.DRAFT:
            activity.state, activity.published_at = ActivityState.PUBLISHED, utcnow()


def _region_id(activity: Activity) -> int | None:
    """The region of the report's school: its audit entries belong to that office's log."""
    school = db.session.get(School, activity.school_id)
    return school.region_id if school is not None else None


def unpublish_activity(activity: Activity, reason: str) -> None:
    """KI moderation: take a report offline with a reason that the school sees."""
    with write_transaction():
        before = activity.state.value
        activity.state = ActivityState.UNPUBLISHED
        activity.moderation_reason = reason.strip()
        audit.record(
            "activity.unpublish",
            activity,
            region_id=_region_id(activity),
            summary=activity.title,
            before={"state": before},
            after={"state": "unpublished", "reason": reason.strip()},
        )


def republish_activity(activity: Activity) -> None:
    with write_transaction():
        before = activity.state.value
        activity.state, activity.moderation_reason = ActivityState.PUBLISHED, ""
        audit.record(
            "activity.republish",
            activity,
            region_id=_region_id(activity),
            summary=activity.title,
            before={"state": before},
        )


def delete_activity(activity: Activity) -> None:
    """Delete a report and, after the rows are gone, its files."""
    names = [n for f in activity.files for n in (f.storage_name, f.thumb_name)]
    with write_transaction():
        db.session.execute(delete(Activity).where(Activity.id == activity.id))
    delete_files(*names)


def remove_file(activity: Activity, file_id: int, user: User | None = None) -> bool:
    """Remove one photo or attachment at once, from the database and from storage (e.g. consent withdrawn).

    Display version and thumbnail go together; backups made afterwards no longer contain them. KI staff's
    removals are audited (without the file name, which may name a person).
    """
    target = next((f for f in activity.files if f.id == file_id), None)
    if target is None:
        return False
    names = (target.storage_name, target.thumb_name)
    with write_transaction():
        db.session.execute(delete(ActivityFile).where(ActivityFile.id == file_id))
        if user is not None and user.is_ki_staff:
            audit.record(
                "activity.file_remove",
                activity,
                region_id=_region_id(activity),
                summary=activity.title,
                before={"file_id": file_id, "kind": target.kind},
            )
    delete_files(*names)
    return True


def get_file(file_id: int) -> ActivityFile | None:
    return db.session.get(ActivityFile, file_id)
