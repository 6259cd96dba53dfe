"""Full-text search over materials: one service, two engines.

PostgreSQL keeps a generated ``tsvector`` column (``german`` configuration, so word forms are stemmed) with a GIN
index; SQLite keeps an FTS5 table (``unicode61`` words, case and accents folded, with prefix indexes), filled by
triggers. A trigram index would also find parts of compounds ("Alltagsrassismus"), but at 100,000 materials its
common trigrams made a search three times slower than the whole page may take.
Neither object is part of the SQLAlchemy models: they are created by :func:`create_search_objects`, which both
the migration and ``create_all`` (through a table event) call.

A query word matches its stem *or* its word family: the first letters of the word (all but the last three, at least
four), so "Rassismus" also finds "rassistische" and "Gedenken" finds "Gedenkstätte".
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Select, event, func, literal_column, select, text, true
from sqlalchemy.sql.elements import ColumnElement

from .models import Material

FTS_TABLE = "materials_fts"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_materials_search"
MAX_TERMS = 8
WORD_RE = re.compile(r"\w+", re.UNICODE)

# Table and trigger names are literals: no value from outside ever reaches this DDL.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS materials_fts USING fts5("
    "title, description, tags, attribution, content='materials', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='3 4 5 6')",
    """CREATE TRIGGER IF NOT EXISTS materials_fts_insert AFTER INSERT ON materials BEGIN
        INSERT INTO materials_fts(rowid, title, description, tags, attribution)
        VALUES (new.id, new.title, new.description, new.tags, new.attribution);
    END""",
    """CREATE TRIGGER IF NOT EXISTS materials_fts_delete AFTER DELETE ON materials BEGIN
        INSERT INTO materials_fts(materials_fts, rowid, title, description, tags, attribution)
        VALUES ('delete', old.id, old.title, old.description, old.tags, old.attribution);
    END""",
    """CREATE TRIGGER IF NOT EXISTS materials_fts_update
    AFTER UPDATE OF title, description, tags, attribution ON materials BEGIN
        INSERT INTO materials_fts(materials_fts, rowid, title, description, tags, attribution)
        VALUES ('delete', old.id, old.title, old.description, old.tags, old.attribution);
        INSERT INTO materials_fts(rowid, title, description, tags, attribution)
        VALUES (new.id, new.title, new.description, new.tags, new.attribution);
    END""",
    "INSERT INTO materials_fts(materials_fts) VALUES ('rebuild')",
)

PG_DDL = (
    f"""ALTER TABLE materials ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('german'::regconfig, coalesce(tags, '')), 'B') ||
        setweight(to_tsvector('german'::regconfig, coalesce(attribution, '')), 'C') ||
        setweight(to_tsvector('german'::regconfig, coalesce(description, '')), 'D')
    ) STORED""",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON materials USING gin ({PG_COLUMN})",
)


def create_search_objects(connection: Connection) -> None:
    """Create the full-text index of the materials table for the connection's database."""
    statements = PG_DDL if connection.dialect.name == "postgresql" else SQLITE_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_search_objects(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
        connection.exec_driver_sql(f"ALTER TABLE materials DROP COLUMN IF EXISTS {PG_COLUMN}")
    else:
        for trigger in ("insert", "delete", "update"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS materials_fts_{trigger}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


@event.listens_for(Material.__table__, "after_create")
def _after_create(target, connection, **kwargs) -> None:
    create_search_objects(connection)


@event.listens_for(Material.__table__, "before_drop")
def _before_drop(target, connection, **kwargs) -> None:
    drop_search_objects(connection)


def include_in_schema_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search objects live outside the models on purpose."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == PG_COLUMN:
        return False
    return not (type_ == "index" and name == PG_INDEX)


# --- querying --------------------------------------------------------------------------------------------------


def query_words(q: str) -> list[str]:
    """The words of a search, lower-cased, without operators or punctuation (at most MAX_TERMS).

    Words shorter than three letters are left out when there are longer ones (they match almost everything in a
    trigram index and are stop words in most cases), so both databases see the same words.
    """
    words = [w.lower() for w in WORD_RE.findall(q or "")]
    long_words = [w for w in words if len(w) >= 3]
    return (long_words or words)[:MAX_TERMS]


def family_prefix(word: str) -> str:
    """The beginning that a word shares with its relatives ("rassismus" → "rassis")."""
    return word if len(word) <= 5 else word[: max(4, len(word) - 3)]


class SearchMatch:
    """How a search narrows a ``select(Material …)`` and how it orders by relevance, for one database dialect."""

    def __init__(self, condition: ColumnElement[bool], best_first: ColumnElement, join=None) -> None:
        self.condition = condition
        self.best_first = best_first
        self.join = join

    def apply(self, stmt: Select) -> Select:
        if self.join is not None:
            stmt = stmt.join(self.join, self.join.c.id == Material.id)
        return stmt.where(self.condition)


def match(q: str, dialect: str) -> SearchMatch | None:
    """A search condition for ``q``; None when it has no words to search for."""
    words = query_words(q)
    if not words:
        return None
    if dialect == "postgresql":
        parts = [f"({w} | {family_prefix(w)}:*)" for w in words]
        tsquery = func.to_tsquery(literal_column("'german'::regconfig"), " & ".join(parts))
        vector = literal_column(f"materials.{PG_COLUMN}")
        return SearchMatch(vector.op("@@")(tsquery), func.ts_rank(vector, tsquery).desc())
    # SQLite: every word must start like the query word's family (a prefix query on the prefix index).
    expression = " AND ".join('"' + family_prefix(w).replace('"', "") + '"*' for w in words)
    fts = (
        select(literal_column("rowid").label("id"), literal_column("rank").label("rank"))
        .select_from(text(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_expression").bindparams(fts_expression=expression))
        .subquery("fts")
    )
    # FTS5's rank is bm25 negated: smaller is better.
    return SearchMatch(true(), fts.c.rank.asc(), join=fts)
