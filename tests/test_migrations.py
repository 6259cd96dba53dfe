"""Migrations build the schema from nothing and agree with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from courage_hub import create_app
from courage_hub.core.fulltext import include_in_schema_comparison
from courage_hub.extensions import db

from .conftest import DB_KIND, drop_postgres_schema, make_config, postgres_url_for_schema


@pytest.fixture
def empty_database_url(tmp_path, worker_id, testrun_uid):
    if DB_KIND == "postgres":
        schema = f"courage_migrations_{testrun_uid[:8]}_{worker_id}"
        yield postgres_url_for_schema(schema)
        drop_postgres_schema(schema)
        return
    yield "sqlite:///" + str(tmp_path / "empty.sqlite3")


def pending_diff(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_in_schema_comparison}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_database_matches_the_models(empty_database_url, tmp_path):
    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "schools", "memberships", "user_tokens", "throttle_events"} <= tables
        assert pending_diff(app) == []
        db.engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url, tmp_path):
    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert pending_diff(app) == []
        db.engine.dispose()


# --- data migrations: each is tried on a database with the rows it is meant to repair ---------------------------


def insert_school_before_regions(db, name: str = "Gesamtschule Lippstadt", municipality: str = "Lippstadt") -> int:
    """A school row as the schema before regions held it (the factories know today's schema)."""
    from sqlalchemy import text

    now = datetime(2024, 1, 2, tzinfo=UTC if DB_KIND == "postgres" else None)
    db.session.execute(
        text(
            "INSERT INTO schools (name, slug, schulnummer, school_type, municipality, street, postcode, description,"
            " show_while_preparing, status, approval, ceremony_held, ceremony_note, needs_contact,"
            " needs_contact_reason, profile_version, created_at, updated_at) VALUES (:name, :slug, :number,"
            " 'Gesamtschule', :town, '', '', '', false, 'aufgenommen', 'approved', false, '', false, '', 1, :now, :now)"
        ),
        {
            "name": name,
            "slug": name.lower().replace(" ", "-"),
            "number": str(abs(hash(name)) % 900000 + 100000),
            "town": municipality,
            "now": now,
        },
    )
    school_id = db.session.execute(text("SELECT id FROM schools WHERE name = :name"), {"name": name}).scalar_one()
    db.session.commit()
    return school_id


def test_old_public_reports_without_publication_time_get_the_time_they_were_written(empty_database_url, tmp_path):
    from datetime import UTC, date, datetime

    from sqlalchemy import select, text

    from courage_hub.activities.models import Activity

    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade(revision="9a4e6b3c2d18")
        school_id = insert_school_before_regions(db)
        written = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
        for title, state in (("Alt", "published"), ("Gesperrt", "unpublished"), ("Entwurf", "draft")):
            db.session.execute(
                text(
                    "INSERT INTO activities (school_id, title, start_date, school_year, activity_type, description,"
                    " groups, partners, links, counts_as_project, photo_consent, state, moderation_reason, version,"
                    " created_at, updated_at) VALUES (:school, :title, :day, 2023, 'Workshop', '', '', '', '',"
                    " true, false, :state, '', 1, :written, :changed)"
                ),
                {
                    "school": school_id,
                    "title": title,
                    "day": date(2024, 5, 1),
                    "state": state,
                    "written": written if DB_KIND == "postgres" else written.replace(tzinfo=None),
                    "changed": datetime(2025, 1, 1, tzinfo=UTC if DB_KIND == "postgres" else None),
                },
            )
        db.session.commit()
        upgrade()
        published = dict(db.session.execute(select(Activity.title, Activity.published_at)).all())
        assert published == {"Alt": written, "Gesperrt": written, "Entwurf": None}
        db.session.remove()
        db.engine.dispose()


def test_materials_without_a_licence_get_all_rights_reserved_and_a_note_for_the_ki(empty_database_url, tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import select, text

    from courage_hub.core.models import AuditEntry
    from courage_hub.materials import services
    from courage_hub.materials.models import Material

    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade(revision="c5a7d9e1f3b2")
        now = datetime(2025, 2, 3, tzinfo=UTC if DB_KIND == "postgres" else None)
        for title, licence in (("Ohne Lizenz", ""), ("Unbekannte Lizenz", "frei"), ("Mit Lizenz", "cc-by")):
            db.session.execute(
                text(
                    "INSERT INTO materials (title, description, tags, attribution, licence, language, material_type,"
                    " link_url, state, review_reason, published_at, download_count, version, created_at, updated_at)"
                    " VALUES (:title, 'Ein Blatt.', '', 'KI Kreis Soest', :licence, 'de', 'Arbeitsblatt',"
                    " 'https://www.example.org/blatt', 'published', '', :now, 0, 1, :now, :now)"
                ),
                {"title": title, "licence": licence, "now": now},
            )
        db.session.commit()
        upgrade()
        rows = {m.title: m for m in db.session.scalars(select(Material))}
        assert {title: (m.licence, m.licence_assumed) for title, m in rows.items()} == {
            "Ohne Lizenz": ("arr", True),
            "Unbekannte Lizenz": ("arr", True),
            "Mit Lizenz": ("cc-by", False),
        }
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "material.licence_assumed")).all()
        assert {(e.object_id, e.before["licence"], e.after["licence"]) for e in entries} == {
            (rows["Ohne Lizenz"].id, "", "arr"),
            (rows["Unbekannte Lizenz"].id, "frei", "arr"),
        }
        assert {m.title for m in services.assumed_licences(None)} == {"Ohne Lizenz", "Unbekannte Lizenz"}
        with app.test_request_context():
            items, total = services.amb_page(1, 10)
        assert total == 1 and all(item["license"]["id"] for item in items)
        # The column came without rebuilding the table: the full-text search still follows every change.
        rows["Mit Lizenz"].title = "Zivilcourage im Alltag"
        db.session.commit()
        with app.test_request_context():
            found, _total = services.list_page(services.MaterialFilter(q="Zivilcourage"), 1)
        assert [m.id for m in found] == [rows["Mit Lizenz"].id]
        db.session.remove()
        db.engine.dispose()


# --- migrations stand on their own -----------------------------------------------------------------------------

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def _migration(revision: str):
    path = next(VERSIONS.glob(f"{revision}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_migration_imports_the_app_so_a_later_change_of_the_app_cannot_rewrite_history():
    importing = []
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "courage_hub" for name in names):
                importing.append(path.name)
    assert importing == []


@pytest.mark.parametrize(
    ("revision", "index"),
    [
        ("23cc42aac44e", "courage_hub.materials.search:MATERIALS"),
        ("9a4e6b3c2d18", "courage_hub.activities.search:ACTIVITIES"),
    ],
)
def test_the_full_text_index_the_migrations_build_is_the_one_the_app_builds(revision, index):
    """A change to an index in the app must come with a new migration: this fails until one is written."""
    module_name, name = index.split(":")
    app_index = getattr(importlib.import_module(module_name), name)
    migration = _migration(revision)
    assert app_index._sqlite_ddl() == migration.SQLITE_CREATE
    assert app_index._pg_ddl() == migration.POSTGRES_CREATE


def test_member_schools_without_admission_date_get_it_from_the_timeline_or_the_ceremony(empty_database_url, tmp_path):
    from datetime import UTC, date, datetime

    from sqlalchemy import select, text

    from courage_hub.schools.models import School

    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade(revision="e3f1a7c9b5d2")
        rows = (
            ("Timeline", "111111", "aufgenommen", None, date(2024, 9, 9)),
            ("Feier", "222222", "aufgenommen", None, date(2023, 11, 9)),
            ("Schon da", "333333", "aufgenommen", date(2020, 1, 2), None),
            ("Vorbereitung", "444444", "vorbereitung", None, date(2022, 2, 2)),
        )
        for name, number, status, admitted, ceremony in rows:
            db.session.execute(
                text(
                    "INSERT INTO schools (name, slug, schulnummer, school_type, municipality, street, postcode,"
                    " description, show_while_preparing, status, approval, admitted_on, ceremony_date, ceremony_held,"
                    " ceremony_note, needs_contact, needs_contact_reason, profile_version, created_at, updated_at)"
                    " VALUES (:name, :number, :number, 'Gymnasium', 'Soest', '', '', '', false, :status, 'approved',"
                    " :admitted, :ceremony, false, '', false, '', 1, :now, :now)"
                ),
                {
                    "name": name,
                    "number": number,
                    "status": status,
                    "admitted": admitted,
                    "ceremony": ceremony,
                    "now": datetime(2025, 1, 1, tzinfo=UTC if DB_KIND == "postgres" else None),
                },
            )
        school_id = db.session.scalar(text("SELECT id FROM schools WHERE name = 'Timeline'"))
        clicked = datetime(2024, 5, 31, 22, 30, tzinfo=UTC)  # already 1 June in Berlin
        db.session.execute(
            text(
                "INSERT INTO school_events (school_id, kind, from_status, to_status, note, internal, created_at)"
                " VALUES (:school, 'status', 'antrag_gestellt', 'aufgenommen', '', false, :at)"
            ),
            {"school": school_id, "at": clicked if DB_KIND == "postgres" else clicked.replace(tzinfo=None)},
        )
        db.session.commit()
        upgrade()
        admitted = dict(db.session.execute(select(School.name, School.admitted_on)).all())
        assert admitted == {
            "Timeline": date(2024, 6, 1),
            "Feier": date(2023, 11, 9),
            "Schon da": date(2020, 1, 2),
            "Vorbereitung": None,
        }
        db.session.remove()
        db.engine.dispose()
