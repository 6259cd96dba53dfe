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
