"""Words for the audit log and the reminder log: the one table from an action's code to its German label, and the
before/after values in words (statuses by their labels, yes/no, reminder kinds). An unknown code is shown as it is,
so that a new action is never hidden."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..core import schoolyear
from ..materials.models import MaterialState
from ..materials.moderation import CHECKLIST
from ..partners.models import OfferState, RequestStatus
from ..regions.vocab import land_name
from ..schools.models import SchoolStatus
from .reminders import KINDS as REMINDER_KINDS

ACTION_LABELS = {
    "account.create": _l("Account created"),
    "account.status": _l("Account activated or deactivated"),
    "account.delete_own": _l("Own account deleted"),
    "account.second_factor_on": _l("Two-factor sign-in set up"),
    "account.second_factor_reset": _l("Two-factor sign-in reset"),
    "activity.unpublish": _l("Activity taken offline"),
    "activity.republish": _l("Activity published again"),
    "activity.file_remove": _l("File of an activity removed"),
    "event.attendance": _l("Attendance at an event recorded"),
    "event.message": _l("Message to the schools registered for an event"),
    "event.cancel": _l("Event cancelled"),
    "event.create": _l("Event created"),
    "event.edit": _l("Event edited"),
    "event.publish": _l("Event published"),
    "export.activities": _l("Export activities"),
    "export.event_participants": _l("Export participants of an event"),
    "export.offer_requests": _l("Export requests for offers"),
    "export.report": _l("Export annual report"),
    "export.schools": _l("Export schools"),
    "material.approve": _l("Material approved"),
    "material.edit": _l("Material edited"),
    "material.hide": _l("Material hidden"),
    "material.publish": _l("Material published"),
    "material.reject": _l("Material returned to the author"),
    "material.unhide": _l("Material shown again"),
    "material_report.resolve": _l("Problem report dealt with"),
    "note.create": _l("Internal note added"),
    "offer_request.answer": _l("Request for an offer answered on the partner's behalf"),
    "offer_request.done": _l("Request for an offer marked as carried out"),
    "region.create": _l("Region created"),
    "region.edit": _l("Region edited"),
    "region.staff_add": _l("Staff member added to a region"),
    "region.staff_remove": _l("Staff member removed from a region"),
    "reminder.send": _l("Reminder sent"),
    "reminder.template": _l("Reminder template of the office saved"),
    "school.approve": _l("Registration approved"),
    "school.contact_flag": _l("Contact needed changed"),
    "school.move": _l("Handed over to another regional office"),
    "school.reject": _l("Registration rejected"),
    "school.status": _l("Status changed"),
    # Cooperation partners and their offers
    "offer.approve": _l("Offer or its changes approved"),
    "offer.archive": _l("Offer no longer offered"),
    "offer.create": _l("Offer created"),
    "offer.edit": _l("Offer edited"),
    "offer.return": _l("Offer or its changes returned to the partner"),
    "partner.account_add": _l("Account added to a partner"),
    "partner.account_remove": _l("Account removed from a partner"),
    "partner.approve": _l("Profile changes of a partner approved"),
    "partner.archive": _l("Partner archived"),
    "partner.create": _l("Partner created"),
    "partner.edit": _l("Partner edited"),
    "partner.reactivate": _l("Partner listed again"),
    "partner.return": _l("Profile changes returned to the partner"),
}

OBJECT_LABELS = {
    "activities": _l("Activity"),
    "events": _l("Event"),
    "material_reports": _l("Problem report"),
    "materials": _l("Material"),
    "offers": _l("Offer"),
    "partners": _l("Cooperation partner"),
    "offer_requests": _l("Request for an offer"),
    "regions": _l("Region"),
    "reminders": _l("Reminder"),
    "school_notes": _l("Internal note"),
    "schools": _l("School"),
    "users": _l("Account"),
}

# The keys of the before/after values, in the audit entries and in the filters an export records.
FIELD_LABELS = {
    "account": _l("Account"),
    "active": _l("Active"),
    "approval": _l("Registration"),
    "area": _l("Area"),
    "changed": _l("Changed fields"),
    "checklist": _l("Checklist"),
    "contact_address": _l("Postal address"),
    "contact_deadline": _l("Deadline for “Contact needed”"),
    "contact_email": _l("Public e-mail address"),
    "contact_phone": _l("Phone"),
    "deleted": _l("Deleted"),
    "file_id": _l("File number"),
    "gemeinde": _l("Municipality"),
    "introduction": _l("Introduction"),
    "jahr": _l("School year"),
    "kind": _l("Kind"),
    "kontakt": _l("Contact needed"),
    "land": _l("Land"),
    "municipalities": _l("Municipalities"),
    "municipality": _l("Municipality"),
    "name": _l("Name"),
    "needs_contact": _l("Contact needed"),
    "note": _l("Note"),
    "note_id": _l("Note number"),
    "opening_hours": _l("Office hours"),
    "partner": _l("Partner"),
    "pflicht": _l("Obligation met"),
    "q": _l("Search words"),
    "reason": _l("Reason"),
    "recipients": _l("Recipients"),
    "region": _l("Region"),
    "regions": _l("Regions"),
    "reminder_id": _l("Reminder number"),
    "reply_to_email": _l("Reply address of mails to schools"),
    "role": _l("Role"),
    "schule": _l("School"),
    "schulform": _l("School type"),
    "second_factor": _l("Two-factor sign-in"),
    "sort": _l("Order"),
    "state": _l("State"),
    "status": _l("Status"),
    "year": _l("School year"),
}

APPROVAL_LABELS = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
ACTIVITY_STATE_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "unpublished": _l("Taken offline"),
}
FILE_KIND_LABELS = {"photo": _l("Photo"), "attachment": _l("Attachment")}
CHECKLIST_LABELS = dict(CHECKLIST)


def action_label(code: str) -> str:
    """The German label of an action code such as "school.status"; an unknown code as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def reminder_kind_label(kind: str) -> str:
    label = REMINDER_KINDS.get(kind)
    return str(label) if label is not None else kind


def _enum_label(enum_type, value: str) -> str | None:
    try:
        return enum_type(value).label
    except ValueError:
        return None


def _value_label(action: str, key: str, value: Any) -> str | None:
    """The value in words where a code or a flag stands for it, else None."""
    domain = action.split(".", 1)[0]
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)
    if key == "status" and domain == "offer_request":
        return _enum_label(RequestStatus, text)
    if key == "status" and domain in ("school", "export"):
        return _enum_label(SchoolStatus, text) or _enum_label(RequestStatus, text)
    if key == "state" and domain == "material":
        return _enum_label(MaterialState, text)
    if key == "state" and domain == "offer":
        return _enum_label(OfferState, text)
    if key == "state" and domain == "activity":
        return _str(ACTIVITY_STATE_LABELS.get(text))
    if key == "approval":
        return _str(APPROVAL_LABELS.get(text))
    if key == "role":
        return _enum_label(Role, text)
    if key == "land":
        return land_name(text) or None
    if key == "kind" and domain == "reminder":
        return reminder_kind_label(text)
    if key == "kind" and domain == "activity":
        return _str(FILE_KIND_LABELS.get(text))
    if key in ("year", "jahr") and text.isdigit():
        return schoolyear.label(int(text))
    if key == "checklist":
        return "; ".join(str(CHECKLIST_LABELS.get(item.strip(), item.strip())) for item in text.split(","))
    return None


def _str(label) -> str | None:
    return str(label) if label is not None else None


def value_text(action: str, key: str, value: Any) -> str:
    """One before/after value in words: yes/no for flags, labels for statuses, states and kinds."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "–"
    return _value_label(action, key, value) or str(value)


def changes(action: str, values: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The before or after values of an entry as (label, text) pairs for the page."""
    return [(str(FIELD_LABELS.get(key, key)), value_text(action, key, value)) for key, value in (values or {}).items()]
