"""Migrations build the schema from nothing and agree with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

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


def test_old_public_reports_without_publication_time_get_the_time_they_were_written(empty_database_url, tmp_path):
    from datetime import UTC, date, datetime

    from sqlalchemy import select, text

    from courage_hub.activities.models import Activity

    from .factories import SchoolFactory

    app = create_app(make_config(empty_database_url, str(tmp_path)))
    with app.app_context():
        upgrade(revision="9a4e6b3c2d18")
        school = SchoolFactory()
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
                    "school": school.id,
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
