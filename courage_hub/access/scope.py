"""Which regions a signed-in person works in or sees the figures of: the one place that scopes staff queries.

Every list, count, export and queue that staff see is narrowed here: by :func:`staff_filter` (full rights: notes,
contacts, queues) or by :func:`within` on :func:`figure_region_ids` (figures only: dashboard, charts, exports, annual
report), so a view that forgets to filter cannot leak another office's data. ``None`` as a set of region ids means
"every region" (the figures of admins and of the Bundeskoordination).
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import ColumnElement, false, select, true

from ..auth.models import Role
from ..core.permissions import is_signed_in
from ..extensions import db
from ..regions.models import Region, RegionStaff

RegionIds = frozenset[int] | None  # None: every region


def _cached(key: str, user: Any, compute) -> RegionIds:
    cache = g.setdefault("_region_scopes", {})
    slot = (key, user.id)
    if slot not in cache:
        cache[slot] = compute()
    return cache[slot]


def staff_region_ids(user: Any) -> RegionIds:
    """Regions where ``user`` has full staff rights: regional staff in their own regions, nobody else (admins manage
    accounts and regions and see every figure, but do not act on schools)."""
    if not is_signed_in(user) or user.role != Role.KI_STAFF:
        return frozenset()
    return _cached(
        "staff",
        user,
        lambda: frozenset(db.session.scalars(select(RegionStaff.region_id).where(RegionStaff.user_id == user.id))),
    )


def figure_region_ids(user: Any) -> RegionIds:
    """Regions whose figures ``user`` sees: staff their regions, Land staff their Land's, the Bund every one."""
    if not is_signed_in(user):
        return frozenset()
    if user.role in (Role.ADMIN, Role.NATIONAL_STAFF):
        return None
    if user.role == Role.LAND_STAFF:
        return _cached(
            "land",
            user,
            lambda: frozenset(db.session.scalars(select(Region.id).where(Region.land == (user.land or "")))),
        )
    return staff_region_ids(user)


def within(column: Any, region_ids: RegionIds) -> ColumnElement[bool]:
    """SQL condition: ``column`` (a region id) lies in ``region_ids``."""
    if region_ids is None:
        return true()
    if not region_ids:
        return false()
    return column.in_(sorted(region_ids))


def staff_filter(user: Any, column: Any) -> ColumnElement[bool]:
    """Restrict a staff query to the regions where ``user`` has full rights (``column``: a region id column)."""
    return within(column, staff_region_ids(user))


def is_staff_for(user: Any, region_id: int | None) -> bool:
    ids = staff_region_ids(user)
    return ids is None or (region_id is not None and region_id in ids)


def sees_land_figures(user: Any, land: str) -> bool:
    """The roll-up of a whole Land: its Land staff, the Bundeskoordination and admins (regional staff see their own
    regions, never a Land's total)."""
    if not is_signed_in(user) or not land:
        return False
    if figure_region_ids(user) is None:
        return True
    return user.role == Role.LAND_STAFF and user.land == land
