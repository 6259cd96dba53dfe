"""Who may do what with events: staff of the event's region (or Land staff of its Land) manage it; coordinators
register their own school when the event is open to it. Used by views and templates alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..access.policy import is_ki_staff, is_land_staff, is_member_of
from ..access.scope import is_staff_for
from ..core.db import utcnow
from ..core.permissions import is_signed_in
from ..schools.models import School
from .models import Event, EventState


def can_create_events(user: Any) -> bool:
    """Regional staff (for their regions) and Land staff (for their Land)."""
    return is_ki_staff(user) or (is_land_staff(user) and bool(user.land))


def can_manage_event(user: Any, event: Event) -> bool:
    """Edit, publish, cancel, see participants: staff of the event's region, or Land staff of the event's Land."""
    if event.region_id is not None:
        return is_ki_staff(user) and is_staff_for(user, event.region_id)
    return is_land_staff(user) and bool(user.land) and user.land == event.land


def is_public(event: Event) -> bool:
    """Published and cancelled events are public (a cancelled one says so); drafts only for their staff."""
    return event.state in (EventState.PUBLISHED, EventState.CANCELLED)


def can_view_event(user: Any, event: Event) -> bool:
    return is_public(event) or can_manage_event(user, event)


def is_past(event: Event, now: datetime | None = None) -> bool:
    return event.ends_at <= (now or utcnow())


def registration_open(event: Event, now: datetime | None = None) -> bool:
    """Published, not begun, and before its registration deadline (if any)."""
    now = now or utcnow()
    if event.state != EventState.PUBLISHED or event.starts_at <= now:
        return False
    return event.registration_deadline is None or now <= event.registration_deadline


def event_is_for_school(event: Event, school: School, land_of_region: str | None) -> bool:
    """A region's event is for the schools of that region, a Land's event for the schools of its Land's regions
    (``land_of_region``: the Land of the school's region)."""
    if event.region_id is not None:
        return school.region_id == event.region_id
    return land_of_region is not None and land_of_region == event.land


def can_register_school(user: Any, event: Event, school: School, land_of_region: str | None) -> bool:
    """A coordinator of ``school`` registers it (or changes or cancels its registration) while registration is open."""
    return (
        is_signed_in(user)
        and is_member_of(user, school)
        and event_is_for_school(event, school, land_of_region)
        and registration_open(event)
    )
