"""Backup and restore: one ``.tar.gz`` with a consistent database snapshot, all uploads and a checksummed manifest.

The database is written as portable JSON Lines (one file per table, in foreign-key order), the same format on
SQLite and PostgreSQL, so a backup can also move an installation from one to the other. The snapshot is one read
transaction: on SQLite (WAL) a reader sees one state of the file and never blocks writers; on PostgreSQL a
``REPEATABLE READ READ ONLY`` transaction. The site keeps serving meanwhile.

Upload files are copied after the snapshot. A file deleted in between (e.g. a photo whose consent was withdrawn)
is simply not in the archive; a file uploaded in between is included and removed later by ``cleanup`` if no row
points to it. Temporary files of uploads in progress are skipped.

Restore checks every checksum first, refuses a database that already holds data (``force`` empties it first), inserts
the rows, resets PostgreSQL's sequences, rebuilds SQLite's full-text index and then writes the files.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Date, DateTime, Integer, Table, func, inspect, select, text
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from .db import utcnow

FORMAT = "courage-hub-backup"
VERSION = 1
BATCH = 1000
TEMP_SUFFIXES = (".part", ".tmp")


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why (German, shown by the command)."""


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


# --- values ----------------------------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _base_type(column) -> Any:
    column_type = column.type
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl if not isinstance(column_type.impl, type) else column_type.impl()
    return column_type


def _converter(column) -> Callable[[Any], Any] | None:
    base = _base_type(column)
    if isinstance(base, DateTime):
        return datetime.fromisoformat
    if isinstance(base, Date):
        return date.fromisoformat
    return None


# --- snapshot --------------------------------------------------------------------------------------------------


def _snapshot_connection() -> Connection:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    else:
        conn = engine.connect()
        conn.begin()
    return conn


def alembic_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump_database(
    folder: Path, on_table: Callable[[str], None] | None = None
) -> tuple[dict[str, int], dict[str, list[str]], str | None]:
    """Write every table as JSON Lines into ``folder`` from one snapshot; (row counts, columns, alembic revision)."""
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    conn = _snapshot_connection()
    try:
        revision = alembic_revision(conn)
        for table in tables():
            names = [c.name for c in table.columns]
            columns[table.name] = names
            n = 0
            order = list(table.primary_key.columns) or list(table.columns)
            with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
                for row in conn.execute(select(table).order_by(*order)).yield_per(BATCH):
                    out.write(json.dumps([_to_json(v) for v in row], ensure_ascii=False, separators=(",", ":")))
                    out.write("\n")
                    n += 1
            counts[table.name] = n
            if on_table:
                on_table(table.name)
        conn.rollback()
    finally:
        conn.close()
    return counts, columns, revision


def _upload_files() -> Iterator[tuple[Path, str]]:
    """(path, archive name) of every stored upload, skipping temporary files."""
    root = uploads_root()
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(TEMP_SUFFIXES):
            yield path, "uploads/" + path.relative_to(root).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(target: Path, on_table: Callable[[str], None] | None = None) -> dict:
    """Write the archive to ``target`` (atomically: a temporary file renamed at the end); returns the manifest."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="courage-hub-backup-", dir=target.parent) as tmp:
        work = Path(tmp)
        (work / "database").mkdir()
        counts, columns, revision = dump_database(work / "database", on_table)
        checksums: dict[str, str] = {}
        staged = work / "archive.tar.gz"
        with tarfile.open(staged, "w:gz") as archive:
            for table in tables():
                path = work / "database" / f"{table.name}.jsonl"
                name = f"database/{table.name}.jsonl"
                checksums[name] = _sha256(path)
                archive.add(path, arcname=name)
            for path, name in _upload_files():
                try:
                    copy = work / "file"
                    shutil.copyfile(path, copy)
                except FileNotFoundError:
                    continue  # deleted meanwhile (e.g. consent withdrawn): it does not belong in the backup
                checksums[name] = _sha256(copy)
                archive.add(copy, arcname=name)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": utcnow().isoformat(),
                "database": db.engine.dialect.name,
                "alembic_revision": revision,
                "tables": counts,
                "columns": columns,
                "files": checksums,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        staged.replace(target)
    return manifest


# --- restore ---------------------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def read_archive(source: Path, work: Path) -> dict:
    """Unpack ``source`` into ``work`` after checking names, and verify every checksum; returns the manifest."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not member.isfile() and not member.isdir():
                    raise BackupError(f"Unerwarteter Eintrag im Archiv: {member.name}")
                if not _safe_member_name(member.name):
                    raise BackupError(f"Unzulässiger Pfad im Archiv: {member.name}")
            archive.extractall(work, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"Das Archiv ist nicht lesbar: {error}") from None
    manifest_path = work / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError("Das Archiv enthält kein manifest.json.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("Das Archiv ist keine Courage-Hub-Sicherung in einem bekannten Format.")
    for name, expected in manifest["files"].items():
        path = work / name
        if not _safe_member_name(name) or not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"Prüfsumme stimmt nicht oder Datei fehlt: {name}")
    return manifest


def database_is_empty(conn: Connection) -> bool:
    return all(conn.execute(select(func.count()).select_from(t)).scalar() == 0 for t in tables())


def _clear(conn: Connection) -> None:
    for table in reversed(tables()):
        conn.execute(table.delete())


def _insert_rows(conn: Connection, table: Table, names: list[str], path: Path) -> int:
    known = {c.name: c for c in table.columns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BackupError(f"Spalten der Sicherung fehlen in der Datenbank ({table.name}: {', '.join(unknown)}).")
    converters = {n: _converter(known[n]) for n in names}
    batch: list[dict] = []
    n = 0
    with path.open(encoding="utf-8") as source:
        for line in source:
            values = json.loads(line)
            row = {}
            for name, value in zip(names, values, strict=True):
                convert = converters[name]
                row[name] = convert(value) if convert and value is not None else value
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(table.insert(), batch)
                n += len(batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n


def _after_load(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for table in tables():
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and isinstance(_base_type(pk[0]), Integer) and pk[0].autoincrement in (True, "auto"):
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": pk[0].name},
                ).scalar()
                if sequence:
                    conn.execute(
                        text(
                            f"SELECT setval(:sequence, coalesce((SELECT max({pk[0].name}) FROM {table.name}), 1), "  # noqa: S608 - names from the models
                            f"(SELECT max({pk[0].name}) FROM {table.name}) IS NOT NULL)"
                        ),
                        {"sequence": sequence},
                    )
    else:
        # Full-text tables with external content (e.g. materials_fts) are filled by triggers; rebuild them anyway.
        fts_tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%' AND sql LIKE '%content=%'"
        ).scalars()
        for name in list(fts_tables):
            if name.isidentifier():
                conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # noqa: S608 - a schema name


def restore_backup(source: Path, *, force: bool = False) -> dict:
    """Restore an archive into this instance; refuses a database with data unless ``force``. Returns the manifest."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Die Datei {source} gibt es nicht.")
    root = uploads_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="courage-hub-restore-", dir=root.parent) as tmp:
        work = Path(tmp)
        manifest = read_archive(source, work)
        db.session.remove()
        with db.engine.connect() as conn, conn.begin():
            revision = alembic_revision(conn)
            if manifest.get("alembic_revision") and revision and revision != manifest["alembic_revision"]:
                raise BackupError(
                    f"Die Sicherung hat den Datenbankstand {manifest['alembic_revision']}, diese Datenbank "
                    f"{revision}. Bitte erst auf denselben Stand migrieren."
                )
            if not database_is_empty(conn):
                if not force:
                    raise BackupError(
                        "Die Datenbank enthält bereits Daten. Wiederherstellen nur in eine leere Datenbank "
                        "(oder mit --force, das alle vorhandenen Daten ersetzt)."
                    )
                _clear(conn)
            for table in tables():
                names = manifest["columns"].get(table.name)
                if names is None:
                    continue  # a table newer than the backup stays empty
                _insert_rows(conn, table, names, work / "database" / f"{table.name}.jsonl")
            _after_load(conn)
        _replace_uploads(work / "uploads", root, clear=force)
    return manifest


def _replace_uploads(unpacked: Path, root: Path, *, clear: bool) -> None:
    if clear:
        for kind in [p for p in root.iterdir() if p.is_dir()]:
            shutil.rmtree(kind)
    if not unpacked.is_dir():
        return
    for path in sorted(unpacked.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(unpacked)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def upload_checksums() -> dict[str, str]:
    """sha256 of every stored upload, by archive name (for comparing an instance with a backup)."""
    return {name: _sha256(path) for path, name in _upload_files()}


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in tables()}
