"""Who may do what: the one place that decides, used by views and templates alike.

Every function takes the current user (possibly anonymous) and, where it matters, the object in question.
The anonymous public may only read public pages. The policy knows the domains it judges, so it lives above them;
the domain-free mechanism (``is_signed_in``, the ``require`` decorator) is in ``core.permissions``.
"""

from __future__ import annotations

from typing import Any

from ..activities.models import Activity
from ..auth.models import User
from ..core.permissions import is_signed_in
from ..materials.models import Material
from ..schools.coordinators import membership_school_ids
from ..schools.models import School


def is_admin(user: Any) -> bool:
    return is_signed_in(user) and user.is_admin


def is_ki_staff(user: Any) -> bool:
    """KI staff see and manage everything about the schools of the Kreis."""
    return is_signed_in(user) and user.is_ki_staff


def is_coordinator(user: Any) -> bool:
    return is_signed_in(user) and user.is_coordinator


def can_manage_accounts(user: User | Any) -> bool:
    return is_admin(user)


def can_use_coordination(user: User | Any) -> bool:
    """The KI dashboard and its queues: KI staff and admins."""
    return is_ki_staff(user) or is_admin(user)


def is_member_of(user: User | Any, school: School) -> bool:
    """Is ``user`` a coordinator of exactly this school?"""
    if not is_coordinator(user):
        return False
    return school.id in membership_school_ids(user)


def can_view_school_internals(user: User | Any, school: School) -> bool:
    """Coordinators' contacts, the timeline and the edit pages of a school."""
    return is_ki_staff(user) or is_member_of(user, school)


def can_edit_school(user: User | Any, school: School) -> bool:
    """Edit the public profile: the school's own coordinators and KI staff."""
    return is_ki_staff(user) or is_member_of(user, school)


def can_manage_process(user: User | Any, school: School) -> bool:
    """Record ballots, patron, application and coordinators of this school."""
    return is_ki_staff(user) or is_member_of(user, school)


def can_contact_coordination(user: User | Any, school: School) -> bool:
    """Write to the KI ("Kontakt zur Koordination") on behalf of this school: its own coordinators."""
    return is_member_of(user, school)


def _coordinates_school_id(user: User | Any, school_id: int) -> bool:
    if not is_coordinator(user):
        return False
    return school_id in membership_school_ids(user)


def can_report_for(user: User | Any, school: School) -> bool:
    """Write activity reports for ``school``: its coordinators and KI staff."""
    return is_ki_staff(user) or is_member_of(user, school)


def can_edit_activity(user: User | Any, activity: Activity) -> bool:
    """Edit, publish, delete a report and its files: the school's coordinators and KI staff."""
    return is_ki_staff(user) or _coordinates_school_id(user, activity.school_id)


def can_view_activity(user: User | Any, activity: Activity) -> bool:
    """Published reports of public schools are for everyone; drafts and moderated ones only for editors."""
    if activity.is_public:
        return True
    return can_edit_activity(user, activity)


def can_moderate(user: User | Any) -> bool:
    """Take reports or materials offline: KI staff."""
    return is_ki_staff(user)


def can_share_materials(user: User | Any) -> bool:
    """Share worksheets, methods, links: coordinators of a school and KI staff."""
    if is_ki_staff(user):
        return True
    if not is_coordinator(user):
        return False
    return bool(membership_school_ids(user))


def can_edit_material(user: User | Any, material: Material) -> bool:
    """Edit or withdraw a material: its author (while still coordinating that school) and KI staff."""
    if is_ki_staff(user):
        return True
    if not is_signed_in(user) or material.author_id != user.id:
        return False
    return material.school_id is None or _coordinates_school_id(user, material.school_id)


def can_view_material(user: User | Any, material: Material) -> bool:
    """Public materials for everyone; unapproved, rejected, withdrawn or hidden ones only for author and KI staff."""
    return material.is_public or can_edit_material(user, material)


def can_review_materials(user: User | Any) -> bool:
    return is_ki_staff(user)


def can_review_registrations(user: User | Any) -> bool:
    return is_ki_staff(user)


TEMPLATE_PERMISSIONS = {
    "can_manage_accounts": can_manage_accounts,
    "can_use_coordination": can_use_coordination,
    "can_edit_school": can_edit_school,
    "can_view_school_internals": can_view_school_internals,
    "can_manage_process": can_manage_process,
    "can_contact_coordination": can_contact_coordination,
    "is_ki_staff": is_ki_staff,
    "can_report_for": can_report_for,
    "can_edit_activity": can_edit_activity,
    "can_moderate": can_moderate,
    "is_coordinator": is_coordinator,
    "can_share_materials": can_share_materials,
    "can_edit_material": can_edit_material,
    "can_review_materials": can_review_materials,
}
