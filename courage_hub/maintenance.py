"""Housekeeping that ``flask --app courage_hub cleanup`` runs: retention periods and orphan files.

It spans the domains (activities, auth, materials, schools), so it lives above them, next to ``cli.py``.

Every rule here matches a promise on the Datenschutz page (templates/core/datenschutz.html); change both together.

- Upload files that no row references (activity photos and thumbnails, attachments, material files and previews,
  school and partner logos) are deleted, and so are temporary files of interrupted uploads. Files younger than
  ``FILE_GRACE`` are never touched: an upload writes its file before its row commits, so a young unreferenced
  file may belong to an upload in progress.
- Files kept across a failed form submit (``instance/uploads/pending/``) are deleted an hour after they were chosen.
- Single-use links (password reset, invitation, e-mail confirmation, school invitations) are deleted once used
  or expired: they have done their job.
- Login-throttle records are deleted after ``THROTTLE_RETENTION`` (their longest window is one hour).
- Mails in the development outbox folder, and delivered rows of the mail outbox table, are deleted after
  ``OUTBOX_RETENTION`` (a delivered row's body was emptied at delivery; failed rows stay until the KI sends them again).
- Registrations the KI has not approved within ``REGISTRATION_RETENTION`` (pending) or rejected that long ago are
  deleted with everything the school entered; a coordinator account that was a member of such a school and now
  coordinates no other school is deleted too (it exists only for that registration and can do nothing without a
  school). Accounts with other memberships, KI staff and admins are kept.
- Finally the query planner's statistics are refreshed (``PRAGMA optimize`` on SQLite, ``ANALYZE`` on PostgreSQL).

Safe to run at any time, also while the site serves requests; running it twice changes nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, or_, select

from .activities.models import Activity, ActivityFile
from .auth.models import Role, User, UserToken
from .core.db import utcnow, write_transaction
from .core.images import delete_stored
from .core.models import OutboxMail, OutboxStatus, ThrottleEvent
from .core.uploads import delete_files, remove_expired_pending
from .extensions import db
from .materials.models import Material
from .partners.models import Partner
from .schools.models import Approval, Membership, School, SchoolInvitation

FILE_GRACE = timedelta(hours=1)
THROTTLE_RETENTION = timedelta(hours=24)
OUTBOX_RETENTION = timedelta(days=30)
REGISTRATION_RETENTION = timedelta(days=90)
TEMP_SUFFIXES = (".part", ".tmp")
UPLOAD_KINDS = ("files", "logos")


@dataclass
class CleanupResult:
    """How many things each rule removed (printed by the command)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def referenced_files() -> dict[str, set[str]]:
    """Every stored file name a row points to, per upload folder."""
    files: set[str] = set()
    for column in (ActivityFile.storage_name, ActivityFile.thumb_name, Material.storage_name, Material.preview_name):
        files.update(name for name in db.session.scalars(select(column).where(column.is_not(None))) if name)
    logos = set(db.session.scalars(select(School.logo_filename).where(School.logo_filename.is_not(None))))
    logos |= set(db.session.scalars(select(Partner.logo_filename).where(Partner.logo_filename.is_not(None))))
    db.session.commit()
    return {"files": files, "logos": logos}


def remove_orphan_files(now: float | None = None) -> tuple[int, int]:
    """Delete unreferenced upload files and stale temporary files older than FILE_GRACE; (orphans, temp files)."""
    now = time.time() if now is None else now
    cutoff = now - FILE_GRACE.total_seconds()
    root = uploads_root()
    # List the folders before reading the references: a file whose row commits in between is then known.
    listed = {kind: _old_files(root / kind, cutoff) for kind in UPLOAD_KINDS}
    referenced = referenced_files()
    orphans = temps = 0
    for kind, paths in listed.items():
        for path in paths:
            if path.name.endswith(TEMP_SUFFIXES):
                path.unlink(missing_ok=True)
                temps += 1
            elif path.name not in referenced[kind]:
                path.unlink(missing_ok=True)
                orphans += 1
    return orphans, temps


def _old_files(folder: Path, cutoff: float) -> list[Path]:
    if not folder.is_dir():
        return []
    old = []
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                old.append(path)
        except FileNotFoundError:
            continue
    return old


def remove_spent_tokens(now: datetime | None = None) -> tuple[int, int]:
    """Delete used or expired link tokens and school invitations; (account tokens, invitations)."""
    now = now or utcnow()
    with write_transaction():
        tokens = db.session.execute(
            delete(UserToken).where(or_(UserToken.used_at.is_not(None), UserToken.expires_at <= now))
        ).rowcount
        invitations = db.session.execute(
            delete(SchoolInvitation).where(
                or_(SchoolInvitation.used_at.is_not(None), SchoolInvitation.expires_at <= now)
            )
        ).rowcount
    return tokens or 0, invitations or 0


def remove_old_throttle_events(now: datetime | None = None) -> int:
    window = timedelta(seconds=current_app.config.get("LOGIN_FAILURE_WINDOW_SECONDS", 900))
    cutoff = (now or utcnow()) - max(THROTTLE_RETENTION, window)
    with write_transaction():
        return db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.created_at < cutoff)).rowcount or 0


def remove_old_outbox_mails(now: float | None = None) -> int:
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    cutoff = (time.time() if now is None else now) - OUTBOX_RETENTION.total_seconds()
    removed = 0
    for path in _old_files(outbox, cutoff):
        if path.suffix == ".eml":
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_delivered_mails(now: datetime | None = None) -> int:
    """Delivered outbox rows (their bodies are already empty) after the retention period; failed ones stay."""
    cutoff = (now or utcnow()) - OUTBOX_RETENTION
    with write_transaction():
        result = db.session.execute(
            delete(OutboxMail)
            .where(OutboxMail.status == OutboxStatus.SENT, OutboxMail.sent_at < cutoff)
            .execution_options(keeps_public_pages=True)
        )
    return result.rowcount or 0


def stored_files_of_schools(school_ids: Iterable[int]) -> list[str]:
    """File names (uploads/files) of the reports and materials of these schools, to delete after the rows."""
    ids = list(school_ids)
    if not ids:
        return []
    names: list[str] = []
    rows = db.session.execute(
        select(ActivityFile.storage_name, ActivityFile.thumb_name)
        .join(Activity, Activity.id == ActivityFile.activity_id)
        .where(Activity.school_id.in_(ids))
    )
    for row in rows:
        names.extend(n for n in row if n)
    rows = db.session.execute(select(Material.storage_name, Material.preview_name).where(Material.school_id.in_(ids)))
    for row in rows:
        names.extend(n for n in row if n)
    return names


def delete_schools(school_ids: list[int]) -> int:
    """Delete schools with all their rows (within the caller's transaction); returns coordinator accounts removed.

    A coordinator account that was a member of one of these schools and has no membership left is deleted with it.
    The caller deletes the files (see :func:`stored_files_of_schools`) after the commit.
    """
    if not school_ids:
        return 0
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.school_id.in_(school_ids))))
    registrants = set(
        db.session.scalars(
            select(School.registered_by_id).where(School.id.in_(school_ids), School.registered_by_id.is_not(None))
        )
    )
    db.session.execute(delete(School).where(School.id.in_(school_ids)))
    candidates = members | registrants
    if not candidates:
        return 0
    still_member = set(db.session.scalars(select(Membership.user_id).where(Membership.user_id.in_(candidates))))
    doomed = [
        uid
        for uid in candidates - still_member
        if db.session.scalar(select(User.role).where(User.id == uid)) == Role.COORDINATOR
    ]
    if doomed:
        db.session.execute(delete(User).where(User.id.in_(doomed)))
    return len(doomed)


def remove_stale_registrations(now: datetime | None = None) -> tuple[int, int]:
    """Delete registrations pending or rejected for longer than REGISTRATION_RETENTION; (schools, accounts)."""
    cutoff = (now or utcnow()) - REGISTRATION_RETENTION
    with write_transaction():
        stale = db.session.execute(
            select(School.id, School.logo_filename).where(
                or_(
                    (School.approval == Approval.PENDING) & (School.created_at < cutoff),
                    (School.approval == Approval.REJECTED) & (School.updated_at < cutoff),
                )
            )
        ).all()
        ids = [row.id for row in stale]
        names = stored_files_of_schools(ids)
        accounts = delete_schools(ids)
    delete_files(*names)
    for row in stale:
        delete_stored("logos", row.logo_filename)
    return len(ids), accounts


def optimize_database() -> None:
    """Refresh the planner's statistics (cheap; SQLite only analyses tables that need it)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA optimize")
        else:
            conn.exec_driver_sql("ANALYZE")
        conn.commit()


def run_cleanup() -> CleanupResult:
    """Apply every retention rule once."""
    result = CleanupResult()
    schools, accounts = remove_stale_registrations()
    result.add("registrations", schools)
    result.add("registration_accounts", accounts)
    tokens, invitations = remove_spent_tokens()
    result.add("tokens", tokens)
    result.add("invitations", invitations)
    result.add("throttle_events", remove_old_throttle_events())
    result.add("outbox_mails", remove_old_outbox_mails())
    result.add("delivered_mails", remove_delivered_mails())
    orphans, temps = remove_orphan_files()
    result.add("orphan_files", orphans)
    result.add("pending_uploads", remove_expired_pending())
    result.add("temp_files", temps)
    optimize_database()
    return result
