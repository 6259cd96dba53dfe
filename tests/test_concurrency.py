"""8 threads × 200 writes at once: no "database is locked", no lost update (SQLite file and PostgreSQL alike).

Every thread works as a separate worker would: its own app context and database session, or its own client
going through the whole request path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from courage_hub.activities import services as activity_services
from courage_hub.activities.models import Activity
from courage_hub.auth.models import User
from courage_hub.core.db import EditConflict
from courage_hub.extensions import db as _db
from courage_hub.materials.models import Material
from courage_hub.schools import services as school_services
from courage_hub.schools.models import EventKind, School, SchoolEvent, SchoolStatus

from .factories import ActivityFactory, MaterialFactory

THREADS = 8
WRITES = 200


def run_threads(app: Flask, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(thread_number)`` in THREADS threads that start together; return what they raised."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def runner(number: int) -> None:
        try:
            start.wait()
            work(number)
        except BaseException as error:  # collected and asserted by the test
            failures.append(error)

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


def test_concurrent_downloads_through_the_site_are_all_counted(app, db, users):
    material_id = MaterialFactory(school=users["school_a"]).id
    statuses: list[int] = []

    def download(number: int) -> None:
        client = FlaskClient(app, app.response_class, use_cookies=True)
        for n in range(WRITES):
            # Each request as another reader: the same reader would count once (see the next test).
            reader = {"User-Agent": f"Mozilla/5.0 Reader/{number}.{n}"}
            statuses.append(client.get(f"/materialien/{material_id}/datei", headers=reader).status_code)

    assert run_threads(app, download) == []
    assert len(statuses) == THREADS * WRITES and set(statuses) == {303}  # never a 503 for a locked database
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == THREADS * WRITES


def test_concurrent_downloads_by_one_reader_count_once(app, db, users):
    material_id = MaterialFactory(school=users["school_a"]).id
    statuses: list[int] = []

    def download(_number: int) -> None:
        client = FlaskClient(app, app.response_class, use_cookies=True)
        for _ in range(WRITES // 10):
            statuses.append(
                client.get(f"/materialien/{material_id}/datei", headers={"User-Agent": "Firefox"}).status_code
            )

    assert run_threads(app, download) == []
    assert len(statuses) == THREADS * WRITES // 10 and set(statuses) == {303}
    fresh_read(db)
    assert db.session.get(Material, material_id).download_count == 1


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

    def report(number: int) -> None:
        with app.app_context():
            school, user = _db.session.get(School, school_id), _db.session.get(User, user_id)
            for n in range(WRITES):
                activity_services.create_activity(school, user, report_data(f"T{number}-{n}"), publish=n % 2 == 0)

    assert run_threads(app, report) == []
    fresh_read(db)
    titles = set(db.session.scalars(select(Activity.title).where(Activity.school_id == school_id)))
    assert titles == {f"T{t}-{n}" for t in range(THREADS) for n in range(WRITES)}


def test_concurrent_edits_of_one_report_never_overwrite_each_other_silently(app, db, users):
    activity_id = ActivityFactory(school=users["school_a"]).id
    user_id = users["coord_a"].id
    saved, conflicts = [], []

    def edit(number: int) -> None:
        with app.app_context():
            user = _db.session.get(User, user_id)
            for n in range(WRITES):
                _db.session.rollback()  # a fresh form: read the current version
                activity = activity_services.get_activity(activity_id)
                try:
                    activity_services.update_activity(
                        activity, user, report_data(f"T{number}-{n}"), activity.version, publish=True
                    )
                    saved.append(f"T{number}-{n}")
                except EditConflict:
                    conflicts.append(n)

    assert run_threads(app, edit) == []
    fresh_read(db)
    activity = db.session.get(Activity, activity_id)
    assert len(saved) + len(conflicts) == THREADS * WRITES
    # Every save that was not refused as a conflict moved the version on by exactly one: none was lost.
    assert activity.version == 1 + len(saved)
    assert activity.title == saved[-1] or activity.title in saved


def test_concurrent_status_changes_leave_one_unbroken_timeline(app, db, users):
    school_id, ki_id = users["school_a"].id, users["ki"].id
    targets = (SchoolStatus.VORBEREITUNG, SchoolStatus.AUFGENOMMEN)

    def change(number: int) -> None:
        with app.app_context():
            ki = _db.session.get(User, ki_id)
            for n in range(WRITES):
                school = _db.session.get(School, school_id)
                school_services.set_status_by_ki(school, ki, targets[(number + n) % 2], f"T{number}-{n}")

    assert run_threads(app, change) == []
    fresh_read(db)
    events = db.session.scalars(
        select(SchoolEvent)
        .where(SchoolEvent.school_id == school_id, SchoolEvent.kind == EventKind.STATUS)
        .order_by(SchoolEvent.id)
    ).all()
    assert len(events) > 1
    # Each change starts where the one before ended: two writers never both moved the school from the same status.
    for before, after in pairwise(events):
        assert after.from_status == before.to_status != after.to_status
    assert events[-1].to_status == db.session.get(School, school_id).status
    assert db.session.scalar(select(func.count()).select_from(School).where(School.id == school_id)) == 1
