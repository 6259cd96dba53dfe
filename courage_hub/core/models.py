"""Tables of the shared pieces."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import UTCDateTime, utcnow


class ThrottleEvent(db.Model):
    """One counted event (e.g. a failed login) for the database rate-limit store."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_key_created_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(db.Model):
    """One data-changing action of KI staff or an admin: who, when, what, on which object, before/after.

    The app only ever inserts these rows; there is no view or service that edits or deletes them.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created", "created_at"),
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_action", "action", "created_at"),
        Index("ix_audit_entries_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The actor's e-mail at the time, so the entry stays readable if the account is deleted later.
    user_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(500), default="")
    # The region the change concerns (a school's region); NULL for installation-wide actions (accounts, regions).
    region_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class OutboxStatus(enum.StrEnum):
    """Where a mail of the outbox stands: waiting, being handed to the server, delivered, or given up."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    """One mail the site owes somebody, written in the same transaction as the change that causes it.

    A worker (``flask deliver-mail``) hands it to the mail server afterwards; see core/mail.py.
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (
        Index("ix_outbox_mails_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_mails_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40), default="general")
    # The region the mail concerns: its staff see it in their outbox page; NULL only for admins.
    region_id: Mapped[int | None] = mapped_column(Integer, index=True)
    to_addr: Mapped[str] = mapped_column(String(1000))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # Emptied once the server accepted the mail: a body may carry a sign-in link.
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # One optional attachment (e.g. a calendar file): its file name, MIME type (with parameters) and content;
    # emptied with the body once the server accepted the mail.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
