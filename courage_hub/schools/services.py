"""Domain rules for schools: reading (directory, profile pages, timeline), the joining process (statuses, ballots,
patron, application, ceremony) and the profile. Registration is in ``registration``, who coordinates in
``coordinators``; the storage-free rules are in ``process`` and ``steps``.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date

from flask import render_template
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core import audit
from ..core.db import claim_version, utcnow, write_transaction
from ..core.images import delete_stored, store_png
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.pagination import cached_count
from ..core.schoolyear import local_today
from ..extensions import db
from .models import (
    Approval,
    Ballot,
    EventKind,
    Membership,
    Patron,
    School,
    SchoolEvent,
    SchoolStatus,
)
from .process import BALLOT_THRESHOLD_PERCENT, ballot_passes, ballot_problem
from .steps import coordinator_move_problem
from .steps import is_before as _is_before


class RuleViolation(Exception):
    """A change the data does not support; ``message`` explains it in German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_percent(value: float) -> str:
    return format_decimal(round(value, 2), format="#,##0.00") + " %"


# --- reading ---------------------------------------------------------------------------------------------------


@dataclass
class DirectoryFilter:
    q: str = ""
    municipality: str = ""
    school_type: str = ""
    status: str = ""
    region_ids: tuple[int, ...] | None = None  # the Land or region chosen (regions.services.place); None: all


def directory_conditions(filters: DirectoryFilter, *, internal: bool = False) -> list:
    """The directory's filters and search as SQL (the page and the API). The public sees only public schools;
    ``internal`` (KI staff) every registered school."""
    conditions = [School.approval != Approval.REJECTED] if internal else [School.is_public]
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        conditions.append(func.lower(School.name).like(pattern))
    if filters.municipality:
        conditions.append(School.municipality == filters.municipality)
    if filters.school_type:
        conditions.append(School.school_type == filters.school_type)
    if filters.region_ids is not None:
        conditions.append(School.region_id.in_(filters.region_ids))
    if filters.status in {s.value for s in SchoolStatus}:
        conditions.append(School.status == SchoolStatus(filters.status))
    return conditions


def directory_page(
    filters: DirectoryFilter, page: int, per_page: int = 20, *, internal: bool = False
) -> tuple[list[School], int]:
    """One page of the directory and the total count, filtered and searched in SQL."""
    conditions = directory_conditions(filters, internal=internal)
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


def ceremony_warning(school: School) -> str | None:
    """The warning the manage page shows while the ceremony is dated before the admission; None otherwise."""
    if not ceremony_before_admission(school):
        return None
    return _(
        "The admission ceremony (%(ceremony)s) is dated before the admission (%(admitted)s). Please check both dates.",
        ceremony=format_date(school.ceremony_date),
        admitted=format_date(school.admitted_on),
    )


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
            region_id=school.region_id,
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
