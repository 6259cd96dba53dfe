"""Activity reports, their topics and their files."""

from __future__ import annotations

import enum
from datetime import date, datetime
from pathlib import PurePath

from sqlalchemy import Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, utcnow
from ..core.rules import Equals, Related, hybrid_rule
from ..core.text import download_name
from ..extensions import db
from ..schools.models import School


class ActivityState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    # Taken offline by the KI (moderation), with a reason the school sees.
    UNPUBLISHED = "unpublished"


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_feed", "state", "start_date", "id"),
        # The feed filtered by school year (the common "this year" view) walks this one newest first.
        Index("ix_activities_year_feed", "state", "school_year", "start_date", "id"),
        Index("ix_activities_school_year", "school_id", "school_year", "state"),
        # "No report for 12 months" (the Kontakt-nötig rule) asks this per school.
        Index("ix_activities_school_published", "school_id", "state", "published_at"),
        CheckConstraint("participants IS NULL OR participants >= 0", name="participants_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # The school year (by its starting calendar year) that start_date falls into; kept for indexed filters.
    school_year: Mapped[int] = mapped_column(Integer)
    activity_type: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    groups: Mapped[str] = mapped_column(String(300), default="")
    participants: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[str] = mapped_column(String(500), default="")
    # The cooperation partner and offer it was made with (a request turned into a report); shown on the report.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    links: Mapped[str] = mapped_column(Text, default="")
    counts_as_project: Mapped[bool] = mapped_column(Boolean, default=True)
    photo_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[ActivityState] = mapped_column(
        Enum(ActivityState, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ActivityState.DRAFT,
    )
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")
    topics: Mapped[list[ActivityTopic]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ActivityTopic.topic"
    )
    files: Mapped[list[ActivityFile]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ActivityFile.position, ActivityFile.id"
    )

    @property
    def is_published(self) -> bool:
        return self.state == ActivityState.PUBLISHED

    # Visible to everyone (report page, photos, feed, Atom feed, school profile): published, not taken offline by the
    # KI, and written by a school that is public. Drafts and reports of pending or departed schools are not.
    is_public = hybrid_rule(
        Equals("state", ActivityState.PUBLISHED) & Related("school", "is_public"),
        "Visible to everyone (Python and SQL).",
    )

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    @property
    def photos(self) -> list[ActivityFile]:
        return [f for f in self.files if f.kind == "photo"]

    @property
    def attachments(self) -> list[ActivityFile]:
        return [f for f in self.files if f.kind == "attachment"]

    def file_name(self, file: ActivityFile, preview: bool = False) -> str:
        """The name a photo or attachment is served under: the report's title, "foto"/"anhang" and its number.

        Never the uploaded file's own name, which may carry a pupil's name (``Max_8a.jpg``).
        """
        same_kind = [f for f in self.files if f.kind == file.kind]
        number = same_kind.index(file) + 1 if file in same_kind else file.id
        label = "foto" if file.kind == "photo" else "anhang"
        suffix = " vorschau" if preview else ""
        extension = PurePath(file.thumb_name if preview and file.thumb_name else file.storage_name).suffix
        return download_name(f"{self.title} {label} {number}{suffix}", extension, fallback=label)


class ActivityTopic(db.Model):
    __tablename__ = "activity_topics"
    __table_args__ = (Index("ix_activity_topics_topic", "topic", "activity_id"),)

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), primary_key=True)


class ActivityFile(db.Model):
    """A photo (re-encoded, with thumbnail and alt text) or an attachment of a report."""

    __tablename__ = "activity_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "photo" | "attachment"
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
