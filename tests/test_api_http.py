"""The API's HTTP: validators and 304, caching headers, CORS for reading only, problem details in German and
English, and the per-client rate limit shared by every worker (database or Redis)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from werkzeug.http import http_date, parse_date

from courage_hub.extensions import db
from courage_hub.materials.models import Material, MaterialState

from .api_helpers import public_network
from .conftest import make_app
from .factories import MaterialFactory, SchoolFactory


@pytest.fixture
def network(users):
    return public_network(users)


# --- validators and 304 ------------------------------------------------------------------------------------------


def test_a_collection_answers_304_to_its_etag_until_an_entry_changes(client, users, network):
    first = client.get("/api/v1/materials")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"') and first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=60"

    again = client.get("/api/v1/materials", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=60"
    assert "Content-Type" not in again.headers and again.headers["Access-Control-Allow-Origin"] == "*"
    weak = client.get("/api/v1/materials", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304  # If-None-Match compares weakly (RFC 9110)

    hidden = network["materials"][0]
    db.session.get(Material, hidden.id).state = MaterialState.HIDDEN  # the KI hides a material
    db.session.commit()
    changed = client.get("/api/v1/materials", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert hidden.id not in [item["id"] for item in changed.get_json()["items"]]


def test_a_collection_is_not_revalidated_by_date_alone(client, users, network):
    """An entry that leaves a list (a hidden material) has no date the list could show: a collection answers
    If-Modified-Since in full, so that a harvester cannot keep an entry the KI took down."""
    first = client.get("/api/v1/materials")
    later = http_date(parse_date(first.headers["Last-Modified"]) + timedelta(days=1))
    assert client.get("/api/v1/materials", headers={"If-Modified-Since": later}).status_code == 200


def test_an_item_answers_304_to_if_modified_since_until_it_changes(client, users, network):
    material = network["materials"][0]
    path = f"/api/v1/materials/{material.id}"
    first = client.get(path)
    modified = first.headers["Last-Modified"]
    assert parse_date(modified) == material.updated_at.replace(microsecond=0)
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # If-None-Match decides when both are sent (RFC 9110): a stale ETag gets the full answer whatever the date.
    both = client.get(path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert both.status_code == 200

    row = db.session.get(Material, material.id)
    row.title, row.updated_at = "Arbeitsblatt Alltagsrassismus (überarbeitet)", row.updated_at + timedelta(minutes=5)
    db.session.commit()
    fresh = client.get(path, headers={"If-Modified-Since": modified})
    assert fresh.status_code == 200 and fresh.get_json()["title"].endswith("(überarbeitet)")


def test_an_item_is_modified_when_what_it_embeds_changes(client, users, network):
    """A report names its school: renaming the school is a change of the report (its Last-Modified)."""
    report = network["reports"][0]
    path = f"/api/v1/activities/{report.id}"
    modified = client.get(path).headers["Last-Modified"]
    school = users["school_a"]
    school.name, school.updated_at = "Gesamtschule Lindenhof", school.updated_at + timedelta(minutes=5)
    db.session.commit()
    response = client.get(path, headers={"If-Modified-Since": modified})
    assert response.status_code == 200 and response.get_json()["school"]["name"] == "Gesamtschule Lindenhof"


def test_kept_answers_of_the_page_cache_still_answer_304_and_count_toward_the_limit(
    app, users, network, database_url, tmp_path
):
    cached = make_app(database_url, str(tmp_path / "cached"), PAGE_CACHE_SECONDS=30, API_RATE_LIMIT=3)
    client = cached.test_client()
    first = client.get("/api/v1/schools")
    kept = client.get("/api/v1/schools")
    assert kept.headers.get("X-Page-Cache") == "hit" and kept.headers["ETag"] == first.headers["ETag"]
    not_modified = client.get("/api/v1/schools", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304
    assert client.get("/api/v1/schools").status_code == 429  # the fourth request, kept answer or not


# --- CORS --------------------------------------------------------------------------------------------------------


def test_any_origin_may_read_and_see_the_validators(client, users, network):
    response = client.get("/api/v1/schools", headers={"Origin": "https://karte.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "Retry-After", "Last-Modified"} <= exposed
    assert "Access-Control-Allow-Origin" not in client.get("/schulen/").headers  # only the API


def test_a_preflight_allows_reading_only(client):
    origin = {"Origin": "https://karte.example"}
    read = client.options(
        "/api/v1/schools",
        headers={**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"},
    )
    assert read.status_code == 204 and read.headers["Access-Control-Allow-Origin"] == "*"
    assert read.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "If-None-Match" in read.headers["Access-Control-Allow-Headers"]
    write = client.options("/api/v1/schools", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in write.headers
    assert "Access-Control-Allow-Methods" not in write.headers


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_refused_with_405_and_no_cors(client, method):
    response = getattr(client, method)("/api/v1/schools", headers={"Origin": "https://karte.example"})
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "Access-Control-Allow-Origin" not in response.headers


# --- problems in German and English ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookie", "language", "title"),
    [
        ({}, None, "de", "Nicht gefunden"),
        ({"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"}, None, "en", "Not found"),
        ({"Accept-Language": "fr"}, None, "de", "Nicht gefunden"),
        ({"Accept-Language": "de"}, "en", "en", "Not found"),  # the language chosen on the site wins
    ],
)
def test_not_found_is_a_problem_in_the_readers_language(client, headers, cookie, language, title):
    if cookie:
        client.set_cookie("lang", cookie)
    for path in ("/api/v1/schools/2147483647", "/api/v1/gibt-es-nicht"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
        problem = response.get_json()
        assert problem["title"] == title and problem["status"] == 404 and problem["instance"] == path
        assert problem["type"] == "http://localhost/api/#problem-not-found"
        assert response.headers["Content-Language"] == language
        assert response.headers["Cache-Control"] == "no-store" and "Accept-Language" in response.headers["Vary"]


def test_a_private_item_is_not_found_like_a_missing_one(client, users):
    pending = client.get(f"/api/v1/schools/{users['school_pending'].id}")
    missing = client.get("/api/v1/schools/2147483647")
    assert pending.status_code == missing.status_code == 404
    assert {k: v for k, v in pending.get_json().items() if k != "instance"} == {
        k: v for k, v in missing.get_json().items() if k != "instance"
    }


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("de", "Ungültiger Abfrageparameter", "Nicht einer der erlaubten Werte."),
        ("en", "Invalid query parameter", "Not one of the allowed values."),
    ],
)
def test_an_invalid_parameter_is_a_problem_in_both_languages(client, language, title, reason):
    response = client.get("/api/v1/events?kind=party", headers={"Accept-Language": language})
    problem = response.get_json()
    assert response.status_code == 400 and problem["title"] == title
    assert problem["invalid-params"] == [{"name": "kind", "reason": reason}]


@pytest.mark.parametrize(("language", "title"), [("de", "Zu viele Anfragen"), ("en", "Too many requests")])
def test_too_many_requests_is_a_problem_with_retry_after(app, database_url, tmp_path, language, title):
    limited = make_app(database_url, str(tmp_path / "limited"), API_RATE_LIMIT=2, API_RATE_WINDOW_SECONDS=60)
    client = limited.test_client()
    assert [client.get("/api/v1/regions").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/regions", headers={"Accept-Language": language})
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["title"] == title
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # a browser script can read why
    other = client.get("/api/v1/regions", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # the limit is per client
    assert client.get("/schulen/").status_code == 200  # and the site's pages are not counted


def test_an_ipv6_client_is_counted_by_its_network(app, database_url, tmp_path):
    limited = make_app(database_url, str(tmp_path / "v6"), API_RATE_LIMIT=2)
    client = limited.test_client()
    for host in ("2001:db8:1:2::10", "2001:db8:1:2::11"):
        assert client.get("/api/v1/regions", environ_base={"REMOTE_ADDR": host}).status_code == 200
    assert client.get("/api/v1/regions", environ_base={"REMOTE_ADDR": "2001:db8:1:2::12"}).status_code == 429
    assert client.get("/api/v1/regions", environ_base={"REMOTE_ADDR": "2001:db8:1:3::10"}).status_code == 200


def test_an_unexpected_fault_is_a_problem_not_a_page(app, client, monkeypatch):
    from courage_hub.api.resources import regions

    def broken(region_ids):
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    monkeypatch.setattr(regions, "member_counts", broken)
    response = client.get("/api/v1/regions", headers={"Accept-Language": "en"})
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Server error" and "boom" not in response.get_data(as_text=True)


# --- the limit is shared by every worker -------------------------------------------------------------------------


@pytest.fixture(params=["database", "redis"])
def store(request):
    if request.param == "database":
        return {}
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable")
    for key in client.scan_iter("courage_hub:rl:api:*"):
        client.delete(key)
    return {"REDIS_URL": url}


def test_the_limit_is_shared_by_two_workers(app, database_url, tmp_path, store):
    workers = [
        make_app(database_url, str(tmp_path / name), API_RATE_LIMIT=4, **store).test_client() for name in ("w1", "w2")
    ]
    statuses = [workers[n % 2].get("/api/v1/regions").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert workers[0].get("/api/v1/regions").status_code == 429


def test_a_new_school_changes_the_collection_etag(client, users):
    before = client.get("/api/v1/schools").headers["ETag"]
    SchoolFactory(name="Grundschule am Bach Erwitte", municipality="Erwitte")
    assert client.get("/api/v1/schools", headers={"If-None-Match": before}).status_code == 200
    MaterialFactory(school=users["school_a"])  # another collection's change leaves this one's ETag alone
    now = client.get("/api/v1/schools").headers["ETag"]
    assert client.get("/api/v1/schools", headers={"If-None-Match": now}).status_code == 304


def test_head_answers_like_get_without_a_body(client, users, network):
    get = client.get("/api/v1/events")
    head = client.head("/api/v1/events")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == get.headers["ETag"] and head.headers["Link"] == get.headers["Link"]
    assert client.head("/api/v1/events", headers={"If-None-Match": get.headers["ETag"]}).status_code == 304
