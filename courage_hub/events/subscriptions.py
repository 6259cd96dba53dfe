"""A coordinator's private calendar subscription: a secret URL with the events their schools registered for.

Only the token's SHA-256 hash is stored; a new token replaces (and so revokes) the old one, and deleting it ends the
subscription. The URL is shown once, when it is made.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ..auth.models import User
from ..core.db import utcnow, write_transaction
from ..core.tokens import hash_token, new_link_token
from ..extensions import db
from ..schools.models import Membership
from .models import CalendarToken, Event, EventRegistration, RegistrationStatus
from .public import is_public_expr

PAST_DAYS = 90
MAX_TOKEN_LENGTH = 100


def token_of(user: User) -> CalendarToken | None:
    return db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == user.id))


def issue_token(user: User) -> str:
    """A new subscription token for ``user`` (the old one stops working); returns the raw token to show once."""
    raw, hashed = new_link_token()
    with write_transaction():
        db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
        db.session.add(CalendarToken(user_id=user.id, token_hash=hashed))
    return raw


def revoke_token(user: User) -> bool:
    """End ``user``'s subscription; False when there was none."""
    with write_transaction():
        result = db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    return bool(result.rowcount)


def user_for_token(raw: str) -> User | None:
    """The active account whose token this is, or None (unknown, revoked, or the account is switched off)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    hashed = hash_token(raw)
    stored = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == hashed))
    if stored is None or not hmac.compare_digest(stored.token_hash, hashed):
        return None
    user = db.session.get(User, stored.user_id)
    return user if user is not None and user.is_active and user.is_coordinator else None


def registered_events(user: User, now: datetime | None = None) -> list[Event]:
    """Public events (and cancelled ones, which say so) that one of the user's schools is registered for, confirmed
    or on the waiting list; from ``PAST_DAYS`` ago on, soonest first."""
    now = now or utcnow()
    registered = (
        select(EventRegistration.event_id)
        .join(Membership, Membership.school_id == EventRegistration.school_id)
        .where(
            Membership.user_id == user.id,
            EventRegistration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
        )
    )
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.id.in_(registered), is_public_expr(), Event.ends_at > now - timedelta(days=PAST_DAYS))
            .order_by(Event.starts_at, Event.id)
        )
    )
