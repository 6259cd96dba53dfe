"""The audit log's search (a service, so that the admin page stays a thin view)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from courage_hub.coordination.audit_log import AuditFilter, search
from courage_hub.core.models import AuditEntry


def entry(db, when: datetime, action: str = "school.status", email: str = "ki@example.org", object_id: int = 1):
    db.session.add(
        AuditEntry(created_at=when, action=action, user_email=email, object_type="schools", object_id=object_id)
    )
    db.session.commit()


def actions(filters: AuditFilter) -> list[str]:
    return [e.action for e in search(filters, 1, 50).entries]


def test_date_range_counts_whole_days_in_berlin_time(app, db):
    entry(db, datetime(2026, 3, 9, 22, 59, tzinfo=UTC), "before")  # 23:59 on 9 March in Berlin
    entry(db, datetime(2026, 3, 9, 23, 0, tzinfo=UTC), "first")  # 00:00 on 10 March in Berlin
    entry(db, datetime(2026, 3, 10, 22, 59, tzinfo=UTC), "last")  # 23:59 on 10 March in Berlin
    entry(db, datetime(2026, 3, 10, 23, 0, tzinfo=UTC), "after")
    assert actions(AuditFilter(since=date(2026, 3, 10), until=date(2026, 3, 10), region_ids=None)) == ["last", "first"]


def test_person_matches_part_of_the_address_in_any_case_and_filters_combine(app, db):
    entry(db, datetime(2026, 3, 1, tzinfo=UTC), "school.status", "Anna.Beispiel@KI-Soest.de", object_id=7)
    entry(db, datetime(2026, 3, 2, tzinfo=UTC), "school.status", "other@ki-soest.de", object_id=7)
    entry(db, datetime(2026, 3, 3, tzinfo=UTC), "material.publish", "anna.beispiel@ki-soest.de", object_id=8)
    assert actions(AuditFilter(person="anna.beispiel", object_id=7, region_ids=None)) == ["school.status"]
    found = search(AuditFilter(person="ANNA", region_ids=None), 1, 50)
    assert found.total == 2 and found.actions == ["material.publish", "school.status"]


def test_a_page_holds_at_most_per_page_entries_newest_first_and_the_total_counts_all(app, db):
    for day in range(1, 6):
        entry(db, datetime(2026, 3, day, tzinfo=UTC), f"a{day}")
    second = search(AuditFilter(region_ids=None), 2, 2)
    assert second.total == 5 and [e.action for e in second.entries] == ["a3", "a2"]


def test_moderating_a_report_is_logged_for_its_schools_region(app, users, db):
    """Staff read their own moderation in their region's audit log: the entry carries the school's region."""
    from courage_hub.activities import services as activity_services

    from .factories import ActivityFactory

    activity = ActivityFactory(school=users["school_a"])
    with app.test_request_context():
        activity_services.unpublish_activity(activity, "Foto ohne Einwilligung")
        activity_services.republish_activity(activity)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("activity.%"))).all()
    assert {(e.action, e.region_id) for e in entries} == {
        ("activity.unpublish", users["school_a"].region_id),
        ("activity.republish", users["school_a"].region_id),
    }
    own = search(AuditFilter(region_ids=frozenset({users["school_a"].region_id})), 1, 50).entries
    assert {e.action for e in own} >= {"activity.unpublish", "activity.republish"}
