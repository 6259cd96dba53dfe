"""Data-protection duties towards the signed-in person: the copy of their data (Art. 15/20 GDPR) and erasure (Art. 17).

The export lists every row that names the person, without secrets (password hash, session token, token hashes).

Deleting an account:
- A coordinator who coordinates an admitted school alone must hand over first (the same rule as leaving a school).
  A registration the KI has not approved yet is withdrawn with the account (school and its data are deleted).
- The last active admin cannot delete their account: nobody could manage accounts afterwards.
- Reports, materials and timeline entries stay with the school; their author becomes empty and pages show
  "former coordination". Their name is replaced by that label in the coordinator notes of their schools' timelines.
- Audit entries of KI staff and admins stay as they are (accountability of a public body, Art. 17 (3) b/e GDPR).
- The deletion itself is audited with the role only: no name, no e-mail address.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select

from ..core import audit
from ..core.db import utcnow, write_transaction
from ..core.passwords import verify_password
from ..core.ratelimit import hashed_key, limiter
from ..extensions import db
from .models import Role, User, UserToken
from .services import normalize_email

SECRET_COLUMNS = frozenset({"password_hash", "session_token", "token_hash", "totp_secret", "code_hash"})


def former_coordination_label() -> str:
    """How pages name an author whose account has been deleted."""
    return _("former coordination")


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """All columns of a model row as JSON-safe values, without secrets."""
    return {
        column.key: _value(getattr(obj, column.key))
        for column in obj.__table__.columns
        if column.key not in SECRET_COLUMNS and column.key not in skip and hasattr(obj, column.key)
    }


def _rows(query, **kwargs) -> list[dict[str, Any]]:
    return [_row(obj, **kwargs) for obj in db.session.scalars(query)]


def export_data(user: User) -> dict[str, Any]:
    """Everything the hub stores that names ``user`` (account, memberships, what they wrote or recorded)."""
    from ..activities.models import Activity, ActivityFile
    from ..coordination.models import Reminder, SchoolNote
    from ..core.models import AuditEntry
    from ..materials.models import Material
    from ..partners.models import OfferRequest, Partner, PartnerMember
    from ..schools.models import Ballot, Membership, School, SchoolEvent, SchoolInvitation

    email = normalize_email(user.email)
    memberships = db.session.execute(
        select(Membership.created_at, School.id, School.name)
        .join(School, School.id == Membership.school_id)
        .where(Membership.user_id == user.id)
        .order_by(School.name)
    ).all()
    partners = db.session.execute(
        select(PartnerMember.created_at, Partner.id, Partner.name)
        .join(Partner, Partner.id == PartnerMember.partner_id)
        .where(PartnerMember.user_id == user.id)
        .order_by(Partner.name)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user),
        "memberships": [{"school_id": m.id, "school": m.name, "since": _value(m.created_at)} for m in memberships],
        "partner_memberships": [
            {"partner_id": p.id, "partner": p.name, "since": _value(p.created_at)} for p in partners
        ],
        "link_tokens": _rows(select(UserToken).where(UserToken.user_id == user.id).order_by(UserToken.id)),
        "school_invitations_to_me": _rows(
            select(SchoolInvitation).where(func.lower(SchoolInvitation.email) == email).order_by(SchoolInvitation.id)
        ),
        "school_invitations_sent": _rows(
            select(SchoolInvitation).where(SchoolInvitation.invited_by_id == user.id).order_by(SchoolInvitation.id)
        ),
        "schools_registered": _rows(
            select(School).where(School.registered_by_id == user.id).order_by(School.id),
            skip=("needs_contact", "needs_contact_reason"),
        ),
        "activities_authored": _rows(select(Activity).where(Activity.author_id == user.id).order_by(Activity.id)),
        "files_uploaded": _rows(
            select(ActivityFile).where(ActivityFile.uploaded_by_id == user.id).order_by(ActivityFile.id)
        ),
        "materials_authored": _rows(select(Material).where(Material.author_id == user.id).order_by(Material.id)),
        "school_events_by_me": _rows(
            select(SchoolEvent).where(SchoolEvent.user_id == user.id).order_by(SchoolEvent.id)
        ),
        "ballots_recorded": _rows(select(Ballot).where(Ballot.recorded_by_id == user.id).order_by(Ballot.id)),
        "notes_written": _rows(select(SchoolNote).where(SchoolNote.author_id == user.id).order_by(SchoolNote.id)),
        "reminders_sent": _rows(select(Reminder).where(Reminder.sent_by_id == user.id).order_by(Reminder.id)),
        "offer_requests_made": _rows(
            select(OfferRequest).where(OfferRequest.requested_by_id == user.id).order_by(OfferRequest.id)
        ),
        "offer_requests_answered": _rows(
            select(OfferRequest).where(OfferRequest.answered_by_id == user.id).order_by(OfferRequest.id)
        ),
        "audit_entries": _rows(
            select(AuditEntry)
            .where(
                or_(
                    AuditEntry.user_id == user.id,
                    (AuditEntry.object_type == User.__tablename__) & (AuditEntry.object_id == user.id),
                )
            )
            .order_by(AuditEntry.id)
        ),
    }


# --- deleting the account --------------------------------------------------------------------------------------


def _schools_alone(user: User) -> tuple[list, list]:
    """(admitted schools that need a handover first, unapproved registrations withdrawn with the account)."""
    from ..schools.coordinators import sole_coordinator_schools
    from ..schools.models import Approval

    if not user.is_coordinator:
        return [], []
    alone = sole_coordinator_schools(user)
    return [s for s in alone if s.approval == Approval.APPROVED], [s for s in alone if s.approval != Approval.APPROVED]


def deletion_preview(user: User) -> dict[str, Any]:
    """What deleting the account would do, and what stands in its way (shown on the warning page)."""
    blocking, withdrawn = _schools_alone(user)
    return {"blocking_schools": blocking, "withdrawn_registrations": withdrawn, "problem": deletion_problem(user)}


def deletion_problem(user: User) -> str | None:
    """Why the account cannot be deleted now (German), or None."""
    from ..schools.coordinators import last_coordinator_message

    blocking, _withdrawn = _schools_alone(user)
    if blocking:
        names = ", ".join(s.name for s in blocking)
        return _("You coordinate %(schools)s alone.", schools=names) + " " + last_coordinator_message()
    if user.is_admin:
        admins = db.session.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
        )
        if not admins:
            return _("You are the last administrator. Please create another admin account first.")
    return None


class DeletionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def delete_account(user: User, password: str) -> None:
    """Delete the signed-in person's account after checking the password and the rules above."""
    from ..core.uploads import delete_files
    from ..maintenance import delete_schools, stored_files_of_schools
    from ..schools.models import EventKind, Membership, SchoolEvent, SchoolInvitation

    if not verify_password(user.password_hash, password or ""):
        raise DeletionRefused(_("The password is not correct."))
    with write_transaction():
        problem = deletion_problem(user)
        if problem:
            raise DeletionRefused(problem)
        _blocking, withdrawn = _schools_alone(user)
        withdrawn_ids = [s.id for s in withdrawn]
        logos = [s.logo_filename for s in withdrawn if s.logo_filename]
        files = stored_files_of_schools(withdrawn_ids)
        school_ids = list(db.session.scalars(select(Membership.school_id).where(Membership.user_id == user.id)))
        if user.name.strip():
            label = former_coordination_label()
            for event in db.session.scalars(
                select(SchoolEvent).where(
                    SchoolEvent.school_id.in_(school_ids),
                    SchoolEvent.kind.in_((EventKind.COORDINATORS, EventKind.REGISTRATION)),
                    SchoolEvent.note.contains(user.name),
                )
            ):
                event.note = event.note.replace(user.name, label)
        email = normalize_email(user.email)
        db.session.execute(delete(SchoolInvitation).where(func.lower(SchoolInvitation.email) == email))
        delete_schools(withdrawn_ids)
        entry = audit.record(
            "account.delete_own", summary="Konto auf eigenen Wunsch gelöscht", after={"role": user.role.value}
        )
        # No name, no address: only that an account of this role and id existed and was deleted.
        entry.user_id, entry.user_email = None, ""
        entry.object_type, entry.object_id = User.__tablename__, user.id
        db.session.execute(delete(User).where(User.id == user.id))
    # Failed-login records are kept under a hash of the address: remove them too.
    limiter().clear(hashed_key("login-account", email))
    delete_files(*files)
    from ..core.images import delete_stored

    for logo in logos:
        delete_stored("logos", logo)
