"""The KI's own records about schools: internal notes and reminder mailings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, utcnow
from ..extensions import db


class SchoolNote(db.Model):
    """An internal note of KI staff about a school; never shown to the school, never exported."""

    __tablename__ = "school_notes"
    __table_args__ = (Index("ix_school_notes_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class Reminder(db.Model):
    """One reminder mailing as KI staff sent it: the template text with placeholders, to several schools."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which kind of reminder (e.g. "obligation"): the same kind to the same school within 7 days needs confirming.
    kind: Mapped[str] = mapped_column(String(40))
    # The region whose staff sent it: its log shows only its own mailings.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    school_year: Mapped[int] = mapped_column(Integer)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sent_by: Mapped[User | None] = relationship(lazy="raise")


class ReminderDelivery(db.Model):
    """A reminder as mailed to one school."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (Index("ix_reminder_deliveries_school_kind_sent", "school_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    recipients: Mapped[str] = mapped_column(String(2000))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegionReminderTemplate(db.Model):
    """A region's own text for one kind of reminder; without one the built-in German template applies."""

    __tablename__ = "region_reminder_templates"
    __table_args__ = (UniqueConstraint("region_id", "kind", name="uq_region_reminder_templates_region_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
