"""Shared materials (a file or an external link), their topics and levels, and problem reports about them."""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, utcnow
from ..core.rules import Equals, Holds, IsNull, OneOf, Related, hybrid_rule
from ..core.text import download_name
from ..extensions import db
from ..schools.models import School
from .vocab import OPEN_LICENCES


class MaterialState(enum.StrEnum):
    REVIEW = "review"  # waiting for the KI's approval
    PUBLISHED = "published"
    REJECTED = "rejected"  # with a reason the author sees; the author can fix and resubmit
    WITHDRAWN = "withdrawn"  # taken back by its author
    HIDDEN = "hidden"  # hidden by the KI, e.g. after a problem report

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    MaterialState.REVIEW: _l("In review"),
    MaterialState.PUBLISHED: _l("Published"),
    MaterialState.REJECTED: _l("Returned for changes"),
    MaterialState.WITHDRAWN: _l("Withdrawn"),
    MaterialState.HIDDEN: _l("Hidden by the KI"),
}


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Material(db.Model):
    """A worksheet, method, project idea … shared by a school or the KI: a stored file or an external link."""

    __tablename__ = "materials"
    __table_args__ = (
        Index("ix_materials_state_published", "state", "published_at", "id"),
        Index("ix_materials_state_downloads", "state", "download_count", "id"),
        Index("ix_materials_state_title", "state", "title"),
        Index("ix_materials_school", "school_id", "state"),
        Index("ix_materials_author", "author_id"),
        CheckConstraint("download_count >= 0", name="download_count_not_negative"),
        CheckConstraint("(storage_name IS NULL) <> (link_url IS NULL)", name="file_or_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The sharing school; NULL when KI staff shared it for the KI.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    # The region whose staff review and moderate it: the sharing school's region (moves with the school), or the
    # region of the staff member who shared it.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(500), default="")
    # Who made it, as the licence wants them named ("Urheber*in").
    attribution: Mapped[str] = mapped_column(String(300))
    # Whether ``attribution`` names one person; otherwise a group or organisation (the SV, a class, the school, the KI).
    creator_is_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    licence: Mapped[str] = mapped_column(String(20))
    # Set when the licence was not chosen by a person but filled in for a material that had none (the KI should ask
    # the author); cleared when someone chooses a licence in the form.
    licence_assumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(10), default="de")
    material_type: Mapped[str] = mapped_column(String(60), index=True)
    link_url: Mapped[str | None] = mapped_column(String(500))
    storage_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    preview_name: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[MaterialState] = mapped_column(_enum(MaterialState), default=MaterialState.REVIEW)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    school: Mapped[School | None] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[reviewed_by_id])
    topics: Mapped[list[MaterialTopic]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="MaterialTopic.topic"
    )
    levels: Mapped[list[MaterialLevel]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="MaterialLevel.level"
    )

    @property
    def is_published(self) -> bool:
        return self.state == MaterialState.PUBLISHED

    # Visible to everyone (detail page, file, preview, lists, related materials): published, and shared by the KI or
    # by a school that is public. Drafts in review, returned, withdrawn and hidden materials are not.
    is_public = hybrid_rule(
        Equals("state", MaterialState.PUBLISHED) & (IsNull("school_id") | Related("school", "is_public")),
        "Visible to everyone (Python and SQL).",
    )
    # An open licence (CC …): the material is an open educational resource.
    has_open_licence = hybrid_rule(OneOf("licence", OPEN_LICENCES), "Openly licensed (Python and SQL).")
    # Described in AMB (JSON-LD on the page, the .jsonld file, the harvesting list): public and openly licensed. The
    # profile accepts only open licences, so a material with all rights reserved is shown but not offered.
    has_open_metadata = hybrid_rule(
        Holds("is_public") & Holds("has_open_licence"), "Public and openly licensed (Python and SQL)."
    )

    @property
    def is_link(self) -> bool:
        return self.link_url is not None

    @property
    def download_filename(self) -> str:
        """The name a download is saved under: the title's slug and the stored file's type, never the uploaded name
        (which may carry a pupil's name)."""
        return download_name(self.title, PurePath(self.storage_name or "").suffix, fallback="material")

    @property
    def preview_filename(self) -> str:
        return download_name(f"{self.title} Vorschau", ".webp", fallback="material")

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    @property
    def level_names(self) -> list[str]:
        from .vocab import LEVELS

        names = {lv.level for lv in self.levels}
        return [lv for lv in LEVELS if lv in names]

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class MaterialTopic(db.Model):
    __tablename__ = "material_topics"
    __table_args__ = (Index("ix_material_topics_topic", "topic", "material_id"),)

    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), primary_key=True)


class MaterialLevel(db.Model):
    __tablename__ = "material_levels"
    __table_args__ = (Index("ix_material_levels_level", "level", "material_id"),)

    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(40), primary_key=True)


class MaterialReport(db.Model):
    """A "Problem melden" report from anyone (no login) about a public material; the KI resolves it."""

    __tablename__ = "material_reports"
    __table_args__ = (Index("ix_material_reports_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(500), default="")

    material: Mapped[Material] = relationship(lazy="raise")
