"""Backup and restore: the round trip gives the same counts and files, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, select, text

from courage_hub.activities.models import ActivityFile
from courage_hub.auth.models import User
from courage_hub.core import backup
from courage_hub.core.audit import record
from courage_hub.core.images import upload_dir
from courage_hub.core.uploads import upload_root
from courage_hub.extensions import db as _db
from courage_hub.materials.models import Material

from . import factories
from .conftest import DB_KIND, drop_postgres_schema, make_app, post_form, postgres_url_for_schema


@contextmanager
def second_instance(tmp_path):
    """An empty second installation (own database, own instance folder) with the schema in place."""
    if DB_KIND == "postgres":
        schema = "courage_restore_" + uuid.uuid4().hex[:10]
        url = postgres_url_for_schema(schema)
    else:
        schema, url = None, "sqlite:///" + str(tmp_path / "restored.sqlite3")
    app = make_app(url, str(tmp_path / "restored-instance"))
    try:
        with app.app_context():
            _db.create_all()
            yield app
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if schema:
            drop_postgres_schema(schema)


def _fill(db, users):
    activity = factories.ActivityFactory(school=users["school_a"], title="Projekttag Zivilcourage")
    for n in range(2):
        name = f"{n + 1:x}" * 32 + ".webp"
        (upload_root() / name).write_bytes(f"foto {n}".encode())
        db.session.add(
            ActivityFile(
                activity_id=activity.id,
                kind="photo",
                storage_name=name,
                original_name=f"foto{n}.webp",
                content_type="image/webp",
                size=6,
                sha256="0" * 64,
                alt_text="Schüler*innen mit Plakat „Courage“",
            )
        )
    (upload_dir("logos") / ("a" * 32 + ".png")).write_bytes(b"logo")
    users["school_a"].logo_filename = "a" * 32 + ".png"
    db.session.add(
        Material(
            region_id=users["school_a"].region_id,
            title="Arbeitsblatt Alltagsrassismus",
            attribution="KI Kreis Soest",
            licence="CC BY 4.0",
            material_type="Arbeitsblatt",
            link_url="https://example.org/blatt",
        )
    )
    record("school.status", users["school_a"], summary="Test", before={"a": 1}, after={"a": 2}, user=users["ki"])
    db.session.commit()


def table_contents() -> dict[str, list[list]]:
    """Every row and column of every table, in primary-key order, as comparable JSON values."""

    def plain(value):
        if isinstance(value, bytes):
            return value.hex()
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return getattr(value, "value", value) if not isinstance(value, str | int | float | bool) else value

    contents = {}
    with _db.engine.connect() as connection:
        for table in backup.tables():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order))
            contents[table.name] = [[plain(value) for value in row] for row in rows]
    return contents


def stored_files() -> dict[str, bytes]:
    """Every file under the uploads folder with its bytes, by path relative to that folder."""
    root = backup.uploads_root()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_restore_gives_back_every_row_column_and_file_byte(app, db, users, tmp_path):
    _fill(db, users)
    archive = tmp_path / "sicherung.tar.gz"
    backup.create_backup(archive)
    before, files = table_contents(), stored_files()
    assert sum(len(rows) for rows in before.values()) > 10 and len(files) == 3
    db.session.commit()
    with second_instance(tmp_path) as restored:
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        after = table_contents()
        for name, rows in before.items():
            assert after[name] == rows, name
        assert after.keys() == before.keys()
        assert stored_files() == files


def test_backup_and_restore_give_the_same_counts_and_files(app, db, users, tmp_path):
    _fill(db, users)
    archive = tmp_path / "sicherung.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    counts, files = backup.row_counts(), backup.upload_checksums()
    accounts = [u for u in users.values() if isinstance(u, User)]
    assert counts["users"] == len(accounts) and counts["materials"] == 1 and len(files) == 3

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"] == counts
    assert {n: s for n, s in manifest["files"].items() if n.startswith("uploads/")} == files

    # Read what the checks need now: the fixtures' objects must not load anything inside the second app.
    email, role = users["coord_a"].email, users["coord_a"].role
    highest_id = max(u.id for u in users.values() if isinstance(u, User))
    db.session.commit()
    with second_instance(tmp_path) as restored:
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert backup.row_counts() == counts
        assert backup.upload_checksums() == files
        user = _db.session.scalar(select(User).where(User.email == email))
        assert user.created_at.tzinfo is not None and user.role == role
        photo = _db.session.scalars(select(ActivityFile).order_by(ActivityFile.id)).first()
        assert photo.alt_text == "Schüler*innen mit Plakat „Courage“"
        # New rows get fresh ids (PostgreSQL sequences were reset) and the search index knows the materials.
        added = factories.UserFactory()
        assert added.id > highest_id
        from courage_hub.materials.search import match

        found = match("Alltagsrassismus", _db.engine.dialect.name).apply(select(Material.title))
        assert _db.session.scalars(found).all() == ["Arbeitsblatt Alltagsrassismus"]
        # The restored site can sign the person in.
        from .conftest import login

        login(restored.test_client(), user)


def test_restore_refuses_a_database_with_data_unless_forced(app, db, users, tmp_path):
    archive = tmp_path / "sicherung.tar.gz"
    backup.create_backup(archive)
    factories.UserFactory(email="spaeter@schule.example")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "bereits Daten" in refused.output
    forced = runner.invoke(args=["restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output
    _db.session.remove()
    assert _db.session.scalar(select(User).where(User.email == "spaeter@schule.example")) is None


def test_restore_refuses_an_archive_whose_checksum_does_not_match(app, db, users, tmp_path):
    _fill(db, users)
    archive = tmp_path / "sicherung.tar.gz"
    backup.create_backup(archive)
    tampered = tmp_path / "manipuliert.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("uploads/files/"):
                data = b"anders"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with second_instance(tmp_path) as restored:
        result = restored.test_cli_runner().invoke(args=["restore", str(tampered)])
        assert result.exit_code != 0 and "Prüfsumme" in result.output
        assert backup.row_counts()["users"] == 0


def test_backup_is_one_snapshot_while_the_site_keeps_writing(app, db, users, tmp_path):
    """A write that commits during the dump succeeds at once and is not half in the archive."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    written = []

    def write_meanwhile(table: str) -> None:
        if table == "users" and not written:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO audit_entries (created_at, user_email, action, object_type, summary) "
                        "VALUES (CURRENT_TIMESTAMP, '', 'test.write', '', 'während der Sicherung')"
                    )
                )
            written.append(table)

    try:
        manifest = backup.create_backup(tmp_path / "s.tar.gz", on_table=write_meanwhile)
    finally:
        engine.dispose()
    assert written == ["users"]
    assert manifest["tables"]["audit_entries"] == 0
    assert backup.row_counts()["audit_entries"] == 1


def photo_report(db, users):
    """A published report of school A with one photo (display version and thumbnail on disk)."""
    activity = factories.ActivityFactory(school=users["school_a"], photo_consent=True)
    display, thumb = "7" * 32 + ".webp", "8" * 32 + ".webp"
    for name in (display, thumb):
        (upload_root() / name).write_bytes(b"RIFF0000WEBP")
    photo = ActivityFile(
        activity_id=activity.id,
        kind="photo",
        storage_name=display,
        thumb_name=thumb,
        original_name="klasse.webp",
        content_type="image/webp",
        size=12,
        sha256="0" * 64,
        alt_text="Klasse 9b",
    )
    db.session.add(photo)
    db.session.commit()
    return activity, photo


def test_withdrawn_photo_is_not_in_a_later_backup(app, db, users, login_as, tmp_path):
    activity, photo = photo_report(db, users)
    names = {photo.storage_name, photo.thumb_name}
    client = login_as("ki")
    response = post_form(client, f"/aktivitaeten/{activity.id}/dateien/{photo.id}/entfernen")
    assert response.status_code == 302
    manifest = backup.create_backup(tmp_path / "danach.tar.gz")
    assert not any(name.rsplit("/", 1)[-1] in names for name in manifest["files"])


HOSTILE_NAMES = ["../boese.txt", "uploads/../../boese.txt", "/etc/passwd", "/tmp/boese.txt", "", "."]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_name_check_refuses_paths_outside_the_archive(name):
    assert not backup._safe_member_name(name)


@pytest.mark.parametrize("name", ["manifest.json", "database/users.jsonl", "uploads/files/" + "a" * 32 + ".pdf"])
def test_the_name_check_accepts_paths_inside_the_archive(name):
    assert backup._safe_member_name(name)


def archive_with(path, name: str, data: bytes = b"x") -> None:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("name", ["../boese.txt", "/etc/passwd"])
def test_restore_refuses_paths_outside_the_archive_by_their_name(app, db, tmp_path, name):
    """The first guard: the member's name is refused before anything is unpacked."""
    evil = tmp_path / "boese.tar.gz"
    archive_with(evil, name)
    with pytest.raises(backup.BackupError, match="Unzulässiger Pfad im Archiv"):
        backup.restore_backup(evil)


def test_the_tar_filter_keeps_every_member_inside_the_work_folder(tmp_path, monkeypatch):
    """The second guard on its own (the name check switched off): nothing lands outside the folder unpacked into."""
    monkeypatch.setattr(backup, "_safe_member_name", lambda name: True)
    work = tmp_path / "a" / "work"
    work.mkdir(parents=True)
    outside = tmp_path / "a" / "boese.txt"
    escape = tmp_path / "boese.tar.gz"
    archive_with(escape, "../boese.txt")
    with pytest.raises(backup.BackupError, match="nicht lesbar"):
        backup.read_archive(escape, work)
    absolute = tmp_path / "absolut.tar.gz"
    archive_with(absolute, str(outside))
    with pytest.raises(backup.BackupError, match="manifest"):
        backup.read_archive(absolute, work)  # unpacked below the work folder, which then lacks the manifest
    assert not outside.exists()
    assert [p for p in (tmp_path / "a").rglob("*") if p.is_file()] == [work / str(outside).lstrip("/")]
