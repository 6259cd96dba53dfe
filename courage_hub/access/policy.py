"""Who may do what: the one place that decides, used by views and templates alike.

Every function takes the current user (possibly anonymous) and, where it matters, the object in question.
The anonymous public may only read public pages. Staff rights are regional: regional staff act only on schools,
activities and materials of their own regions (``scope.is_staff_for``); the lists they see are narrowed by
``scope.staff_filter``. The policy knows the domains it judges, so it lives above them;
the domain-free mechanism (``is_signed_in``, the ``require`` decorator) is in ``core.permissions``.
"""

from __future__ import annotations

from typing import Any

from ..activities.models import Activity
from ..auth.models import Role, User
from ..core.permissions import is_signed_in
from ..extensions import db
from ..materials.models import Material
from ..regions.models import Region
from ..regions.vocab import LAENDER
from ..schools.coordinators import membership_school_ids
from ..schools.models import School
from .scope import figure_region_ids, is_staff_for


def is_admin(user: Any) -> bool:
    return is_signed_in(user) and user.is_admin


def is_ki_staff(user: Any) -> bool:
    """Regional staff (of any region): the queues and lists, narrowed to their regions by the scope layer."""
    return is_signed_in(user) and user.is_ki_staff


def is_coordinator(user: Any) -> bool:
    return is_signed_in(user) and user.is_coordinator


def is_land_staff(user: Any) -> bool:
    return is_signed_in(user) and user.role == Role.LAND_STAFF


def can_manage_accounts(user: User | Any) -> bool:
    return is_admin(user)


def can_manage_regions(user: User | Any) -> bool:
    """The region pages: admins for every Land, Land staff for the regions of their own Land."""
    return is_admin(user) or (is_land_staff(user) and user.land in LAENDER)


def managed_lands(user: User | Any) -> frozenset[str] | None:
    """The Länder whose regions ``user`` creates and edits: ``None`` for every Land (admins)."""
    if is_admin(user):
        return None
    return frozenset({user.land}) if can_manage_regions(user) else frozenset()


def can_manage_region(user: User | Any, region: Region) -> bool:
    """Edit a region and its staff: admins every one, Land staff those of their own Land."""
    lands = managed_lands(user)
    return lands is None or region.land in lands


def can_use_coordination(user: User | Any) -> bool:
    """The dashboard, its charts and the annual report: regional, Land and national staff and admins, each for
    the regions whose figures they see."""
    return is_signed_in(user) and user.role in (Role.KI_STAFF, Role.LAND_STAFF, Role.NATIONAL_STAFF, Role.ADMIN)


def can_use_outbox(user: User | Any) -> bool:
    """Undelivered mails name coordinators' addresses: admins every one, regional staff their regions' (the list is
    narrowed by the scope layer); Land and national staff see figures only."""
    return is_admin(user) or is_ki_staff(user)


def can_read_audit_log(user: User | Any) -> bool:
    """Admins every entry; regional and Land staff the entries of their regions (see :func:`audit_region_ids`)."""
    return is_admin(user) or is_ki_staff(user) or is_land_staff(user)


def audit_region_ids(user: User | Any) -> frozenset[int] | None:
    return None if is_admin(user) else figure_region_ids(user)


def can_export_figures(user: User | Any) -> bool:
    """The schools and activities exports (no contacts, no notes): regional and Land staff for their regions."""
    return is_ki_staff(user) or is_land_staff(user)


def can_edit_regions(user: User | Any) -> bool:
    """The settings page of regional offices: their staff, the Land staff of their Land, admins."""
    return is_admin(user) or is_ki_staff(user) or is_land_staff(user)


def can_edit_region(user: User | Any, region: Any) -> bool:
    """Edit a region's public contact, introduction, contact deadline and Reply-To: its own staff, the Land staff of
    its Land, admins (``region``: a Region or a RegionInfo)."""
    if is_admin(user):
        return True
    if is_land_staff(user):
        return bool(user.land) and region.land == user.land
    return is_ki_staff(user) and is_staff_for(user, region.id)


def is_staff_of_school(user: User | Any, school: School) -> bool:
    """Regional staff of the region that looks after ``school``."""
    return is_ki_staff(user) and is_staff_for(user, school.region_id)


def _school_region_id(school_id: int) -> int | None:
    school = db.session.get(School, school_id)  # usually already in the session: no query
    return school.region_id if school is not None else None


def is_staff_of_school_id(user: User | Any, school_id: int) -> bool:
    return is_ki_staff(user) and is_staff_for(user, _school_region_id(school_id))


def is_member_of(user: User | Any, school: School) -> bool:
    """Is ``user`` a coordinator of exactly this school?"""
    if not is_coordinator(user):
        return False
    return school.id in membership_school_ids(user)


def can_view_school_internals(user: User | Any, school: School) -> bool:
    """Coordinators' contacts, the timeline and the edit pages of a school: its coordinators and its region's
    staff."""
    return is_staff_of_school(user, school) or is_member_of(user, school)


def can_edit_school(user: User | Any, school: School) -> bool:
    """Edit the public profile: the school's own coordinators and its region's staff."""
    return is_staff_of_school(user, school) or is_member_of(user, school)


def can_manage_process(user: User | Any, school: School) -> bool:
    """Record ballots, patron, application and coordinators of this school."""
    return is_staff_of_school(user, school) or is_member_of(user, school)


def can_move_school(user: User | Any, school: School) -> bool:
    """Hand a school to another region: staff of the region that looks after it (and admins)."""
    return is_staff_of_school(user, school) or is_admin(user)


def can_move_schools(user: User | Any) -> bool:
    """The hand-over form at all: regional staff and admins (each school is checked with :func:`can_move_school`)."""
    return is_ki_staff(user) or is_admin(user)


def can_contact_coordination(user: User | Any, school: School) -> bool:
    """Write to the KI ("Kontakt zur Koordination") on behalf of this school: its own coordinators."""
    return is_member_of(user, school)


def _coordinates_school_id(user: User | Any, school_id: int) -> bool:
    if not is_coordinator(user):
        return False
    return school_id in membership_school_ids(user)


def can_report_for(user: User | Any, school: School) -> bool:
    """Write activity reports for ``school``: its coordinators and its region's staff."""
    return is_staff_of_school(user, school) or is_member_of(user, school)


def can_edit_activity(user: User | Any, activity: Activity) -> bool:
    """Edit, publish, delete a report and its files: the school's coordinators and its region's staff."""
    return _coordinates_school_id(user, activity.school_id) or is_staff_of_school_id(user, activity.school_id)


def can_view_activity(user: User | Any, activity: Activity) -> bool:
    """Published reports of public schools are for everyone; drafts and moderated ones only for editors."""
    if activity.is_public:
        return True
    return can_edit_activity(user, activity)


def can_moderate(user: User | Any) -> bool:
    """Take reports or materials offline: regional staff (each object is checked with the ``*_in_region`` rule)."""
    return is_ki_staff(user)


def can_moderate_activity(user: User | Any, activity: Activity) -> bool:
    """Take a report offline or back online: staff of the school's region."""
    return is_staff_of_school_id(user, activity.school_id)


def can_share_materials(user: User | Any) -> bool:
    """Share worksheets, methods, links: coordinators of a school and regional staff."""
    if is_ki_staff(user):
        return True
    if not is_coordinator(user):
        return False
    return bool(membership_school_ids(user))


def can_review_material(user: User | Any, material: Material) -> bool:
    """Approve, return, hide or restore a material, answer its problem reports: staff of its region."""
    return is_ki_staff(user) and is_staff_for(user, material.region_id)


def can_edit_material(user: User | Any, material: Material) -> bool:
    """Edit or withdraw a material: its author (while still coordinating that school) and its region's staff."""
    if can_review_material(user, material):
        return True
    if not is_signed_in(user) or material.author_id != user.id:
        return False
    return material.school_id is None or _coordinates_school_id(user, material.school_id)


def can_view_material(user: User | Any, material: Material) -> bool:
    """Public materials for everyone; unapproved, rejected, withdrawn or hidden ones only for author and staff."""
    return material.is_public or can_edit_material(user, material)


def can_review_materials(user: User | Any) -> bool:
    """The review queue and problem reports, narrowed to the staff member's regions."""
    return is_ki_staff(user)


def can_review_registrations(user: User | Any) -> bool:
    """The registration queue, schools table, contact list, reminders: regional staff, narrowed to their regions."""
    return is_ki_staff(user)


TEMPLATE_PERMISSIONS = {
    "can_manage_accounts": can_manage_accounts,
    "can_manage_regions": can_manage_regions,
    "can_read_audit_log": can_read_audit_log,
    "can_use_coordination": can_use_coordination,
    "can_use_outbox": can_use_outbox,
    "can_export_figures": can_export_figures,
    "can_edit_school": can_edit_school,
    "can_view_school_internals": can_view_school_internals,
    "can_manage_process": can_manage_process,
    "can_move_school": can_move_school,
    "can_contact_coordination": can_contact_coordination,
    "is_ki_staff": is_ki_staff,
    "is_staff_of_school": is_staff_of_school,
    "can_report_for": can_report_for,
    "can_edit_activity": can_edit_activity,
    "can_moderate": can_moderate,
    "can_moderate_activity": can_moderate_activity,
    "is_coordinator": is_coordinator,
    "can_share_materials": can_share_materials,
    "can_edit_material": can_edit_material,
    "can_review_material": can_review_material,
    "can_review_materials": can_review_materials,
}
