"""A region is one regional coordination office (in NRW a Kommunales Integrationszentrum) and the area it covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, utcnow
from ..extensions import db
from .vocab import land_name


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The office, e.g. "KI Kreis Soest", and the area it covers, e.g. "Kreis Soest" ("Courage Hub Kreis Soest").
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(120))
    land: Mapped[str] = mapped_column(String(2), index=True)
    # The office's public contact and introduction (shown on /regionen/<slug>).
    contact_address: Mapped[str] = mapped_column(String(500), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(60), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    introduction: Mapped[str] = mapped_column(String(2000), default="")
    # The office's own settings; unset, the installation's settings apply (CONTACT_DEADLINE, KI_CONTACT_EMAIL).
    contact_deadline: Mapped[str | None] = mapped_column(String(5))
    reply_to_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    municipalities: Mapped[list[RegionMunicipality]] = relationship(
        back_populates="region", lazy="raise", order_by="RegionMunicipality.name"
    )

    @property
    def land_name(self) -> str:
        return land_name(self.land)

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.contact_address.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


class RegionMunicipality(db.Model):
    """A municipality and the one region that covers it. Names are unique: ambiguous ones carry their area,
    as official names do ("Wickede (Ruhr)", "Eslohe (Sauerland)")."""

    __tablename__ = "region_municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    region: Mapped[Region] = relationship(back_populates="municipalities", lazy="raise")


class RegionStaff(db.Model):
    """Regional staff work in one or more regions and have full rights there, nowhere else."""

    __tablename__ = "region_staff"
    __table_args__ = (UniqueConstraint("user_id", "region_id", name="uq_region_staff_user_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
