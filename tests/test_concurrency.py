"""Concurrent writers: no "database is locked", no lost update, every conflict detected and resolved.

Every thread works as a separate worker would: its own app context and database session, or its own client
going through the whole request path. The threads move in lockstep rounds: each reads what a form would show,
waits at a barrier for the others, and then all write at once, on the same object and the same version. So
every round is a real race, and each test asserts both that races happened (conflicts counted) and the exact
state they had to leave behind.

On PostgreSQL these tests prove the atomic statements: the counter's ``UPDATE … SET n = n + 1``, the conditional
version UPDATE of optimistic locking, the row lock before a status change, the advisory lock of the download
window. Replaced by a read-modify-write, each of them fails its test here. On SQLite every write transaction
starts with ``BEGIN IMMEDIATE`` and takes the database's write lock, so writers run one after the other and even a
read-modify-write would pass: there the same tests prove the serialisation itself (no writer fails with "database
is locked", each waits its turn and then sees the committed state), which is all SQLite can show.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from courage_hub.activities import services as activity_services
from courage_hub.activities.models import Activity
from courage_hub.auth import services as auth_services
from courage_hub.auth.models import TokenPurpose, User
from courage_hub.core.db import EditConflict, write_transaction
from courage_hub.core.models import AuditEntry
from courage_hub.core.passwords import verify_password
from courage_hub.extensions import db as _db
from courage_hub.materials import services as material_services
from courage_hub.materials.models import Material
from courage_hub.schools import coordinators as school_coordinators
from courage_hub.schools import services as school_services
from courage_hub.schools.models import EventKind, Membership, School, SchoolEvent, SchoolStatus

from .conftest import DB_KIND
from .factories import ActivityFactory, MaterialFactory

THREADS = 8
ROUNDS = 40  # lockstep rounds where all threads race for one object: each round ends in a known state

Together = Callable[[], None]


def in_lockstep(app: Flask, rounds: int, step: Callable[[int, int, Together], None]) -> list[BaseException]:
    """Run ``step(thread, round, together)`` for each round in THREADS threads; return what they raised.

    Each thread has its own app context (its own database session). A step prepares (reads the version a form
    would show), calls ``together()`` and then writes: ``together`` releases all threads of the round at once.
    A thread starts the next round only when every thread has finished this one.
    """
    barrier = threading.Barrier(THREADS, timeout=120)
    failures: list[BaseException] = []

    def runner(number: int) -> None:
        try:
            with app.app_context():
                for round_number in range(rounds):
                    step(number, round_number, barrier.wait)
        except BaseException as error:  # collected and asserted by the test
            failures.append(error)
            barrier.abort()  # the others stop at their next barrier instead of waiting for this thread

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def fresh_read(db) -> None:
    """End the test's own transaction, so that it sees what the threads committed."""
    db.session.rollback()
    db.session.expire_all()


def overlapping_calls(calls: list[tuple[float, float]]) -> int:
    """How many calls began before the previous one (by start time) had returned: proof that calls ran at once."""
    ordered = sorted(calls)
    return sum(1 for (_, first_end), (second_start, _) in pairwise(ordered) if second_start < first_end)


# --- downloads -------------------------------------------------------------------------------------------------


def test_concurrent_downloads_by_different_readers_through_the_site_are_all_counted(app, db, users):
    """Every round eight readers fetch the file at once: the counter ends at exactly one per reader."""
    material_id = MaterialFactory(school=users["school_a"]).id
    statuses: list[int] = []
    rounds = ROUNDS // 2

    def download(number: int, round_number: int, together: Together) -> None:
        client = FlaskClient(app, app.response_class, use_cookies=True)
        reader = {"User-Agent": f"Mozilla/5.0 Reader/{round_number}.{number}"}  # a new reader each request
        together()
        statuses.append(client.get(f"/materialien/{material_id}/datei", headers=reader).status_code)

    assert in_lockstep(app, rounds, download) == []
    assert len(statuses) == THREADS * rounds and set(statuses) == {303}  # never a 503 for a locked database
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == THREADS * rounds


def test_concurrent_downloads_by_one_reader_count_once_per_window(app, db, users):
    """Every round one reader's eight simultaneous requests (a double click, a resumed download) count once."""
    material_id = MaterialFactory(school=users["school_a"]).id
    statuses: list[int] = []
    rounds = ROUNDS // 2

    def download(_number: int, round_number: int, together: Together) -> None:
        client = FlaskClient(app, app.response_class, use_cookies=True)
        reader = {"User-Agent": f"Firefox/{round_number}"}  # the same reader for all threads of this round
        together()
        statuses.append(client.get(f"/materialien/{material_id}/datei", headers=reader).status_code)

    assert in_lockstep(app, rounds, download) == []
    assert len(statuses) == THREADS * rounds and set(statuses) == {303}
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == rounds  # one per reader, not one per request


def test_concurrent_download_counts_lose_no_update(app, db, users):
    """Counted downloads, eight at a time on one row, add up exactly: the increment is one atomic UPDATE."""
    material_id = MaterialFactory(school=users["school_a"]).id
    calls: list[tuple[float, float]] = []

    def count(_number: int, _round: int, together: Together) -> None:
        together()
        started = time.perf_counter()
        material_services.count_download(material_id)
        calls.append((started, time.perf_counter()))

    assert in_lockstep(app, 2 * ROUNDS, count) == []
    assert overlapping_calls(calls) > 0  # the increments really ran at the same time
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == THREADS * 2 * ROUNDS


@pytest.mark.skipif(DB_KIND != "sqlite", reason="PostgreSQL runs write transactions side by side")
def test_sqlite_write_transactions_run_one_after_the_other(app, db, users):
    """On SQLite each write transaction holds the database's write lock from its first statement to its commit.

    So eight writers that start together still run one after the other: their locked spans never overlap, none
    fails with "database is locked", and even a read-modify-write (which the code avoids) loses no update.
    """
    material_id = MaterialFactory(school=users["school_a"]).id
    calls: list[tuple[float, float]] = []
    locked: list[tuple[float, float]] = []  # from the first read (lock taken) to just before the commit

    def increment(_number: int, _round: int, together: Together) -> None:
        together()
        started = time.perf_counter()
        with write_transaction():
            material = _db.session.get(Material, material_id, populate_existing=True)
            read = time.perf_counter()
            material.download_count += 1
            _db.session.flush()
            locked.append((read, time.perf_counter()))
        calls.append((started, time.perf_counter()))

    assert in_lockstep(app, ROUNDS, increment) == []
    assert overlapping_calls(calls) > 0  # the writers did start at the same time
    assert overlapping_calls(locked) == 0  # but held the lock one after the other
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == THREADS * ROUNDS


# --- new reports -----------------------------------------------------------------------------------------------


def report_data(title: str) -> activity_services.ActivityData:
    return activity_services.ActivityData(
        title=title,
        start_date=date(2025, 11, 9),
        end_date=None,
        activity_type="Workshop",
        topics=["Rassismus", "Antisemitismus"],
        description="Gleichzeitig gespeichert.",
        groups="",
        participants=25,
        partners="",
        links="",
        counts_as_project=True,
        photo_consent=False,
    )


def test_concurrent_new_reports_are_all_saved(app, db, users):
    school_id, user_id = users["school_a"].id, users["coord_a"].id

    def report(number: int, round_number: int, together: Together) -> None:
        school, user = _db.session.get(School, school_id), _db.session.get(User, user_id)
        together()
        data = report_data(f"T{number}-{round_number}")
        activity_services.create_activity(school, user, data, publish=round_number % 2 == 0)

    assert in_lockstep(app, ROUNDS, report) == []
    fresh_read(db)
    titles = db.session.scalars(select(Activity.title).where(Activity.school_id == school_id)).all()
    assert sorted(titles) == sorted(f"T{t}-{n}" for t in range(THREADS) for n in range(ROUNDS))


# --- edits with optimistic locking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditFlow:
    """An edit form with a version field: open it (object, version), save a text, read the saved text back."""

    name: str
    create: Callable[[dict], int]
    open: Callable[[int], tuple[object, int]]
    save: Callable[[object, int, str, dict], None]  # (object, version, text, user ids)
    conflict: type[Exception]
    saved: Callable[[int], tuple[int, str]]  # (version, text) as stored


def _material_data(title: str) -> material_services.MaterialData:
    return material_services.MaterialData(
        title=title,
        description="Gleichzeitig bearbeitet.",
        topics=["Rassismus"],
        levels=[],
        material_type="Arbeitsblatt",
        licence="cc-by",
        attribution="SV der Schule",
        language="de",
        tags="",
    )


def _open_activity(activity_id: int) -> tuple[object, int]:
    activity = activity_services.get_activity(activity_id)
    return activity, activity.version


def _open_material(material_id: int) -> tuple[object, int]:
    material = material_services.get_material(material_id)
    return material, material.version


def _open_profile(school_id: int) -> tuple[object, int]:
    school = _db.session.get(School, school_id)
    return school, school.profile_version


def _stored(model: type, column: str, text: str) -> Callable[[int], tuple[int, str]]:
    def read(object_id: int) -> tuple[int, str]:
        row = _db.session.get(model, object_id)
        return getattr(row, column), getattr(row, text)

    return read


EDIT_FLOWS = [
    EditFlow(
        "report",
        lambda users: ActivityFactory(school=users["school_a"]).id,
        _open_activity,
        lambda activity, version, text, ids: activity_services.update_activity(
            activity, _db.session.get(User, ids["coord_a"]), report_data(text), version, publish=True
        ),
        EditConflict,
        _stored(Activity, "version", "title"),
    ),
    EditFlow(
        "material",
        lambda users: MaterialFactory(school=None).id,
        _open_material,
        lambda material, version, text, ids: material_services.update_material(
            material, _db.session.get(User, ids["ki"]), _material_data(text), version
        ),
        EditConflict,
        _stored(Material, "version", "title"),
    ),
    EditFlow(
        "school profile",
        lambda users: users["school_a"].id,
        _open_profile,
        lambda school, version, text, ids: school_services.update_profile(school, version, {"description": text}),
        EditConflict,
        _stored(School, "profile_version", "description"),
    ),
]


@pytest.mark.parametrize("flow", EDIT_FLOWS, ids=lambda flow: flow.name)
def test_concurrent_edits_with_one_version_let_exactly_one_save_win(app, db, users, flow: EditFlow):
    """Each round eight editors save forms opened at the same version: one save wins, seven get the conflict.

    The winners' versions run without a gap or a repeat, and the stored text is the last winner's: no save was
    lost and none overwrote another silently.
    """
    object_id = flow.create(users)
    ids = {role: users[role].id for role in ("coord_a", "ki")}
    saved: list[tuple[int, int, str]] = []  # (round, version the form held, text) of each successful save
    conflicts: list[int] = []  # round of each save refused as a conflict

    def edit(number: int, round_number: int, together: Together) -> None:
        _db.session.rollback()  # a fresh form: read the current version
        row, version = flow.open(object_id)
        text = f"R{round_number}-T{number}"
        together()
        try:
            flow.save(row, version, text, ids)
        except flow.conflict:
            conflicts.append(round_number)
        else:
            saved.append((round_number, version, text))

    fresh_read(db)
    first_version, _ = flow.saved(object_id)
    assert in_lockstep(app, ROUNDS, edit) == []
    # Every round: all eight held the same version, so exactly one won and the others were told of the conflict.
    assert Counter(round_number for round_number, _, _ in saved) == dict.fromkeys(range(ROUNDS), 1)
    assert Counter(conflicts) == dict.fromkeys(range(ROUNDS), THREADS - 1)
    assert len(conflicts) > 0
    # Each win moved the version on by exactly one, from the version its form held: no two wins on one version.
    assert sorted(version for _, version, _ in saved) == list(range(first_version, first_version + ROUNDS))
    fresh_read(db)
    last_version, last_text = max(saved, key=lambda save: save[1])[1:]
    assert flow.saved(object_id) == (first_version + ROUNDS, last_text) == (last_version + 1, last_text)


# --- status changes --------------------------------------------------------------------------------------------


def test_concurrent_status_changes_leave_one_unbroken_timeline(app, db, users):
    """Each round eight KI staff move the school to the same status at once: one move, seven find it done.

    All eight saw the old status before they acted; the row lock (PostgreSQL) or the write lock (SQLite) makes
    all but the first re-read the new status under the lock and record nothing. The timeline gets exactly one
    entry per round and each entry starts where the one before ended.
    """
    school_id, ki_id = users["school_a"].id, users["ki"].id
    targets = (SchoolStatus.VORBEREITUNG, SchoolStatus.AUFGENOMMEN)
    calls: list[str] = []  # the note of each change, made while the page still showed the old status

    def change(number: int, round_number: int, together: Together) -> None:
        _db.session.rollback()
        ki, school = _db.session.get(User, ki_id), _db.session.get(School, school_id)
        target = targets[round_number % 2]
        assert school.status != target  # what this editor's page shows: the move is still to be made
        together()
        note = f"R{round_number}-T{number}"
        school_services.set_status_by_ki(school, ki, target, note)
        calls.append(note)

    fresh_read(db)
    first_status = db.session.get(School, school_id).status
    assert first_status != targets[0]
    assert in_lockstep(app, ROUNDS, change) == []
    fresh_read(db)
    events = db.session.scalars(
        select(SchoolEvent)
        .where(SchoolEvent.school_id == school_id, SchoolEvent.kind == EventKind.STATUS)
        .order_by(SchoolEvent.id)
    ).all()
    rounds_recorded = Counter(int(event.note.split("-")[0][1:]) for event in events)
    assert rounds_recorded == dict.fromkeys(range(ROUNDS), 1)  # one move per round, never two from one status
    # The conflicts: changes from a status that another writer had moved meanwhile, found done under the lock.
    resolved = set(calls) - {event.note for event in events}
    assert len(calls) == THREADS * ROUNDS and len(resolved) == (THREADS - 1) * ROUNDS > 0
    assert events[0].from_status == first_status
    for before, after in pairwise(events):
        assert after.from_status == before.to_status != after.to_status
    assert [event.to_status for event in events] == [targets[n % 2] for n in range(ROUNDS)]
    assert events[-1].to_status == db.session.get(School, school_id).status
    # The audit log, written in the same transaction, holds the same moves: one entry each, no more.
    audited = db.session.scalars(
        select(AuditEntry.after).where(AuditEntry.action == "school.status").order_by(AuditEntry.id)
    ).all()
    assert [entry["note"] for entry in audited] == [event.note for event in events]
    assert db.session.scalar(select(func.count()).select_from(School).where(School.id == school_id)) == 1


# --- single-use links ------------------------------------------------------------------------------------------


def test_one_reset_link_used_at_once_sets_one_password(app, db, users):
    """Eight requests bring the same reset link at once: one sets its password, the link is spent for the rest."""
    user_id, rounds = users["coord_a"].id, ROUNDS // 4
    with write_transaction():
        user = db.session.get(User, user_id)
        links = [
            auth_services.issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1)) for _ in range(rounds)
        ]
    winners: list[tuple[int, str]] = []  # (round, password) of each use that was accepted

    def use(number: int, round_number: int, together: Together) -> None:
        _db.session.rollback()
        password = f"Neues Passwort {round_number}-{number}"
        together()
        if auth_services.set_password_with_token(links[round_number], (TokenPurpose.PASSWORD_RESET,), password):
            winners.append((round_number, password))

    assert in_lockstep(app, rounds, use) == []
    assert Counter(round_number for round_number, _ in winners) == dict.fromkeys(range(rounds), 1)
    fresh_read(db)
    assert verify_password(db.session.get(User, user_id).password_hash, max(winners)[1])


def test_one_invitation_accepted_at_once_creates_one_account(app, db, users):
    """Eight requests accept the same invitation at once: one account and membership, seven "no longer valid"."""
    school, rounds = users["school_a"], ROUNDS // 8
    links = [
        school_coordinators.invite_coordinator(school, users["ki"], f"neu{n}@schule.example") for n in range(rounds)
    ]
    accepted: list[int] = []
    refused: list[int] = []

    def accept(number: int, round_number: int, together: Together) -> None:
        _db.session.rollback()
        together()
        try:
            school_coordinators.accept_invitation(
                links[round_number], None, name=f"Neu {number}", password="Ein Passwort!"
            )
        except school_services.RuleViolation:
            refused.append(round_number)
        else:
            accepted.append(round_number)

    assert in_lockstep(app, rounds, accept) == []
    assert Counter(accepted) == dict.fromkeys(range(rounds), 1)
    assert Counter(refused) == dict.fromkeys(range(rounds), THREADS - 1)
    fresh_read(db)
    emails = db.session.scalars(select(User.email).where(User.email.like("neu%@schule.example"))).all()
    assert sorted(emails) == sorted(f"neu{n}@schule.example" for n in range(rounds))
    members = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.school_id == school.id))
    assert members == 1 + rounds  # coordinator A and one new coordinator per invitation
