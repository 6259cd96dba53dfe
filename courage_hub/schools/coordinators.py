"""Who coordinates a school: memberships, invitations (sent, accepted), the KI assigning a coordinator, and leaving
or removing a coordinator (never the last one of an admitted school).
"""

from __future__ import annotations

from datetime import timedelta

from flask import g, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import Role, User
from ..core.db import claim_once, utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.passwords import hash_password
from ..core.tokens import hash_token, new_link_token
from ..extensions import db
from .models import (
    EventKind,
    Membership,
    School,
    SchoolInvitation,
)
from .services import RuleViolation, _log

INVITATION_DAYS = 7


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


def open_invitations(school: School) -> list[SchoolInvitation]:
    return list(
        db.session.scalars(
            select(SchoolInvitation)
            .where(
                SchoolInvitation.school_id == school.id,
                SchoolInvitation.used_at.is_(None),
                SchoolInvitation.expires_at > utcnow(),
            )
            .order_by(SchoolInvitation.created_at)
        )
    )


def invite_coordinator(school: School, inviter: User, email: str, *, replaces: User | None = None) -> str:
    """Mail a single-use invitation (7 days) to coordinate ``school``; returns the raw token."""
    from ..auth.services import normalize_email

    email = normalize_email(email)
    # Whether the address belongs to a KI or admin account is not said here (a coordinator could probe addresses
    # with it); such an account is refused when it tries to accept. The school's own coordinators are no secret.
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is not None and school.id in membership_school_ids_fresh(existing):
        raise RuleViolation(_("This person already coordinates the school."))
    with write_transaction():
        return add_invitation(school, inviter, email, replaces_user_id=replaces.id if replaces else None)


def add_invitation(school: School, inviter: User, email: str, *, replaces_user_id: int | None) -> str:
    """Store a new invitation and mail its link (inside the caller's write transaction); returns the raw token."""
    raw, token_hash = new_link_token()
    db.session.add(
        SchoolInvitation(
            school_id=school.id,
            email=email,
            token_hash=token_hash,
            invited_by_id=inviter.id,
            replaces_user_id=replaces_user_id,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    note = _("Invitation sent to %(email)s", email=email)
    _log(school, EventKind.COORDINATORS, inviter, note, internal=True)
    send_mail(
        email,
        _("Invitation: coordinate %(school)s on Courage Hub", school=school.name),
        render_template(
            "schools/mail/invitation.txt",
            school=school,
            inviter=inviter,
            days=INVITATION_DAYS,
            handover=replaces_user_id is not None,
            link=external_url("schools.accept_invitation", token=raw),
        ),
        kind="school_invitation",
        region_id=school.region_id,
    )
    return raw


def membership_school_ids_fresh(user: User) -> frozenset[int]:
    return frozenset(db.session.scalars(select(Membership.school_id).where(Membership.user_id == user.id)))


def valid_invitation(raw: str) -> SchoolInvitation | None:
    if not raw or len(raw) > 100:
        return None
    invitation = db.session.scalar(
        select(SchoolInvitation)
        .where(SchoolInvitation.token_hash == hash_token(raw))
        .options(selectinload(SchoolInvitation.school))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def account_for_invitation(invitation: SchoolInvitation) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == invitation.email))


def accept_invitation(raw: str, user: User | None, *, name: str = "", password: str = "") -> User:
    """Use an invitation once: link the existing (signed-in) account or create a new one; complete a handover."""
    with write_transaction():
        invitation = valid_invitation(raw)
        if invitation is None or not claim_once(SchoolInvitation, invitation.id):
            raise RuleViolation(_("This invitation is no longer valid."))
        if user is None:
            if account_for_invitation(invitation) is not None:
                raise RuleViolation(_("An account with this address exists: please sign in first."))
            user = User(
                name=name.strip(),
                email=invitation.email,
                role=Role.COORDINATOR,
                password_hash=hash_password(password),
                email_confirmed_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
        elif user.email.lower() != invitation.email:
            raise RuleViolation(_("This invitation was sent to another e-mail address."))
        elif user.role != Role.COORDINATOR:
            raise RuleViolation(_("This address belongs to a KI or admin account, which cannot coordinate a school."))
        school = invitation.school
        if school.id not in membership_school_ids_fresh(user):
            db.session.add(Membership(user_id=user.id, school_id=school.id))
        _log(school, EventKind.COORDINATORS, user, _("%(name)s now coordinates the school", name=user.name))
        if invitation.replaces_user_id:
            leaving = db.session.get(User, invitation.replaces_user_id)
            _remove_membership(school, leaving, user, handover=True)
    return user


def _remove_membership(school: School, member: User | None, actor: User, *, handover: bool = False) -> None:
    if member is None:
        return
    membership = db.session.scalar(
        select(Membership).where(Membership.school_id == school.id, Membership.user_id == member.id)
    )
    if membership is None:
        return
    db.session.delete(membership)
    note = (
        _("%(name)s handed over and left the coordination", name=member.name)
        if handover
        else _("%(name)s no longer coordinates the school", name=member.name)
    )
    _log(school, EventKind.COORDINATORS, actor, note)


def last_coordinator_message() -> str:
    return _(
        "The last coordinator cannot leave. Please name a successor first (handover): you leave as soon as they accept."
    )


def remove_coordinator(school: School, actor: User, member: User) -> None:
    """Remove a coordinator (or leave, if ``member`` is the actor); the last one needs a successor first."""
    with write_transaction():
        count = db.session.scalar(select(func.count()).where(Membership.school_id == school.id)) or 0
        if count <= 1 and not (actor.is_ki_staff and actor.id != member.id):
            raise RuleViolation(last_coordinator_message())
        _remove_membership(school, member, actor)


def sole_coordinator_schools(user: User) -> list[School]:
    """The schools that ``user`` coordinates alone: they may not leave them without a handover (same rule)."""
    others = (
        select(func.count())
        .where(Membership.school_id == School.id, Membership.user_id != user.id)
        .correlate(School)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(School)
            .join(Membership, Membership.school_id == School.id)
            .where(Membership.user_id == user.id, others == 0)
            .order_by(School.name)
        )
    )


def assign_coordinator(school: School, ki_user: User, email: str) -> User | None:
    """KI staff add an existing coordinator account directly; returns None when an invitation was sent instead."""
    from ..auth.services import normalize_email

    existing = db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))
    if existing is None or existing.role != Role.COORDINATOR:
        invite_coordinator(school, ki_user, email)
        return None
    with write_transaction():
        if school.id not in membership_school_ids_fresh(existing):
            db.session.add(Membership(user_id=existing.id, school_id=school.id))
            _log(school, EventKind.COORDINATORS, ki_user, _("%(name)s now coordinates the school", name=existing.name))
    return existing
