"""DSGVO self-service (data export, account deletion) and withdrawn photo consent."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from courage_hub.activities.models import Activity, ActivityFile
from courage_hub.auth.models import Role, TokenPurpose, User, UserToken
from courage_hub.core.db import utcnow
from courage_hub.core.models import AuditEntry
from courage_hub.core.uploads import upload_root
from courage_hub.schools.models import Approval, EventKind, Membership, School, SchoolEvent

from . import factories
from .conftest import PASSWORD, login, post_form
from .test_backup import photo_report


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- export ----------------------------------------------------------------------------------------------------


def test_export_is_a_json_attachment_with_everything_about_me_and_no_secrets(app, db, users, login_as):
    me = users["coord_a"]
    report = factories.ActivityFactory(school=users["school_a"], author_id=me.id, title="Gedenkstättenfahrt")
    db.session.add(
        UserToken(user_id=me.id, purpose=TokenPurpose.PASSWORD_RESET, token_hash="a" * 64, expires_at=utcnow())
    )
    db.session.add(SchoolEvent(school_id=users["school_a"].id, kind=EventKind.PATRON, note="Pate", user_id=me.id))
    db.session.add(AuditEntry(action="account.edit", object_type="users", object_id=me.id, summary="über mich"))
    db.session.commit()
    client = login_as("coord_a")

    response = client.get("/konto/daten.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == me.email and data["account"]["role"] == "coordinator"
    assert [m["school"] for m in data["memberships"]] == [users["school_a"].name]
    assert [a["title"] for a in data["activities_authored"]] == [report.title]
    assert data["link_tokens"][0]["purpose"] == "password_reset"
    assert [e["note"] for e in data["school_events_by_me"]] == ["Pate"]
    assert [e["summary"] for e in data["audit_entries"]] == ["über mich"]
    text = response.get_data(as_text=True)
    for secret in (me.password_hash, me.session_token, "a" * 64):
        assert secret not in text
    assert "password_hash" not in text and "token_hash" not in text


def test_export_contains_nobody_else(app, db, users, login_as):
    factories.ActivityFactory(school=users["school_b"], author_id=users["coord_b"].id, title="Fremder Bericht")
    data = login_as("coord_a").get("/konto/daten.json").get_json()
    assert data["activities_authored"] == []
    assert users["coord_b"].email not in json.dumps(data)


# --- deletion --------------------------------------------------------------------------------------------------


def test_account_page_links_to_export_and_deletion(app, users, login_as):
    page = login_as("coord_a").get("/konto").get_data(as_text=True)
    assert "/konto/daten.json" in page and "/konto/loeschen" in page


def test_deleting_my_account_keeps_my_reports_with_the_school(app, db, users, login_as):
    me = users["coord_b"]
    factories.MembershipFactory(user=users["coord_a"], school=users["school_b"])  # a successor exists
    report = factories.ActivityFactory(school=users["school_b"], author_id=me.id, state="draft", published_at=None)
    db.session.add(
        SchoolEvent(
            school_id=users["school_b"].id,
            kind=EventKind.COORDINATORS,
            note=f"{me.name} now coordinates the school",
            user_id=me.id,
        )
    )
    db.session.commit()
    my_id, email, name = me.id, me.email, me.name
    client = login_as("coord_b")
    assert client.get("/konto/loeschen").status_code == 200

    response = post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"})

    assert response.status_code == 302
    assert db.session.get(User, my_id) is None
    assert _count(db, Membership) == 3  # coord_a's two memberships and coord_c's in Kreis Unna
    assert db.session.get(Activity, report.id).author_id is None
    event = db.session.scalar(select(SchoolEvent).where(SchoolEvent.school_id == users["school_b"].id))
    assert name not in event.note and event.user_id is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete_own"))
    assert entry.object_id == my_id and entry.user_id is None and entry.user_email == ""
    assert email not in json.dumps([entry.summary, entry.before, entry.after])
    # Signed out, and the report shows the label instead of the name to its school's coordination.
    assert client.get("/konto").status_code == 302
    other = app.test_client()
    login(other, users["coord_a"])
    page = other.get(f"/aktivitaeten/{report.id}").get_data(as_text=True)
    assert "ehemalige Koordination" in page


def test_wrong_password_deletes_nothing(app, db, users, login_as):
    factories.MembershipFactory(user=users["coord_a"], school=users["school_b"])
    client = login_as("coord_b")
    response = post_form(client, "/konto/loeschen", {"password": "falsch-falsch", "confirm": "y"})
    assert response.status_code == 200
    assert "Das Passwort ist nicht korrekt." in response.get_data(as_text=True)
    assert db.session.get(User, users["coord_b"].id) is not None


def test_the_last_coordinator_of_a_school_must_hand_over_first(app, db, users, login_as):
    client = login_as("coord_a")
    page = client.get("/konto/loeschen").get_data(as_text=True)
    assert "Nachfolge" in page or "Übergabe" in page
    response = post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200
    assert db.session.get(User, users["coord_a"].id) is not None


def test_an_unapproved_registration_is_withdrawn_with_the_account(app, db, users, login_as):
    me = factories.UserFactory()
    pending = factories.SchoolFactory(approval=Approval.PENDING, registered_by_id=me.id)
    factories.MembershipFactory(user=me, school=pending)
    pending_id = pending.id
    client = app.test_client()
    login(client, me)
    assert pending.name in client.get("/konto/loeschen").get_data(as_text=True)
    response = post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(School, pending_id) is None


def test_the_last_admin_cannot_delete_the_account(app, db, users, login_as):
    admin_id = users["admin"].id
    client = login_as("admin")
    response = post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200 and db.session.get(User, admin_id) is not None
    assert "Sie sind die letzte Person mit Administrationsrechten." in response.get_data(as_text=True)
    second_id = factories.UserFactory(role=Role.ADMIN).id
    response = post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(User, admin_id) is None and db.session.get(User, second_id) is not None


def test_ki_staff_can_delete_their_account_and_their_audit_entries_stay(app, db, users, login_as):
    db.session.add(AuditEntry(user_id=users["ki"].id, user_email=users["ki"].email, action="school.status"))
    db.session.commit()
    client = login_as("ki")
    assert post_form(client, "/konto/loeschen", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    kept = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "school.status"))
    assert kept is not None and kept.user_id is None


def test_deletion_needs_the_confirmation_box(app, db, users, login_as):
    client = login_as("ki")
    response = post_form(client, "/konto/loeschen", {"password": PASSWORD})
    assert response.status_code == 200
    assert db.session.get(User, users["ki"].id) is not None


# --- withdrawn photo consent -----------------------------------------------------------------------------------


def _photo_removed_everywhere(db, client, activity, photo) -> None:
    paths = [upload_root() / photo.storage_name, upload_root() / photo.thumb_name]
    assert all(p.exists() for p in paths)
    detail = client.get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert "Foto löschen (Einwilligung widerrufen)" in detail
    photo_id = photo.id
    response = post_form(client, f"/aktivitaeten/{activity.id}/dateien/{photo_id}/entfernen", {"back": "detail"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/aktivitaeten/{activity.id}")
    assert db.session.get(ActivityFile, photo_id) is None
    assert not any(p.exists() for p in paths)
    for variant in ("", "/vorschau"):
        assert client.get(f"/aktivitaeten/dateien/{photo_id}{variant}").status_code == 404
        assert app_client_anonymous(client).get(f"/aktivitaeten/dateien/{photo_id}{variant}").status_code == 404


def app_client_anonymous(client):
    return client.application.test_client()


def test_ki_staff_delete_a_photo_everywhere_in_one_step(app, db, users, login_as):
    activity, photo = photo_report(db, users)
    _photo_removed_everywhere(db, login_as("ki"), activity, photo)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.file_remove"))
    assert entry.object_id == activity.id and "klasse" not in json.dumps(entry.before)


def test_the_schools_coordination_deletes_a_photo_everywhere_in_one_step(app, db, users, login_as):
    activity, photo = photo_report(db, users)
    _photo_removed_everywhere(db, login_as("coord_a"), activity, photo)


def test_another_school_cannot_delete_the_photo(app, db, users, login_as):
    activity, photo = photo_report(db, users)
    client = login_as("coord_b")
    response = post_form(client, f"/aktivitaeten/{activity.id}/dateien/{photo.id}/entfernen", {"back": "detail"})
    assert response.status_code in (403, 404)
    assert (upload_root() / photo.storage_name).exists()


def test_pending_registration_check_uses_creation_time(app, db, users):
    """The 90 days count from the registration, not from the last change."""
    from courage_hub.maintenance import remove_stale_registrations

    school = factories.SchoolFactory(approval=Approval.PENDING, created_at=utcnow() - timedelta(days=91))
    school.name = "Geändert"
    db.session.commit()
    assert remove_stale_registrations()[0] == 1


def test_privacy_page_states_the_periods_that_cleanup_applies(app, client):
    from courage_hub import maintenance

    page = client.get("/datenschutz").get_data(as_text=True)
    assert maintenance.REGISTRATION_RETENTION.days == 90 and "90" in page
    assert maintenance.THROTTLE_RETENTION.total_seconds() == 24 * 3600 and "24" in page
