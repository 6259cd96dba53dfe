"""Tables of the shared pieces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
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
