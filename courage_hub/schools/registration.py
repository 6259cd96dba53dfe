"""Registering a school and the KI's decision on it: a school number only once, a unique web address,
the mails a registration sends, approval and rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from ..access.scope import within
from ..auth.models import Role, TokenPurpose, User
from ..core import audit
from ..core.db import write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.passwords import hash_password
from ..core.text import slugify
from ..extensions import db
from ..regions.models import Region
from ..regions.services import region_for_municipality, reply_to_address, staff_emails
from .models import (
    Approval,
    EventKind,
    Membership,
    School,
    SchoolStatus,
)
from .services import RuleViolation, _log


def pending_registrations(region_ids: frozenset[int] | None) -> list[School]:
    """The registrations waiting for the offices of ``region_ids`` (see access/scope.py)."""
    return list(
        db.session.scalars(
            select(School)
            .where(School.approval == Approval.PENDING, within(School.region_id, region_ids))
            .order_by(School.created_at, School.id)
        )
    )


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
            region_id=_region_id_for(data.municipality),
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
                    office=db.session.get(Region, school.region_id),
                    link=external_url("auth.confirm_email", token=raw),
                ),
                kind="registration",
                region_id=school.region_id,
            )
    return school


def _region_id_for(municipality: str) -> int:
    """The office that covers the school's municipality (the form offers only covered municipalities)."""
    region = region_for_municipality(municipality)
    if region is None:
        raise RuleViolation(_("No regional coordination covers this municipality yet."))
    return region.id


def _mail_ki_about_registration(school: School, registrant: User) -> None:
    """Tell every KI staff account about a new registration at once (not only in the weekly digest)."""
    body = render_template(
        "schools/mail/new_registration.txt",
        school=school,
        registrant=registrant,
        link=external_url("coordination.registrations"),
    )
    for address in staff_emails(school.region_id):
        send_mail(
            address,
            _("Courage Hub: new registration of %(school)s", school=school.name),
            body,
            kind="registration_new",
            region_id=school.region_id,
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
                region_id=school.region_id,
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
                reply_to=reply_to_address(school.region_id, user.email),  # "simply reply to the KI"
                region_id=school.region_id,
            )
