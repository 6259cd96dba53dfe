"""Speed by construction, not by timing: queries per page do not grow with the data, and the main list and search
queries can use their indexes (EXPLAIN QUERY PLAN on SQLite; EXPLAIN on PostgreSQL with sequential scans
switched off, so that small test tables still show whether an index is usable)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from courage_hub.core import schoolyear
from courage_hub.extensions import db as _db

from .conftest import DB_KIND, count_queries, login
from .factories import ActivityFactory, MaterialFactory, SchoolFactory

YEAR = schoolyear.current_school_year()
PUBLIC_LIST_PAGES = (
    "/schulen/",
    "/aktivitaeten/",
    f"/aktivitaeten/?thema=Rassismus&jahr={YEAR}",
    "/aktivitaeten/?q=projekt",
    "/materialien/",
    "/materialien/?q=arbeitsblatt",
    "/materialien/?thema=Rassismus",
)
MAX_PUBLIC_QUERIES = 10
MAX_DASHBOARD_QUERIES = 15


def add_data(schools: int, per_school: int) -> None:
    """Public schools, each with published reports over four school years and materials (topic "Rassismus")."""
    for _ in range(schools):
        school = SchoolFactory()
        for n in range(per_school):
            ActivityFactory(school=school, topics=["Rassismus", "Sexismus"], start_date=date(YEAR - n % 4, 10, 1))
            MaterialFactory(school=school)


def query_counts(client, paths) -> dict[str, int]:
    return {path: count_queries(client, path) for path in paths}


def test_public_list_pages_run_the_same_few_queries_for_little_and_much_data(client, users):
    add_data(schools=2, per_school=2)
    small = query_counts(client, PUBLIC_LIST_PAGES)
    add_data(schools=25, per_school=4)
    large = query_counts(client, PUBLIC_LIST_PAGES)
    assert small == large
    assert max(large.values()) <= MAX_PUBLIC_QUERIES, large


def test_detail_pages_run_the_same_few_queries_for_little_and_much_data(client, users):
    def detail_paths() -> list[str]:
        school = users["school_a"]
        return [
            f"/schulen/{school.slug}",
            f"/aktivitaeten/{ActivityFactory(school=school).id}",
            f"/materialien/{MaterialFactory(school=school).id}",
        ]

    # One of each first, so that the lists on the pages (reports of the school, related materials) are not empty:
    # an empty list needs no query for its topics.
    ActivityFactory(school=users["school_a"], topics=["Rassismus"])
    MaterialFactory(school=users["school_a"])
    small = list(query_counts(client, detail_paths()).values())
    for _ in range(30):
        ActivityFactory(school=users["school_a"], topics=["Rassismus"])
        MaterialFactory(school=users["school_a"])
    large = list(query_counts(client, detail_paths()).values())
    assert small == large
    assert max(large) <= MAX_PUBLIC_QUERIES


def test_dashboard_runs_the_same_few_queries_for_few_and_many_schools(client, users):
    login(client, users["ki"])
    add_data(schools=2, per_school=1)
    small = count_queries(client, "/koordination/")
    add_data(schools=30, per_school=2)
    large = count_queries(client, "/koordination/")
    assert small == large <= MAX_DASHBOARD_QUERIES


# --- index use ---------------------------------------------------------------------------------------------------


def statements_of(client, path: str) -> list[tuple[str, object]]:
    """The SQL statements (with parameters) that one GET of ``path`` runs."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)
    return seen


def list_statement(client, path: str, table: str) -> tuple[str, object]:
    """The statement that reads one page of rows from ``table`` (the one with LIMIT)."""
    for statement, parameters in statements_of(client, path):
        flat = " ".join(statement.split())
        if flat.startswith("SELECT") and f"FROM {table}" in flat and "LIMIT" in flat and "count(" not in flat:
            return statement, parameters
    raise AssertionError(f"no list query on {table} for {path}")


def query_plan(statement: str, parameters) -> str:
    with _db.engine.begin() as conn:
        # As seed-demo and cleanup do: the planner works from real statistics (only this test's tables).
        for table in ("schools", "activities", "activity_topics", "materials", "material_topics"):
            conn.exec_driver_sql(f"ANALYZE {table}")
    with _db.engine.connect() as conn:
        if DB_KIND == "postgres":
            conn.exec_driver_sql("SET enable_seqscan = off")
            if "@@" in statement:
                # A GIN index is read by a bitmap scan; without this the planner filters the few published rows of
                # a test table through the btree on state instead.
                conn.exec_driver_sql("SET enable_indexscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            return "\n".join(row[0] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(row[-1] for row in rows)


SQLITE_FTS = "materials_fts VIRTUAL TABLE INDEX"


@pytest.mark.parametrize(
    ("path", "table", "sqlite_index", "postgres_index"),
    [
        ("/schulen/", "schools", "ix_schools_public_listing", "ix_schools_public_listing"),
        ("/aktivitaeten/", "activities", "ix_activities_feed", "ix_activities_feed"),
        (f"/aktivitaeten/?jahr={YEAR}", "activities", "ix_activities_year_feed", "ix_activities_year_feed"),
        (
            f"/aktivitaeten/?thema=Rassismus&jahr={YEAR}",
            "activities",
            "ix_activities_year_feed",
            "ix_activities_year_feed",
        ),
        ("/materialien/", "materials", "ix_materials_state_published", "ix_materials_state_published"),
        ("/materialien/?q=zivilcourage", "materials", SQLITE_FTS, "ix_materials_search"),
    ],
)
def test_main_list_and_search_queries_use_their_index(client, users, path, table, sqlite_index, postgres_index):
    add_data(schools=3, per_school=8)
    MaterialFactory(school=users["school_a"], title="Zivilcourage im Alltag")
    if "?q=" in path:
        # Enough published materials that reading every published row through a btree costs clearly more than the
        # text index's few matches (with a handful of rows PostgreSQL's costs tie and either plan may win).
        for n in range(60):
            MaterialFactory(school=users["school_b"], title=f"Arbeitsblatt Nummer {n}", topics=["Rassismus"])
    plan = query_plan(*list_statement(client, path, table))
    if DB_KIND == "postgres":
        # With a few test rows PostgreSQL's costs tie between the table's indexes, so which one it takes varies from
        # run to run; what is checked is that the rows come from an index of the table, never from a scan of it.
        # (SQLite, with its statistics, is checked for the exact index below.)
        from_index = re.search(
            rf"Index (Only )?Scan (Backward )?using \w+ on {table}\b|Bitmap Heap Scan on {table}\b", plan
        )
        assert from_index and f"Seq Scan on {table}" not in plan, plan
        if postgres_index == "ix_materials_search":
            assert postgres_index in plan, plan  # a text search must use the GIN index
    else:
        assert sqlite_index in plan, plan


# --- offers of cooperation partners --------------------------------------------------------------------------------

OFFER_LIST_PAGES = (
    "/angebote/",
    "/angebote/?q=workshop",
    "/angebote/?thema=Antisemitismus&stufe=9&kosten=free&region=kreis-soest",
    "/angebote/?online=1",
    "/angebote/partner/",
    "/angebote/partner/?region=kreis-soest",
)


def add_offers(partners: int, per_partner: int) -> None:
    """Partners serving Kreis Soest, each with current offers on two topics, some online."""
    from .factories import OfferFactory, PartnerFactory

    for _ in range(partners):
        partner = PartnerFactory(topics=["Antisemitismus", "Rassismus"])
        for n in range(per_partner):
            OfferFactory(partner=partner, topics=["Antisemitismus", "Rassismus"], online=n % 2 == 0)


def test_offer_list_pages_run_the_same_few_queries_for_3_and_30_offers(client, users):
    """Partner and topics of every card are loaded with the page, never one by one."""
    add_offers(partners=1, per_partner=3)
    small = query_counts(client, OFFER_LIST_PAGES)
    add_offers(partners=9, per_partner=3)
    large = query_counts(client, OFFER_LIST_PAGES)
    assert small == large
    assert max(large.values()) <= MAX_PUBLIC_QUERIES, large


def test_offer_and_partner_pages_run_the_same_few_queries_however_many_offers_and_reports(client, users):
    from .factories import OfferFactory

    partner = users["partner_soest"]
    offer = OfferFactory(partner=partner)
    ActivityFactory(school=users["school_a"], partner_id=partner.id)
    paths = [f"/angebote/{offer.id}", f"/angebote/partner/{partner.id}", "/regionen/kreis-soest"]
    small = query_counts(client, paths)
    for _ in range(20):
        OfferFactory(partner=partner, topics=["Antisemitismus", "Rassismus"])
        ActivityFactory(school=users["school_a"], partner_id=partner.id, topics=["Rassismus", "Sexismus"])
    large = query_counts(client, paths)
    assert small == large
    assert max(large.values()) <= MAX_PUBLIC_QUERIES, large
