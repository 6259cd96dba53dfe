"""Coordinators' invitations after they were sent: why a link no longer works, withdrawing and sending anew."""

from __future__ import annotations

import enum

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.db import utcnow, write_transaction
from ..core.tokens import hash_token
from ..extensions import db
from .coordinators import add_invitation
from .models import EventKind, School, SchoolInvitation
from .services import RuleViolation, _log


class LinkState(enum.StrEnum):
    """Why an invitation link cannot be used (any more)."""

    UNKNOWN = "unknown"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


def dead_link(raw: str) -> tuple[LinkState, SchoolInvitation | None, User | None]:
    """The reason why ``raw`` is no valid invitation, its invitation (if any) and who sent it (to ask for a new one)."""
    invitation = None
    if raw and len(raw) <= 100:
        invitation = db.session.scalar(
            select(SchoolInvitation)
            .where(SchoolInvitation.token_hash == hash_token(raw))
            .options(selectinload(SchoolInvitation.school))
        )
    if invitation is None:
        return LinkState.UNKNOWN, None, None
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    if invitation.withdrawn_at is not None:
        state = LinkState.WITHDRAWN
    elif invitation.used_at is not None:
        state = LinkState.ACCEPTED
    else:
        state = LinkState.EXPIRED
    return state, invitation, inviter


def open_invitation(school: School, invitation_id: int) -> SchoolInvitation | None:
    """An invitation of ``school`` (any state); None if it belongs to another school or does not exist."""
    invitation = db.session.get(SchoolInvitation, invitation_id)
    if invitation is None or invitation.school_id != school.id:
        return None
    return invitation


def _withdraw(invitation: SchoolInvitation) -> bool:
    """Make the link unusable at once (one conditional UPDATE: an acceptance at the same moment wins or loses whole).

    ``used_at`` is set as well, so that every check for "still open" (and the acceptance's claim) refuses it.
    """
    now = utcnow()
    result = db.session.execute(
        update(SchoolInvitation)
        .where(
            SchoolInvitation.id == invitation.id,
            SchoolInvitation.used_at.is_(None),
            SchoolInvitation.expires_at > now,
        )
        .values(used_at=now, withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def withdraw_invitation(school: School, user: User, invitation: SchoolInvitation) -> None:
    """Withdraw an open invitation: its link then says so."""
    with write_transaction():
        if not _withdraw(invitation):
            raise RuleViolation(_("This invitation is no longer open."))
        note = _("Invitation to %(email)s withdrawn", email=invitation.email)
        _log(school, EventKind.COORDINATORS, user, note, internal=True)


def resend_invitation(school: School, user: User, invitation: SchoolInvitation) -> str:
    """Send an invitation anew with a new link and a new period; the old link stops working. Returns the raw token."""
    with write_transaction():
        # An expired invitation may be sent again too: only an accepted or withdrawn one may not.
        now = utcnow()
        result = db.session.execute(
            update(SchoolInvitation)
            .where(SchoolInvitation.id == invitation.id, SchoolInvitation.used_at.is_(None))
            .values(used_at=now, withdrawn_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise RuleViolation(_("This invitation is no longer open."))
        return add_invitation(school, user, invitation.email, replaces_user_id=invitation.replaces_user_id)
