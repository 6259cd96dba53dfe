"""full-text index for activity reports

Revision ID: 9a4e6b3c2d18
Revises: 7c1d9e2b4f60
Create Date: 2026-11-26 01:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a4e6b3c2d18'
down_revision = '7c1d9e2b4f60'
branch_labels = None
depends_on = None

# The full-text index of activity reports as it was at this revision: FTS5 with triggers on SQLite, a generated tsvector
# with a GIN index on PostgreSQL. Written out here rather than taken from the app, so that a later change of the
# app's index cannot change what this migration did (a changed index gets a new migration).
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS activities_fts USING fts5(title, description, content='activities', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='3 4 5 6')",
    'CREATE TRIGGER IF NOT EXISTS activities_fts_insert AFTER INSERT ON activities BEGIN INSERT INTO activities_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END',
    "CREATE TRIGGER IF NOT EXISTS activities_fts_delete AFTER DELETE ON activities BEGIN INSERT INTO activities_fts(activities_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS activities_fts_update AFTER UPDATE OF title, description ON activities BEGIN INSERT INTO activities_fts(activities_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description); INSERT INTO activities_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END",
    "INSERT INTO activities_fts(activities_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS activities_fts_insert',
    'DROP TRIGGER IF EXISTS activities_fts_delete',
    'DROP TRIGGER IF EXISTS activities_fts_update',
    'DROP TABLE IF EXISTS activities_fts',
]
POSTGRES_CREATE = [
    "ALTER TABLE activities ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('german'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('german'::regconfig, coalesce(description, '')), 'C')) STORED",
    'CREATE INDEX IF NOT EXISTS ix_activities_search ON activities USING gin (search_vector)',
]
POSTGRES_DROP = [
    'DROP INDEX IF EXISTS ix_activities_search',
    'ALTER TABLE activities DROP COLUMN IF EXISTS search_vector',
]


def _run(postgres: list[str], sqlite: list[str]) -> None:
    bind = op.get_bind()
    for statement in postgres if bind.dialect.name == "postgresql" else sqlite:
        bind.exec_driver_sql(statement)


def upgrade():
    # The feed's search was a LIKE scan (350 ms for a rare word at 200,000 reports); FTS5 / tsvector like materials.
    _run(POSTGRES_CREATE, SQLITE_CREATE)


def downgrade():
    _run(POSTGRES_DROP, SQLITE_DROP)
