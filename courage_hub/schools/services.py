"""Domain rules for schools: the joining process (with the 70 % rule), registration, coordinators, profiles."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, timedelta

from flask import current_app, g, render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import Role, TokenPurpose, User
from ..core import audit
from ..core.db import claim_once, claim_version, utcnow, write_transaction
from ..core.images import delete_stored, store_png
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.pagination import cached_count
from ..core.passwords import hash_password
from ..core.schoolyear import local_today
from ..core.text import slugify
from ..core.tokens import hash_token, new_link_token
from ..extensions import db
from .models import (
    Approval,
    Ballot,
    EventKind,
    Membership,
    Patron,
    School,
    SchoolEvent,
    SchoolInvitation,
    SchoolStatus,
)
from .process import BALLOT_THRESHOLD_PERCENT, ballot_passes, ballot_problem
from .steps import coordinator_move_problem
from .steps import is_before as _is_before

INVITATION_DAYS = 7


class RuleViolation(Exception):
    """A change the data does not support; ``message`` explains it in German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_percent(value: float) -> str:
    return format_decimal(round(value, 2), format="#,##0.00") + " %"


# --- reading ---------------------------------------------------------------------------------------------------


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


@dataclass
class DirectoryFilter:
    q: str = ""
    municipality: str = ""
    school_type: str = ""
    status: str = ""


def directory_page(
    filters: DirectoryFilter, page: int, per_page: int = 20, *, internal: bool = False
) -> tuple[list[School], int]:
    """One page of the directory and the total count, filtered and searched in SQL.

    The public sees only public schools; ``internal`` (KI staff) lists every registered school.
    """
    conditions = [School.approval != Approval.REJECTED] if internal else [School.is_public]
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        conditions.append(func.lower(School.name).like(pattern))
    if filters.municipality:
        conditions.append(School.municipality == filters.municipality)
    if filters.school_type:
        conditions.append(School.school_type == filters.school_type)
    if filters.status in {s.value for s in SchoolStatus}:
        conditions.append(School.status == SchoolStatus(filters.status))
    count = select(func.count(School.id)).where(*conditions)
    # The KI's list is always exact; the public one reuses large totals for a minute.
    total = (
        (db.session.scalar(count) or 0) if internal else cached_count(("schools.directory", astuple(filters)), count)
    )
    rows = db.session.scalars(
        select(School)
        .where(*conditions)
        .options(selectinload(School.patron))
        .order_by(School.name, School.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def school_by_slug(slug: str) -> School | None:
    return db.session.scalar(select(School).where(School.slug == slug).options(selectinload(School.patron)))


def timeline(school: School, *, include_internal: bool) -> list[SchoolEvent]:
    query = (
        select(SchoolEvent)
        .where(SchoolEvent.school_id == school.id)
        .options(selectinload(SchoolEvent.user))
        .order_by(SchoolEvent.created_at.desc(), SchoolEvent.id.desc())
    )
    if not include_internal:
        query = query.where(SchoolEvent.internal.is_(False))
    return list(db.session.scalars(query))


def ballots(school: School) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.school_id == school.id).order_by(Ballot.held_on.desc())))


def coordinators(school: School) -> list[User]:
    return list(
        db.session.scalars(select(User).join(Membership).where(Membership.school_id == school.id).order_by(User.name))
    )


def pending_registrations() -> list[School]:
    return list(
        db.session.scalars(
            select(School).where(School.approval == Approval.PENDING).order_by(School.created_at, School.id)
        )
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


# --- the joining process ---------------------------------------------------------------------------------------


def _log(school: School, kind: EventKind, user: User | None, note: str = "", **fields) -> None:
    db.session.add(SchoolEvent(school_id=school.id, kind=kind, user_id=user.id if user else None, note=note, **fields))


def _lock(school: School) -> None:
    """Re-read the school's status under a row lock, so that two simultaneous changes happen one after the other.

    PostgreSQL locks the row (SELECT … FOR UPDATE); SQLite's write transaction already holds the database lock.
    Without it, two requests could both see the old status and both record the same move.
    """
    db.session.refresh(school, ["status"], with_for_update=True)


def _move(school: School, to: SchoolStatus, user: User | None, note: str) -> None:
    """Change the status and record it in the timeline (the caller is inside a write transaction)."""
    if school.status == to:
        return
    _log(school, EventKind.STATUS, user, note, from_status=school.status, to_status=to)
    school.status = to
    if to == SchoolStatus.AUFGENOMMEN and school.admitted_on is None:
        school.admitted_on = admission_date(school, None)
    if to == SchoolStatus.AUFGENOMMEN:
        _mail_admission(school)


def admission_date(school: School, entered: date | None) -> date:
    """The day the school became a member: as entered by the KI, else its admission ceremony's day, else today.

    "Mitglied seit" shows it; it is not the day someone clicked the status (that day is in the timeline).
    """
    return entered or school.ceremony_date or local_today()


def ceremony_before_admission(school: School) -> bool:
    """A ceremony dated before the admission is probably a typing error: the page warns about it."""
    return bool(school.ceremony_date and school.admitted_on and school.ceremony_date < school.admitted_on)


def _mail_admission(school: School) -> None:
    """Tell the school's active coordinators that the school is now a member (queued with the status change)."""
    for person in coordinators(school):
        if not person.is_active:
            continue
        send_mail(
            person.email,
            _("Courage Hub: %(school)s has been admitted to the network", school=school.name),
            render_template(
                "schools/mail/admitted.txt",
                user=person,
                school=school,
                link=external_url("schools.manage", slug=school.slug),
            ),
            kind="school_admitted",
        )


def passed_ballot(school: School) -> Ballot | None:
    return next((b for b in ballots(school) if b.passed), None)


def set_status_by_ki(
    school: School, user: User, target: SchoolStatus, note: str, *, admitted_on: date | None = None
) -> None:
    """KI staff may set any status; the note says why. With "aufgenommen" they may give the admission date."""
    with write_transaction():
        _lock(school)
        before = school.status
        if target == SchoolStatus.AUFGENOMMEN and admitted_on is not None:
            school.admitted_on = admission_date(school, admitted_on)  # also corrects the date of a member school
        _move(school, target, user, note.strip())
        if before != target:
            audit.record(
                "school.status",
                school,
                summary=school.name,
                before={"status": before.value},
                after={"status": target.value, "note": note.strip()},
                user=user,
            )


def advance_by_coordinator(school: School, user: User, target: SchoolStatus) -> None:
    """A coordinator moves the school one step forward when the recorded data supports it."""
    with write_transaction():
        _lock(school)
        problem = coordinator_move_problem(school, target)
        if problem:
            raise RuleViolation(problem)
        _move(school, target, user, "")


def record_ballot(
    school: School, user: User, *, held_on: date, eligible: int, yes: int, no: int, invalid: int
) -> Ballot:
    """Store a ballot's totals; a passing ballot moves an earlier school to "Abstimmung erfolgreich"."""
    problem = ballot_problem(eligible, yes, no, invalid, held_on, local_today())
    if problem:
        raise RuleViolation(problem)
    with write_transaction():
        _lock(school)
        ballot = Ballot(
            school_id=school.id,
            held_on=held_on,
            eligible=eligible,
            yes=yes,
            no=no,
            invalid=invalid,
            recorded_by_id=user.id,
        )
        db.session.add(ballot)
        share = format_percent(100.0 * yes / eligible)
        passed = ballot_passes(yes, eligible)
        verdict = _("passed") if passed else _("not passed (%(percent)d %% needed)", percent=BALLOT_THRESHOLD_PERCENT)
        when = held_on.strftime("%d.%m.%Y")
        _log(
            school,
            EventKind.BALLOT,
            user,
            _("Ballot of %(date)s: %(share)s yes – %(verdict)s", date=when, share=share, verdict=verdict),
        )
        if passed and _is_before(school.status, SchoolStatus.ABSTIMMUNG_ERFOLGREICH):
            note = _("%(share)s of everyone at the school agreed.", share=share)
            _move(school, SchoolStatus.ABSTIMMUNG_ERFOLGREICH, user, note)
    return ballot


def save_patron(
    school: School, user: User, *, name: str, organisation: str, confirmed_on: date | None, show_publicly: bool
) -> Patron:
    """Record the patron; a school that was only interested is now preparing."""
    if confirmed_on and confirmed_on > local_today():
        raise RuleViolation(_("The confirmation date must not be in the future."))
    with write_transaction():
        _lock(school)
        patron = school.patron
        if patron is None:
            patron = Patron(school_id=school.id)
            db.session.add(patron)
        patron.name, patron.organisation = name.strip(), organisation.strip()
        patron.confirmed_on, patron.show_publicly = confirmed_on, show_publicly
        _log(school, EventKind.PATRON, user, _("Patron: %(name)s", name=patron.name))
        if school.status == SchoolStatus.INTERESSE:
            _move(school, SchoolStatus.VORBEREITUNG, user, _("The school has found a patron."))
    return patron


def record_application(school: School, user: User, application_date: date) -> None:
    """Record when the application went to the Bundeskoordination; moves to "Antrag gestellt" if the data allows."""
    if application_date > local_today():
        raise RuleViolation(_("The date of the application must not be in the future."))
    with write_transaction():
        _lock(school)
        school.application_date = application_date
        if _is_before(school.status, SchoolStatus.ANTRAG_GESTELLT):
            problem = coordinator_move_problem(school, SchoolStatus.ANTRAG_GESTELLT)
            if problem:
                raise RuleViolation(problem)  # the rollback restores the old date
            _move(school, SchoolStatus.ANTRAG_GESTELLT, user, "")
        when = application_date.strftime("%d.%m.%Y")
        _log(school, EventKind.APPLICATION, user, _("Application sent on %(date)s", date=when))


def save_ceremony(school: School, user: User, *, ceremony_date: date | None, held: bool, note: str) -> None:
    """Record the planned or held admission ceremony; a member school without admission date takes its day."""
    with write_transaction():
        school.ceremony_date, school.ceremony_held, school.ceremony_note = ceremony_date, held, note.strip()
        if school.status == SchoolStatus.AUFGENOMMEN and school.admitted_on is None and ceremony_date:
            school.admitted_on = ceremony_date
        when = ceremony_date.strftime("%d.%m.%Y") if ceremony_date else _("no date yet")
        if held:
            text = _("Admission ceremony held on %(date)s", date=when)
        else:
            text = _("Admission ceremony planned: %(date)s", date=when)
        _log(school, EventKind.CEREMONY, user, text)


def set_contact_flag(school: School, user: User, *, flagged: bool, reason: str) -> None:
    """The KI's internal "Kontakt nötig" flag; never shown publicly."""
    with write_transaction():
        before = {"needs_contact": school.needs_contact, "reason": school.needs_contact_reason}
        school.needs_contact, school.needs_contact_reason = flagged, reason.strip() if flagged else ""
        audit.record(
            "school.contact_flag",
            school,
            summary=school.name,
            before=before,
            after={"needs_contact": flagged, "reason": school.needs_contact_reason},
            user=user,
        )
        text = _("Contact needed: %(reason)s", reason=reason.strip()) if flagged else _("Contact flag cleared")
        _log(school, EventKind.CONTACT_FLAG, user, text, internal=True)


# --- registration ----------------------------------------------------------------------------------------------


def schulnummer_taken(number: str) -> bool:
    return db.session.scalar(select(School.id).where(School.schulnummer == number)) is not None


def unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(select(School.slug).where(School.slug.like(base + "%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass
class Registration:
    name: str
    schulnummer: str
    school_type: str
    municipality: str
    street: str
    postcode: str
    public_email: str | None
    website: str | None
    person_name: str
    person_email: str
    password: str | None  # None when a signed-in coordinator registers another school


def register_school(data: Registration, signed_in: User | None) -> School | None:
    """Create a pending school with its first coordinator; a new account must confirm its e-mail address.

    If the address already has an account (and nobody is signed in), nothing is created: its owner gets a mail
    saying how to register the school from the account, and the caller answers as for a new address (None).
    """
    from ..auth.services import find_user_by_email, issue_token, normalize_email

    if signed_in is None:
        existing = find_user_by_email(data.person_email)
        if existing is not None:
            hash_password(data.password or "")  # the same work as for a new account: no timing difference
            _mail_existing_account(existing, data)
            return None
    with write_transaction():
        if schulnummer_taken(data.schulnummer):
            raise RuleViolation(duplicate_schulnummer_message())
        school = School(
            name=data.name.strip(),
            slug=unique_slug(data.name),
            schulnummer=data.schulnummer,
            school_type=data.school_type,
            municipality=data.municipality,
            street=data.street.strip(),
            postcode=data.postcode.strip(),
            public_email=data.public_email or None,
            website=data.website or None,
            approval=Approval.PENDING,
            status=SchoolStatus.INTERESSE,
        )
        db.session.add(school)
        raw = None
        if signed_in is not None:
            user = signed_in
        else:
            user = User(
                name=data.person_name.strip(),
                email=normalize_email(data.person_email),
                role=Role.COORDINATOR,
                password_hash=hash_password(data.password or ""),
            )
            db.session.add(user)
        db.session.flush()
        school.registered_by_id = user.id
        db.session.add(Membership(user_id=user.id, school_id=school.id))
        _log(school, EventKind.REGISTRATION, user, _("Registered by %(name)s", name=user.name))
        _mail_ki_about_registration(school, user)
        if signed_in is None:
            raw = issue_token(user, TokenPurpose.EMAIL_CONFIRMATION, timedelta(days=7))
            send_mail(
                user.email,
                _("Courage Hub: please confirm your e-mail address"),
                render_template(
                    "schools/mail/confirm_registration.txt",
                    user=user,
                    school=school,
                    link=external_url("auth.confirm_email", token=raw),
                ),
                kind="registration",
            )
    return school


def _mail_ki_about_registration(school: School, registrant: User) -> None:
    """Tell every KI staff account about a new registration at once (not only in the weekly digest)."""
    from ..auth.services import ki_staff_emails

    body = render_template(
        "schools/mail/new_registration.txt",
        school=school,
        registrant=registrant,
        link=external_url("coordination.registrations"),
    )
    for address in ki_staff_emails():
        send_mail(
            address, _("Courage Hub: new registration of %(school)s", school=school.name), body, kind="registration_new"
        )


def _mail_existing_account(user: User, data: Registration) -> None:
    send_mail(
        user.email,
        _("Courage Hub: registering a school with your account"),
        render_template(
            "schools/mail/account_exists.txt",
            user=user,
            school_name=data.name.strip(),
            login_link=external_url("auth.login"),
            register_link=external_url("schools.register"),
            reset_link=external_url("auth.forgot_password"),
        ),
        kind="account_exists",
    )


def duplicate_schulnummer_message() -> str:
    return _(
        "A school with this Schulnummer is already registered. Please contact the KI: it can add you as "
        "coordinator of that school."
    )


def _registrant(school: School) -> User | None:
    return db.session.get(User, school.registered_by_id) if school.registered_by_id else None


def approve_registration(school: School, user: User) -> None:
    with write_transaction():
        school.approval = Approval.APPROVED
        _log(school, EventKind.REGISTRATION, user, _("Registration approved by the KI"))
        audit.record("school.approve", school, summary=school.name, before={"approval": "pending"}, user=user)
        registrant = _registrant(school)
        if registrant:
            send_mail(
                registrant.email,
                _("Courage Hub: your school has been approved"),
                render_template(
                    "schools/mail/approved.txt",
                    user=registrant,
                    school=school,
                    link=external_url("schools.manage", slug=school.slug),
                ),
                kind="registration_approved",
            )


def reject_registration(school: School, user: User, reason: str) -> None:
    with write_transaction():
        school.approval = Approval.REJECTED
        school.rejection_reason = reason.strip()
        _log(school, EventKind.REGISTRATION, user, _("Registration rejected: %(reason)s", reason=reason.strip()))
        audit.record(
            "school.reject",
            school,
            summary=school.name,
            before={"approval": "pending"},
            after={"approval": "rejected", "reason": reason.strip()},
            user=user,
        )
        registrant = _registrant(school)
        if registrant:
            send_mail(
                registrant.email,
                _("Courage Hub: your registration"),
                render_template("schools/mail/rejected.txt", user=registrant, school=school, reason=reason.strip()),
                kind="registration_rejected",
                reply_to=current_app.config.get("KI_CONTACT_EMAIL") or user.email,  # "simply reply to the KI"
            )


# --- profile with optimistic locking ---------------------------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "school_type",
    "municipality",
    "street",
    "postcode",
    "public_email",
    "website",
    "description",
    "show_while_preparing",
)


def update_profile(
    school: School, expected_version: int, values: dict, *, logo_png: bytes | None = None, remove_logo: bool = False
) -> None:
    """Save profile fields, and a new (re-encoded) or removed logo, only if nobody else saved since
    ``expected_version`` (a conditional UPDATE; else EditConflict).

    This service owns the logo file's whole life: it writes the new file, saves the row, deletes the replaced file
    once the save has committed, and deletes the new file again if the save fails.
    """
    changes = {key: values[key] for key in PROFILE_FIELDS if key in values}
    new_logo = store_png("logos", logo_png) if logo_png is not None else None
    old_logo = None
    try:
        with write_transaction():
            if logo_png is not None or remove_logo:
                old_logo = db.session.scalar(select(School.logo_filename).where(School.id == school.id))
                changes["logo_filename"] = new_logo
            claim_version(School, school.id, expected_version, "profile_version", **changes, updated_at=utcnow())
    except BaseException:
        delete_stored("logos", new_logo)
        raise
    delete_stored("logos", old_logo)
    db.session.refresh(school)


# --- coordinators ----------------------------------------------------------------------------------------------


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
        if count <= 1 and not actor.is_ki_staff:
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


def kreis_municipalities() -> tuple[str, ...]:
    from .vocab import municipalities

    return municipalities(current_app.config["KREIS_NAME"])
