"""Accounts and their single-use tokens."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, utcnow
from ..extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    KI_STAFF = "ki_staff"  # regional staff: full rights in their regions (RegionStaff), nowhere else
    LAND_STAFF = "land_staff"  # Landeskoordination: figures of every region of their Land
    NATIONAL_STAFF = "national_staff"  # Bundeskoordination: every Land's figures, read-only
    COORDINATOR = "coordinator"
    PARTNER = "partner"  # a cooperation partner's account: its own entries and the requests addressed to it

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.KI_STAFF: _l("KI staff"),
    Role.LAND_STAFF: _l("Land coordination"),
    Role.NATIONAL_STAFF: _l("Federal coordination"),
    Role.COORDINATOR: _l("School coordination"),
    Role.PARTNER: _l("Cooperation partner"),
}


def role_requires_second_factor(role: Role) -> bool:
    """Staff and admins see coordinators' contact data or a Land's figures: they need a second factor. Coordinators
    and partners see only their own school's or partner's things."""
    return role not in (Role.COORDINATOR, Role.PARTNER)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # The Land of Land staff (a code of regions/vocab.LAENDER); regional staff's regions are in RegionStaff.
    land: Mapped[str | None] = mapped_column(String(2))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of the login cookie; replacing it logs out every session of this account.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (TOTP, RFC 6238). The secret is set when enrolment starts and counts once it is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last accepted time step: a code is accepted only for a later step, so it cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_ki_staff(self) -> bool:
        return self.role == Role.KI_STAFF

    @property
    def is_land_staff(self) -> bool:
        return self.role == Role.LAND_STAFF

    @property
    def is_national_staff(self) -> bool:
        return self.role == Role.NATIONAL_STAFF

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    @property
    def second_factor_required(self) -> bool:
        return role_requires_second_factor(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a token purpose, not a password
    INVITATION = "invitation"
    EMAIL_CONFIRMATION = "email_confirmation"


class UserToken(db.Model):
    """A single-use link token; only its SHA-256 hash is stored."""

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(TokenPurpose, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(db.Model):
    """A single-use code that replaces the second factor once; only its SHA-256 hash is stored."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
