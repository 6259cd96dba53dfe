"""Never overbooked: eight schools registering at once for the last three seats get exactly three of them.

Each thread works like a separate worker (its own app context and database session) and all of them register at
the same moment (a barrier). On PostgreSQL the event row's ``SELECT … FOR UPDATE`` makes them count the confirmed
seats one after the other; a count without that lock confirms too many here. On SQLite every write transaction
takes the database's write lock (``BEGIN IMMEDIATE``), which shows that no writer fails with "database is locked".
Run it on both: ``COURAGE_HUB_TEST_DB=postgres TEST_DATABASE_URL=… pytest tests/test_events_concurrency.py``.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from courage_hub.events import services
from courage_hub.events.models import Event, EventRegistration, RegistrationStatus
from courage_hub.extensions import db as _db
from courage_hub.schools.models import School

from . import factories

THREADS = 8


def test_eight_schools_racing_for_the_last_three_seats_get_exactly_three(app, db, users):
    event = factories.EventFactory(capacity=20)
    for _n in range(17):  # 17 of 20 seats taken: three left
        factories.EventRegistrationFactory(event=event, school=factories.SchoolFactory(), pupils=1, adults=0)
    racers = []
    for n in range(THREADS):
        school = factories.SchoolFactory(name=f"Schule im Wettlauf {n}")
        coordinator = factories.UserFactory(email=f"wettlauf{n}@schule.example")
        factories.MembershipFactory(user=coordinator, school=school)
        racers.append((school.id, coordinator.id))
    event_id = event.id
    barrier = threading.Barrier(THREADS, timeout=60)
    failures: list[BaseException] = []

    def register(school_id: int, user_id: int) -> None:
        try:
            with app.app_context():
                from courage_hub.auth.models import User

                event = _db.session.get(Event, event_id)
                school = _db.session.get(School, school_id)
                user = _db.session.get(User, user_id)
                _db.session.commit()  # end the read: every thread writes from a fresh transaction
                barrier.wait()
                services.register(event, school, user, services.Seats(pupils=1, adults=0))
                _db.session.remove()
        except BaseException as error:  # collected and asserted below
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=register, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures

    _db.session.rollback()  # a fresh snapshot after the threads committed
    racing_ids = [school_id for school_id, _user in racers]
    statuses = list(
        _db.session.scalars(select(EventRegistration.status).where(EventRegistration.school_id.in_(racing_ids)))
    )
    assert len(statuses) == THREADS
    assert statuses.count(RegistrationStatus.CONFIRMED) == 3
    assert statuses.count(RegistrationStatus.WAITING) == THREADS - 3
    assert services.confirmed_seats(_db.session.get(Event, event_id)) == 20
    # The waiting list is in the order the registrations came in, positions 1 … 5 without gaps.
    waiting = _db.session.scalars(
        select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.status == RegistrationStatus.WAITING
        )
    ).all()
    assert sorted(services.waiting_position(r) for r in waiting) == [1, 2, 3, 4, 5]
