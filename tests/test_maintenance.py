"""The cleanup command: every retention rule, the orphan-file sweep and its safety margin."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from courage_hub import maintenance
from courage_hub.activities.models import Activity, ActivityFile
from courage_hub.auth.models import TokenPurpose, User, UserToken
from courage_hub.core.db import utcnow
from courage_hub.core.images import upload_dir
from courage_hub.core.models import ThrottleEvent
from courage_hub.core.uploads import upload_root
from courage_hub.schools.models import Approval, Membership, School, SchoolInvitation

from . import factories

TWO_HOURS_AGO = time.time() - 2 * 3600


def _file(folder: Path, name: str, *, old: bool = True) -> Path:
    path = folder / name
    path.write_bytes(b"data")
    if old:
        os.utime(path, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    return path


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_orphan_files_are_removed_but_referenced_and_young_files_stay(app, db, users):
    activity = factories.ActivityFactory(school=users["school_a"])
    folder = upload_root()
    kept = _file(folder, "a" * 32 + ".webp")
    thumb = _file(folder, "b" * 32 + ".webp")
    db.session.add(
        ActivityFile(
            activity_id=activity.id,
            kind="photo",
            storage_name=kept.name,
            thumb_name=thumb.name,
            original_name="foto.webp",
            content_type="image/webp",
            size=4,
            sha256="0" * 64,
        )
    )
    users["school_a"].logo_filename = "d" * 32 + ".png"
    db.session.commit()
    logo = _file(upload_dir("logos"), users["school_a"].logo_filename)
    orphan = _file(folder, "c" * 32 + ".pdf")
    orphan_logo = _file(upload_dir("logos"), "e" * 32 + ".png")
    young_orphan = _file(folder, "f" * 32 + ".pdf", old=False)  # an upload whose row is about to commit
    stale_part = _file(folder, "1" * 32 + ".pdf.part")
    fresh_part = _file(folder, "2" * 32 + ".pdf.part", old=False)  # an upload being written right now

    result = app.test_cli_runner().invoke(args=["cleanup"])

    assert result.exit_code == 0, result.output
    assert "verwaiste Upload-Dateien" in result.output
    assert kept.exists() and thumb.exists() and logo.exists()
    assert young_orphan.exists() and fresh_part.exists()
    assert not orphan.exists() and not orphan_logo.exists() and not stale_part.exists()


def test_material_files_count_as_referenced(app, db, users):
    from courage_hub.materials.models import Material

    stored = _file(upload_root(), "3" * 32 + ".pdf")
    preview = _file(upload_root(), "4" * 32 + ".webp")
    db.session.add(
        Material(
            region_id=factories.default_region().id,
            title="Arbeitsblatt",
            attribution="KI",
            licence="CC BY 4.0",
            material_type="Arbeitsblatt",
            storage_name=stored.name,
            preview_name=preview.name,
        )
    )
    db.session.commit()
    assert maintenance.remove_orphan_files() == (0, 0)
    assert stored.exists() and preview.exists()


def test_spent_and_expired_tokens_are_removed(app, db, users):
    user = users["coord_a"]
    now = utcnow()
    for n, (expires, used) in enumerate(
        [(now + timedelta(hours=1), None), (now - timedelta(minutes=1), None), (now + timedelta(hours=1), now)]
    ):
        db.session.add(
            UserToken(
                user_id=user.id,
                purpose=TokenPurpose.PASSWORD_RESET,
                token_hash=f"{n:064x}",
                expires_at=expires,
                used_at=used,
            )
        )
        db.session.add(
            SchoolInvitation(
                school_id=users["school_a"].id,
                email=f"neu{n}@schule.example",
                token_hash=f"{n + 10:064x}",
                expires_at=expires,
                used_at=used,
            )
        )
    db.session.commit()

    assert maintenance.remove_spent_tokens() == (2, 2)
    assert _count(db, UserToken) == 1 and _count(db, SchoolInvitation) == 1
    assert db.session.scalar(select(UserToken.used_at)) is None


def test_throttle_records_older_than_a_day_are_removed(app, db):
    db.session.add(ThrottleEvent(key="login-ip:alt", created_at=utcnow() - timedelta(hours=25)))
    db.session.add(ThrottleEvent(key="login-ip:neu", created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert maintenance.remove_old_throttle_events() == 1
    assert db.session.scalars(select(ThrottleEvent.key)).all() == ["login-ip:neu"]


def test_outbox_mails_older_than_thirty_days_are_removed(app):
    outbox = Path(app.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    old = outbox / "alt.eml"
    old.write_text("x")
    month = time.time() - 31 * 24 * 3600
    os.utime(old, (month, month))
    recent = outbox / "neu.eml"
    recent.write_text("x")
    assert maintenance.remove_old_outbox_mails() == 1
    assert recent.exists() and not old.exists()


def test_registrations_not_approved_within_ninety_days_are_deleted_with_their_only_account(app, db, users):
    memberships = _count(db, Membership)
    old = utcnow() - timedelta(days=91)
    stale = factories.SchoolFactory(approval=Approval.PENDING, created_at=old)
    registrant = factories.UserFactory()
    factories.MembershipFactory(user=registrant, school=stale)
    stale.registered_by_id = registrant.id
    # coord_b coordinates another school too: the account stays.
    factories.MembershipFactory(user=users["coord_b"], school=stale)
    rejected = factories.SchoolFactory(approval=Approval.REJECTED, created_at=old, updated_at=old)
    recent = factories.SchoolFactory(approval=Approval.PENDING, created_at=utcnow() - timedelta(days=89))
    approved_long_ago = factories.SchoolFactory(approval=Approval.APPROVED, created_at=old)
    report = factories.ActivityFactory(school=stale)
    photo = _file(upload_root(), "9" * 32 + ".webp")
    db.session.add(
        ActivityFile(
            activity_id=report.id,
            kind="photo",
            storage_name=photo.name,
            original_name="f.webp",
            content_type="image/webp",
            size=4,
            sha256="0" * 64,
        )
    )
    db.session.commit()
    stale_id, rejected_id, registrant_id = stale.id, rejected.id, registrant.id

    assert maintenance.remove_stale_registrations() == (2, 1)

    remaining = set(db.session.scalars(select(School.id)))
    assert stale_id not in remaining and rejected_id not in remaining
    assert {recent.id, approved_long_ago.id, users["school_pending"].id} <= remaining
    assert db.session.get(User, registrant_id) is None
    assert db.session.get(User, users["coord_b"].id) is not None
    assert _count(db, Membership) == memberships
    assert db.session.scalar(select(func.count()).where(Activity.school_id == stale_id)) == 0
    assert not photo.exists()


def test_cleanup_twice_changes_nothing_the_second_time(app, db, users):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cleanup"]).exit_code == 0
    second = maintenance.run_cleanup()
    assert set(second.counts.values()) == {0}


def test_cleanup_removes_files_kept_by_forms_after_an_hour_but_not_younger_ones(app):
    from courage_hub.core.uploads import pending_root

    root = pending_root()
    old, young = root / ("a" * 32 + ".bin"), root / ("b" * 32 + ".bin")
    for path in (old, young, old.with_suffix(".json"), young.with_suffix(".json")):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    for path in (old, old.with_suffix(".json")):
        os.utime(path, (two_hours_ago, two_hours_ago))
    result = maintenance.run_cleanup()
    assert result.counts["pending_uploads"] == 1
    assert sorted(p.name for p in root.iterdir()) == sorted([young.name, young.with_suffix(".json").name])
