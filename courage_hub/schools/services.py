"""Domain rules for schools."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from ..extensions import db
from .models import Membership, School


def membership_school_ids(user) -> frozenset[int]:
    """The ids of the schools ``user`` coordinates (cached for the request)."""
    cache = g.setdefault("_membership_ids", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(select(Membership.school_id).where(Membership.user_id == user.id))
        )
    return cache[user.id]


def schools_of(user) -> list[School]:
    """The schools a coordinator acts for, by name."""
    return list(
        db.session.scalars(select(School).join(Membership).where(Membership.user_id == user.id).order_by(School.name))
    )
