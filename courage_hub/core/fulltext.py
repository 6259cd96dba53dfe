"""Full-text search with German word forms: one definition per table, two engines.

PostgreSQL keeps a generated ``tsvector`` column (``german`` configuration, so word forms are stemmed) with a GIN
index; SQLite keeps an FTS5 table (``unicode61`` words, case and accents folded, with prefix indexes), filled by
triggers. A trigram index would also find parts of compounds ("Alltagsrassismus"), but at 100,000 materials its
common trigrams made a search three times slower than the whole page may take.

Neither object is part of the SQLAlchemy models: :class:`FullTextIndex` creates them, both from the migrations and
from ``create_all`` (through table events), and tells Alembic to leave them alone.

A query word matches its stem *or* its word family: the first letters of the word (all but the last three, at least
four), so "Rassismus" also finds "rassistische" and "Gedenken" finds "Gedenkstätte".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Select, Table, event, func, literal_column, select, text, true
from sqlalchemy.sql.elements import ColumnElement

PG_COLUMN = "search_vector"
MAX_TERMS = 8
WORD_RE = re.compile(r"\w+", re.UNICODE)
NAME_RE = re.compile(r"[a-z_]+")
_REGISTRY: list[FullTextIndex] = []


def query_words(q: str) -> list[str]:
    """The words of a search, lower-cased, without operators or punctuation (at most MAX_TERMS).

    Words shorter than three letters are left out when there are longer ones (they are stop words in most cases),
    so both databases see the same words.
    """
    words = [w.lower() for w in WORD_RE.findall(q or "")]
    long_words = [w for w in words if len(w) >= 3]
    return (long_words or words)[:MAX_TERMS]


def family_prefix(word: str) -> str:
    """The beginning that a word shares with its relatives ("rassismus" → "rassis")."""
    return word if len(word) <= 5 else word[: max(4, len(word) - 3)]


class SearchMatch:
    """How a search narrows a ``select()`` of the indexed table, and its order by relevance."""

    def __init__(self, id_column: Column, condition: ColumnElement[bool], best_first, join=None) -> None:
        self.id_column = id_column
        self.condition = condition
        self.best_first = best_first
        self.join = join

    def apply(self, stmt: Select) -> Select:
        if self.join is not None:
            stmt = stmt.join(self.join, self.join.c.id == self.id_column)
        return stmt.where(self.condition)


@dataclass(frozen=True)
class FullTextIndex:
    """The full-text index of one table: ``columns`` are (column, weight A–D) pairs, most important first."""

    table: Table
    columns: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        # Names go into DDL: they come from this code, never from outside, and must look like identifiers.
        if not all(NAME_RE.fullmatch(n) for n in (self.table.name, *(c for c, _w in self.columns))):
            raise ValueError(f"not an identifier in the full-text index of {self.table.name}")
        _REGISTRY.append(self)
        event.listen(self.table, "after_create", lambda target, connection, **kw: self.create(connection))
        event.listen(self.table, "before_drop", lambda target, connection, **kw: self.drop(connection))

    @property
    def fts_table(self) -> str:
        return f"{self.table.name}_fts"

    @property
    def pg_index(self) -> str:
        return f"ix_{self.table.name}_search"

    def _sqlite_ddl(self) -> list[str]:
        t, fts = self.table.name, self.fts_table
        names = ", ".join(c for c, _w in self.columns)
        new = ", ".join(f"new.{c}" for c, _w in self.columns)
        old = ", ".join(f"old.{c}" for c, _w in self.columns)
        # S608: every name was checked against NAME_RE and comes from this code; no value from outside is in here.
        delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608
        insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{t}', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2', prefix='3 4 5 6')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {t} BEGIN {insert} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {t} BEGIN {delete} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {names} ON {t} BEGIN {delete} {insert} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
        ]

    def _pg_ddl(self) -> list[str]:
        vector = " || ".join(
            f"setweight(to_tsvector('german'::regconfig, coalesce({c}, '')), '{w}')" for c, w in self.columns
        )
        return [
            f"ALTER TABLE {self.table.name} ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({vector}) STORED",
            f"CREATE INDEX IF NOT EXISTS {self.pg_index} ON {self.table.name} USING gin ({PG_COLUMN})",
        ]

    def create(self, connection: Connection) -> None:
        """Create the index for the connection's database (idempotent)."""
        ddl = self._pg_ddl() if connection.dialect.name == "postgresql" else self._sqlite_ddl()
        for statement in ddl:
            connection.exec_driver_sql(statement)

    def drop(self, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {self.pg_index}")
            connection.exec_driver_sql(f"ALTER TABLE {self.table.name} DROP COLUMN IF EXISTS {PG_COLUMN}")
            return
        for trigger in ("insert", "delete", "update"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.fts_table}_{trigger}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {self.fts_table}")

    def match(self, q: str, dialect: str) -> SearchMatch | None:
        """A search condition for ``q`` with its relevance order; None when ``q`` has no words."""
        words = query_words(q)
        if not words:
            return None
        id_column = self.table.c.id
        if dialect == "postgresql":
            parts = [f"({w} | {family_prefix(w)}:*)" for w in words]
            tsquery = func.to_tsquery(literal_column("'german'::regconfig"), " & ".join(parts))
            vector = literal_column(f"{self.table.name}.{PG_COLUMN}")
            return SearchMatch(id_column, vector.op("@@")(tsquery), func.ts_rank(vector, tsquery).desc())
        # SQLite: every word must start like the query word's family (a prefix query on the prefix index).
        expression = " AND ".join('"' + family_prefix(w).replace('"', "") + '"*' for w in words)
        fts = (
            select(literal_column("rowid").label("id"), literal_column("rank").label("rank"))
            .select_from(text(self.fts_table))
            .where(text(f"{self.fts_table} MATCH :fts_expression").bindparams(fts_expression=expression))
            .subquery("fts")
        )
        # FTS5's rank is bm25 negated: smaller is better.
        return SearchMatch(id_column, true(), fts.c.rank.asc(), join=fts)

    def contains(self, q: str, dialect: str) -> ColumnElement[bool] | None:
        """The search as a plain condition (``id IN …``), for lists that keep their own order."""
        matched = self.match(q, dialect)
        if matched is None:
            return None
        if matched.join is None:
            return matched.condition
        return self.table.c.id.in_(select(matched.join.c.id))


def include_in_schema_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: full-text objects live outside the models on purpose."""
    if type_ == "table" and name and any(name.startswith(index.fts_table) for index in _REGISTRY):
        return False
    if type_ == "column" and name == PG_COLUMN:
        return False
    return not (type_ == "index" and any(name == index.pg_index for index in _REGISTRY))
