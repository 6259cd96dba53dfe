"""Migrations build the schema from nothing and agree with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from datetime import UTC, date, datetime
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
    from courage_hub.materials import metadata, moderation, services
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
        assert {m.title for m in moderation.assumed_licences(None)} == {"Ohne Lizenz", "Unbekannte Lizenz"}
        with app.test_request_context():
            items, total = metadata.amb_page(1, 10)
        assert total == 1 and all(item["license"]["id"] for item in items)
        # The column came without rebuilding the table: the full-text search still follows every change.
        rows["Mit Lizenz"].title = "Zivilcourage im Alltag"
        db.session.commit()
        with app.test_request_context():
            found, _total = services.list_page(services.MaterialFilter(q="Zivilcourage"), 1)
        assert [m.id for m in found] == [rows["Mit Lizenz"].id]
        db.session.remove()
        db.engine.dispose()


# --- regions: a single-Kreis installation becomes its first region, unchanged ---------------------------------

BEFORE_REGIONS = "f4a2b8c6d0e1"
SOEST_TOWNS = {
    "Anröchte", "Bad Sassendorf", "Ense", "Erwitte", "Geseke", "Lippetal", "Lippstadt", "Möhnesee", "Rüthen",
    "Soest", "Warstein", "Welver", "Werl", "Wickede (Ruhr)",
}  # fmt: skip


def insert_row(db, table: str, **values) -> int | None:
    """One raw row in the schema of the revision the database stands at; returns its id (if it has one)."""
    from sqlalchemy import text

    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    returning = "" if table.endswith("_topics") else " RETURNING id"
    result = db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}){returning}"), values)  # noqa: S608
    return result.scalar_one() if returning else None


def seed_single_kreis_network(db, towns: tuple[str, str]) -> dict[str, int]:
    """A small network as an installation before regions held it: two schools with a coordinator each, KI staff,
    reports with a file, materials (one of a school, one of the KI), notes, timeline, an audit entry about a school
    and one about an account, a reminder and an undelivered mail."""
    now = datetime(2024, 3, 4, 5, 6, tzinfo=UTC if DB_KIND == "postgres" else None)
    ids = {}
    for n, town in enumerate(towns):
        ids[f"school_{n}"] = insert_school_before_regions(db, f"Gesamtschule {town}", town)
    account = {
        "password_hash": None,
        "is_active": True,
        "email_confirmed_at": now,
        "created_at": now,
        "session_token": "",
    }
    ids["ki"] = insert_row(db, "users", email="ki@kreis.example", name="KI", role="ki_staff", **account)
    for n in range(2):
        user = insert_row(
            db,
            "users",
            email=f"koordination{n}@schule.example",
            name=f"Koordination {n}",
            role="coordinator",
            **account,
        )
        insert_row(db, "memberships", user_id=user, school_id=ids[f"school_{n}"], created_at=now)
        activity = insert_row(
            db,
            "activities",
            school_id=ids[f"school_{n}"],
            author_id=user,
            title=f"Projekttag {n}",
            start_date=date(2024, 3, 1),
            school_year=2023,
            activity_type="Workshop",
            description="Ein Tag gegen Rassismus.",
            groups="",
            partners="",
            links="",
            counts_as_project=True,
            photo_consent=False,
            state="published",
            moderation_reason="",
            published_at=now,
            version=1,
            created_at=now,
            updated_at=now,
        )
        insert_row(db, "activity_topics", activity_id=activity, topic="Rassismus")
        insert_row(
            db,
            "activity_files",
            activity_id=activity,
            kind="attachment",
            storage_name=f"{n:032x}.pdf",
            original_name="plan.pdf",
            content_type="application/pdf",
            size=13,
            sha256="0" * 64,
            alt_text="",
            position=0,
            uploaded_by_id=user,
            created_at=now,
        )
        insert_row(
            db, "school_events", school_id=ids[f"school_{n}"], kind="status", from_status="antrag_gestellt",
            to_status="aufgenommen", note="", internal=False, user_id=ids["ki"], created_at=now,
        )  # fmt: skip
        insert_row(db, "school_notes", school_id=ids[f"school_{n}"], author_id=ids["ki"], text="Anruf", created_at=now)
    for n, (title, school) in enumerate((("Arbeitsblatt Alltagsrassismus", ids["school_0"]), ("Methodenkoffer", None))):
        ids[f"material_{n}"] = insert_row(
            db,
            "materials",
            school_id=school,
            author_id=ids["ki"],
            title=title,
            description="Für den Unterricht.",
            tags="",
            attribution="KI",
            licence="cc-by",
            language="de",
            material_type="Arbeitsblatt",
            link_url=f"https://www.example.org/{n}",
            state="published",
            review_reason="",
            published_at=now,
            download_count=0,
            version=1,
            created_at=now,
            updated_at=now,
            creator_is_person=False,
            licence_assumed=False,
        )
        insert_row(db, "material_topics", material_id=ids[f"material_{n}"], topic="Rassismus")
    for object_type, object_id in (("schools", ids["school_0"]), ("users", ids["ki"])):
        insert_row(
            db, "audit_entries", created_at=now, user_id=ids["ki"], user_email="ki@kreis.example",
            action=f"{object_type}.test", object_type=object_type, object_id=object_id, summary="",
        )  # fmt: skip
    reminder = insert_row(
        db, "reminders", kind="obligation", subject="Projekt", body="Bitte melden", school_year=2023,
        sent_by_id=ids["ki"], created_at=now,
    )  # fmt: skip
    insert_row(
        db, "reminder_deliveries", reminder_id=reminder, school_id=ids["school_1"], kind="obligation",
        recipients="koordination1@schule.example", sent_at=now,
    )  # fmt: skip
    insert_row(
        db, "outbox_mails", created_at=now, kind="reminder", to_addr="koordination1@schule.example", subject="Projekt",
        body="Bitte melden", status="failed", attempts=3, next_attempt_at=now, last_error="Verbindung abgelehnt",
    )  # fmt: skip
    db.session.commit()
    return ids


def row_counts(db) -> dict[str, int]:
    """Rows per table (not the full-text indexes' own tables)."""
    from sqlalchemy import text

    names = [n for n in inspect(db.engine).get_table_names() if "_fts" not in n and n != "alembic_version"]
    return {name: db.session.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one() for name in names}  # noqa: S608


@pytest.mark.parametrize(
    ("environment", "towns", "office", "municipalities"),
    [
        ({}, ("Lippstadt", "Soest"), ("KI Kreis Soest", "Kreis Soest", "kreis-soest"), SOEST_TOWNS),
        # Another Kreis set in the settings; a school's town the settings forgot joins the region too.
        (
            {"COURAGE_HUB_KREIS": "Kreis Unna", "COURAGE_HUB_MUNICIPALITIES": "Unna,Kamen"},
            ("Unna", "Bergkamen"),
            ("KI Kreis Unna", "Kreis Unna", "kreis-unna"),
            {"Unna", "Kamen", "Bergkamen"},
        ),
    ],
    ids=["default settings", "Kreis Unna"],
)
def test_a_single_kreis_installation_becomes_its_first_region_with_nothing_lost(
    empty_database_url, tmp_path, monkeypatch, environment, towns, office, municipalities
):
    from sqlalchemy import select

    from courage_hub.coordination.models import Reminder
    from courage_hub.core.models import AuditEntry, OutboxMail
    from courage_hub.materials import services
    from courage_hub.materials.models import Material
    from courage_hub.regions.models import Region, RegionMunicipality, RegionStaff
    from courage_hub.schools.models import School

    for name in ("COURAGE_HUB_KREIS", "COURAGE_HUB_MUNICIPALITIES", "COURAGE_HUB_LAND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade(revision=BEFORE_REGIONS)
        ids = seed_single_kreis_network(db, towns)
        before = row_counts(db)
        db.session.remove()  # ends the reading transaction, which would still see the old schema
        upgrade()
        after = row_counts(db)

        # No row was lost or added: on SQLite the migration rebuilds the schools and materials tables, where a
        # cascade would take memberships, reports, files, notes and timelines with them.
        assert {name: count for name, count in after.items() if name in before} == before
        assert before["memberships"] == 2 and before["activity_files"] == 2 and before["school_notes"] == 2
        [region] = db.session.scalars(select(Region)).all()
        assert (region.name, region.area, region.slug, region.land) == (*office[:2], office[2], "NW")
        assert set(db.session.scalars(select(RegionMunicipality.name))) == municipalities
        assert after["regions"] == 1 and after["region_municipalities"] == len(municipalities)
        for model in (School, Material, Reminder, OutboxMail):
            assert set(db.session.scalars(select(model.region_id))) == {region.id}, model.__name__
        assert db.session.execute(select(RegionStaff.user_id, RegionStaff.region_id)).all() == [(ids["ki"], region.id)]
        # The entry about a school belongs to the region; the one about an account stays for admins only.
        entries = dict(db.session.execute(select(AuditEntry.object_type, AuditEntry.region_id)).all())
        assert entries == {"schools": region.id, "users": None}

        # The full-text search of the materials still follows every change after the tables were rebuilt.
        with app.test_request_context():
            found, _total = services.list_page(services.MaterialFilter(q="Alltagsrassismus"), 1)
            assert [m.id for m in found] == [ids["material_0"]]
        db.session.get(Material, ids["material_1"]).title = "Zivilcourage im Alltag"
        db.session.commit()
        with app.test_request_context():
            found, _total = services.list_page(services.MaterialFilter(q="Zivilcourage"), 1)
            assert [m.id for m in found] == [ids["material_1"]]
            assert services.list_page(services.MaterialFilter(q="Methodenkoffer"), 1)[0] == []
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
