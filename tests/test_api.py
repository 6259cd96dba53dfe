"""The open data API: every answer fits the OpenAPI document the app serves, the document is valid, collections
read page by page with a stable cursor, filter like the pages and run a fixed number of queries."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from openapi_spec_validator import validate

from courage_hub.api.resources import RESOURCES
from courage_hub.core import schoolyear

from .api_helpers import OpenAPIChecker, public_network
from .conftest import count_queries, login
from .factories import ActivityFactory, MaterialFactory, SchoolFactory
from .test_performance import MAX_PUBLIC_QUERIES


@pytest.fixture
def network(users):
    return public_network(users)


@pytest.fixture
def checker(client) -> OpenAPIChecker:
    return OpenAPIChecker(client)


# --- the document ------------------------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1_and_describes_every_route(app, client, checker):
    validate(checker.document)
    assert checker.document["openapi"] == "3.1.0"
    served = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    described = {"/api/v1" + path.replace("{", "<int:").replace("}", ">") for path in checker.document["paths"]}
    assert served == described | {"/api/v1/openapi.json"}


def test_every_example_fits_its_schema(client, checker):
    """The examples on the documentation page and in the document are answers the schemas accept."""
    from jsonschema import Draft202012Validator

    from .api_helpers import DOC_URI

    examples = 0
    for operation in (path["get"] for path in checker.document["paths"].values()):
        content = operation["responses"]["200"]["content"]["application/json"]
        for example in content.get("examples", {}).values():
            schema = {"$ref": DOC_URI + content["schema"]["$ref"]}
            validator = Draft202012Validator(schema, registry=checker.registry)
            assert not list(validator.iter_errors(example["value"])), example["summary"]
            examples += 1
    assert examples == 2 * len(RESOURCES)


# --- answers fit the document ------------------------------------------------------------------------------------


def test_every_endpoint_answers_as_the_document_says(client, users, network, checker):
    """Collections (with filters, every page), items, and the problems they answer with, each validated against the
    schema of its operation and status."""
    year = schoolyear.current_school_year()
    collections = [
        "/api/v1/regions",
        "/api/v1/regions?land=NW&limit=1",
        "/api/v1/schools",
        "/api/v1/schools?limit=1",
        "/api/v1/schools?q=lindenhof&municipality=Lippstadt&status=aufgenommen&school_type=Gesamtschule",
        "/api/v1/schools?region=kreis-unna",
        "/api/v1/activities",
        f"/api/v1/activities?limit=1&topic=Rassismus&school_year={year}&land=NW",
        "/api/v1/activities?q=zivilcourage&school=gesamtschule-am-lindenhof-lippstadt",
        "/api/v1/materials",
        "/api/v1/materials?limit=2&q=rassismus",
        "/api/v1/materials?school=ki&level=Sekundarstufe%20II&licence=cc-by&type=Arbeitsblatt&language=de",
        "/api/v1/events",
        "/api/v1/events?limit=1&period=upcoming&audience=pupils&kind=regionaltreffen&region=kreis-soest",
        f"/api/v1/events?period=past&month={date.today():%Y-%m}",
        "/api/v1/offers",
        "/api/v1/offers?limit=1&topic=Antisemitismus&grade=9&cost=free&format=Workshop&region=kreis-soest",
        "/api/v1/offers?q=mitläufer&online=true&land=NW&cost=amount",
    ]
    found: dict[str, list[dict]] = {}
    for path in collections:
        found[path] = checker.crawl(client, path)
    for resource in RESOURCES:
        for item in found[f"/api/v1/{resource.name}"]:
            body = checker.get(client, f"/api/v1/{resource.name}/{item['id']}").get_json()
            assert body == item  # an item reads the same alone as in its collection
        checker.get(client, f"/api/v1/{resource.name}/2147483647")  # 404, as a problem
        checker.get(client, f"/api/v1/{resource.name}?limit=0")  # 400, as a problem
        checker.get(client, f"/api/v1/{resource.name}?cursor=bm90LWEtY3Vyc29y")  # 400: not a cursor
    checker.get(client, "/api/v1/openapi.json")
    assert all(len(found[f"/api/v1/{r.name}"]) >= 2 for r in RESOURCES)
    assert checker.checked >= 50


def test_items_carry_their_id_and_the_address_of_their_public_page(client, users, network):
    for resource in RESOURCES:
        body = client.get(f"/api/v1/{resource.name}").get_json()
        assert body["items"], resource.name
        for item in body["items"]:
            assert isinstance(item["id"], int)
            page = client.get(item["url"].removeprefix("http://localhost"))
            assert page.status_code == 200, item["url"]


def test_a_school_shows_its_public_profile_with_obligation_years(client, users, network):
    school = users["school_a"]
    body = client.get(f"/api/v1/schools/{school.id}").get_json()
    assert body["member_since"] == "2019-11-08"
    assert body["patron"] == {"name": "Aylin Demir", "organisation": "Stadttheater"}
    assert body["description"] == "Unsere Courage-AG trifft sich jeden Dienstag."  # plain text, no Markdown marks
    assert body["region"]["slug"] == "kreis-soest" and body["land"] == "NW"
    years = body["obligation_years"]
    assert years[0]["label"] == "2019/20" and years[-1]["school_year"] == schoolyear.current_school_year()
    assert years[-1]["project_reported"] is True
    assert client.get(f"/api/v1/schools/{users['school_b'].id}").get_json()["patron"] is None  # kept private


def test_a_material_embeds_its_amb_description_when_openly_licensed(client, users, network):
    open_material, reserved, *_ = network["materials"]
    body = client.get(f"/api/v1/materials/{open_material.id}").get_json()
    jsonld = client.get(f"/materialien/{open_material.id}.jsonld").get_json()
    assert body["amb"] == jsonld  # the same description as the page's open metadata
    assert body["licence"] == {"code": "cc-by", "url": "https://creativecommons.org/licenses/by/4.0/", "open": True}
    assert client.get(f"/api/v1/materials/{reserved.id}").get_json()["amb"] is None


# --- pages and order ---------------------------------------------------------------------------------------------


def test_the_cursor_stays_valid_when_entries_are_added(client, users):
    """Reading page by page while reports are added before and after the cursor: every report that existed when
    reading began comes exactly once, in the order of the collection."""
    school = users["school_a"]
    start = date.today() - timedelta(days=100)
    first = [ActivityFactory(school=school, start_date=start + timedelta(days=n)).id for n in range(7)]
    body = client.get("/api/v1/activities?limit=3").get_json()
    seen = [item["id"] for item in body["items"]]
    ActivityFactory(school=school, start_date=start + timedelta(days=50))  # newer: before the cursor
    ActivityFactory(school=school, start_date=start - timedelta(days=50))  # older: still ahead
    url = body["next"]
    while url:
        body = client.get(url.removeprefix("http://localhost")).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    assert seen[: len(first)] == sorted(first, reverse=True)
    assert len(seen) == len(set(seen)) == len(first) + 1  # the older one is read, the newer one was passed


def test_equal_sort_keys_are_ordered_by_id_so_no_entry_is_lost_between_pages(client, users):
    day = date.today() - timedelta(days=3)
    ids = [ActivityFactory(school=users["school_a"], start_date=day).id for _ in range(5)]
    pages, url = [], "/api/v1/activities?limit=2"
    while url:
        body = client.get(url).get_json()
        pages.append([item["id"] for item in body["items"]])
        url = body["next"] and body["next"].removeprefix("http://localhost")
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)
    assert [len(page) for page in pages] == [2, 2, 1]


def test_the_next_link_keeps_the_filters_and_a_link_header_names_it(client, users, network):
    MaterialFactory(school=users["school_a"], title="Noch ein Arbeitsblatt")
    response = client.get("/api/v1/materials?limit=1&topic=Rassismus")
    body = response.get_json()
    assert body["next"].startswith("http://localhost/api/v1/materials?limit=1&topic=Rassismus&cursor=")
    assert f'<{body["next"]}>; rel="next"' in response.headers["Link"]
    assert 'rel="service-desc"' in response.headers["Link"]
    last = client.get("/api/v1/materials?topic=Antisemitismus")
    assert last.get_json()["next"] is None and 'rel="next"' not in last.headers["Link"]


# --- filters like the pages --------------------------------------------------------------------------------------


def _ids(client, path: str) -> list[int]:
    return [item["id"] for item in client.get(path).get_json()["items"]]


def test_filters_narrow_like_the_pages(client, users, network):
    a, c = users["school_a"], users["school_c"]
    assert set(_ids(client, "/api/v1/schools?region=kreis-unna")) == {c.id}
    assert set(_ids(client, "/api/v1/schools?municipality=Lippstadt")) == {a.id}
    assert _ids(client, "/api/v1/schools?q=LINDENHOF") == [a.id]
    assert _ids(client, "/api/v1/schools?status=vorbereitung") == [network["preparing"].id]
    assert _ids(client, "/api/v1/schools?region=unbekannt") == []  # an unknown office: nothing, not everything
    assert _ids(client, "/api/v1/schools?land=SN") == []
    assert _ids(client, "/api/v1/schools?land=SN&region=kreis-soest") == []  # an office outside the Land
    report = network["reports"][0]
    assert _ids(client, "/api/v1/activities?q=zivilcourage") == [report.id]
    assert _ids(client, "/api/v1/activities?topic=Demokratie%20und%20Zivilcourage") == [report.id]
    assert set(_ids(client, "/api/v1/activities?region=kreis-unna")) == {network["reports"][3].id}
    themenheft = network["materials"][2]
    assert _ids(client, "/api/v1/materials?school=ki") == [themenheft.id]
    assert _ids(client, "/api/v1/materials?q=antisemitismus") == [themenheft.id]
    assert _ids(client, "/api/v1/materials?licence=arr") == [network["materials"][1].id]
    region_event, land_event, past, cancelled = network["events"]
    assert _ids(client, "/api/v1/events?period=past") == [past.id]
    assert set(_ids(client, "/api/v1/events?region=kreis-soest&period=upcoming")) == {region_event.id, land_event.id}
    assert _ids(client, "/api/v1/events?kind=landestreffen") == [land_event.id]
    unna = client.get("/api/v1/events?region=kreis-unna").get_json()["items"]
    assert [(e["id"], e["status"], e["cancel_reason"]) for e in unna if e["organiser"]["region"]] == [
        (cancelled.id, "cancelled", "Die Halle ist gesperrt.")
    ]


def test_the_materials_search_finds_what_the_library_finds(client, users, network):
    """The same search words find the same materials on the page and in the API (the page ranks, the API keeps
    its order)."""

    for words in ("rassismus", "alltag", "themenheft", "vielfalt unna"):
        page = client.get(f"/materialien/?q={words}").get_data(as_text=True)
        on_page = {int(i) for i in re.findall(r'href="/materialien/(\d+)"', page)}
        assert set(_ids(client, f"/api/v1/materials?q={words}")) == on_page, words


def test_a_value_outside_the_schema_is_refused_and_named(client):
    response = client.get("/api/v1/materials?topic=Unbekannt&limit=500&q=" + "x" * 101)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert {p["name"] for p in problem["invalid-params"]} == {"topic", "limit", "q"}
    assert problem["type"] == "http://localhost/api/#problem-invalid-parameter"


def test_control_characters_are_refused_not_cleaned(client):
    """A page cleans control characters out of its filters; the API refuses them, as its schema says."""
    assert client.get("/api/v1/schools?q=lin%00denhof").status_code == 400
    assert client.get("/schulen/?q=lin%00denhof").status_code == 200


# --- speed -------------------------------------------------------------------------------------------------------


def test_collections_run_the_same_queries_for_one_item_and_a_hundred(client, users, network):
    """A page of 1 and a page of 100 (with the filters a page may set) cost the same few statements as a public page
    (the rate limit's count and insert included)."""
    for n in range(30):
        school = SchoolFactory(name=f"Schule {n:02d}")
        ActivityFactory(school=school)
        MaterialFactory(school=school)
    year = schoolyear.current_school_year()
    paths = [
        "/api/v1/regions?limit={n}",
        "/api/v1/schools?limit={n}",
        "/api/v1/schools?limit={n}&land=NW&q=schule",
        "/api/v1/activities?limit={n}",
        f"/api/v1/activities?limit={{n}}&region=kreis-soest&topic=Rassismus&school_year={year}&q=projekt",
        "/api/v1/materials?limit={n}",
        "/api/v1/materials?limit={n}&q=arbeitsblatt&land=NW",
        "/api/v1/events?limit={n}",
        "/api/v1/events?limit={n}&region=kreis-soest&period=upcoming",
    ]
    for path in paths:
        one, hundred = count_queries(client, path.format(n=1)), count_queries(client, path.format(n=100))
        assert one == hundred <= MAX_PUBLIC_QUERIES, (path, one, hundred)


def test_no_answer_sets_a_cookie_or_reads_the_session(client, users, network):
    """Answers are the same for everyone, so shared caches may keep them: also a signed-in browser gets no cookie
    and the same public answer."""
    anonymous = client.get("/api/v1/schools").get_data()
    login(client, users["ki"])
    response = client.get("/api/v1/schools")
    assert "Set-Cookie" not in response.headers
    assert response.get_data() == anonymous
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_the_documentation_page_shows_every_endpoint_with_an_example(client):
    page = client.get("/api/").get_data(as_text=True)
    for resource in RESOURCES:
        assert f"GET /api/v1/{resource.name}</code>" in page
        assert f"GET /api/v1/{resource.name}/{{{resource.id_name}}}</code>" in page
        example = json.dumps(resource.item_body().model_dump(mode="json")["id"])
        assert f"GET /api/v1{resource.item_example.request}" in page and example in page
    assert page.count('class="code-wrap"') == 2 * len(RESOURCES)
    assert 'id="problem-not-found"' in page and "/api/v1/openapi.json" in page


def test_the_documentation_page_is_well_structured(client):
    """One h1, no skipped heading level, unique ids, and every table a captioned region a keyboard can scroll."""
    from .test_html import duplicate_ids, heading_skips, page

    root = page(client, "/api/")
    assert len(list(root.iter("h1"))) == 1
    assert heading_skips(root) == [] and duplicate_ids(root) == set()
    ids = {element.attrs["id"] for element in root.iter() if "id" in element.attrs}
    tables = list(root.iter("table"))
    assert len(tables) > 2 * len(RESOURCES)
    for table in tables:
        wrapper = table.parent
        assert wrapper.attrs.get("role") == "region" and wrapper.attrs.get("tabindex") == "0"
        assert wrapper.attrs.get("aria-labelledby") in ids
        assert table.children[0].tag == "caption"
    links = {a.attrs["href"][1:] for a in root.iter("a") if a.attrs.get("href", "").startswith("#")}
    assert links <= ids, links - ids  # every link within the page has its target


@pytest.mark.parametrize(
    ("path", "table", "sqlite_plan"),
    [
        ("/api/v1/activities", "activities", r"USING INDEX ix_activities_feed \(state=\? AND start_date<\?\)"),
        ("/api/v1/materials", "materials", r"SEARCH materials USING INTEGER PRIMARY KEY \(rowid<\?\)"),
        # A search reads the text index's row ids in their order (SQLite's 192: order consumed), after the cursor (<).
        ("/api/v1/materials?q=arbeitsblatt", "materials", r"SCAN materials_fts VIRTUAL TABLE INDEX 192:\S*<"),
        ("/api/v1/events", "events", r"USING INDEX ix_events_state_starts \(state=\? AND starts_at>\?\)"),
    ],
)
def test_a_page_after_the_cursor_is_read_through_the_sort_index(client, users, path, table, sqlite_plan):
    """The cursor is a range condition on the sort key: the next page starts inside the index, whatever its depth."""
    from .factories import EventFactory
    from .test_performance import DB_KIND, add_data, list_statement, query_plan

    add_data(schools=3, per_school=8)
    for n in range(8):
        EventFactory(title=f"Treffen {n}")
    next_url = client.get(path + ("&" if "?" in path else "?") + "limit=2").get_json()["next"]
    statement, parameters = list_statement(client, next_url.removeprefix("http://localhost"), table)
    plan = query_plan(statement, parameters)
    if DB_KIND == "postgres":
        assert f"Seq Scan on {table}" not in plan, plan
    else:
        assert re.search(sqlite_plan, plan), plan
        assert "TEMP B-TREE" not in plan or table == "events", plan  # events: two states, a short list
