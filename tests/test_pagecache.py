"""The public page cache: anonymous visitors get kept pages, each change starts afresh, signed-in people never."""

from __future__ import annotations

import os

import pytest

from courage_hub.materials.models import Material, MaterialState

from . import factories
from .conftest import count_queries, login, post_form


def school_a(users):
    """School A as a row of the current app context's session."""
    from courage_hub.extensions import db
    from courage_hub.schools.models import School

    return db.session.get(School, users["school_a"].id)


@pytest.fixture
def cached_app(app, database_url, tmp_path):
    """A second app on the same database, with the page cache on (as in production)."""
    from .conftest import make_app

    return make_app(database_url, str(tmp_path / "cached"), PAGE_CACHE_SECONDS=30)


def test_anonymous_visitors_get_the_kept_page_without_queries(cached_app, users):
    with cached_app.app_context():
        factories.MaterialFactory(school=school_a(users), title="Vorurteile erkennen")
    client = cached_app.test_client()
    first = client.get("/materialien/")
    assert "X-Page-Cache" not in first.headers and "Vorurteile erkennen" in first.get_data(as_text=True)
    with cached_app.app_context():
        assert count_queries(client, "/materialien/") == 0
    again = client.get("/materialien/")
    assert again.headers["X-Page-Cache"] == "hit" and again.data == first.data
    assert again.headers["Content-Security-Policy"]  # the security headers are added to kept pages too


def test_a_change_starts_a_new_generation(cached_app, users):
    client = cached_app.test_client()
    assert "Neues Arbeitsblatt" not in client.get("/materialien/").get_data(as_text=True)
    with cached_app.app_context():
        factories.MaterialFactory(school=school_a(users), title="Neues Arbeitsblatt")
    response = client.get("/materialien/")
    assert "X-Page-Cache" not in response.headers and "Neues Arbeitsblatt" in response.get_data(as_text=True)


def test_a_hidden_material_disappears_at_once(cached_app, users, db):
    with cached_app.app_context():
        material = factories.MaterialFactory(school=school_a(users), title="Umstrittenes Blatt")
        material_id = material.id
    anonymous = cached_app.test_client()
    assert anonymous.get(f"/materialien/{material_id}").status_code == 200
    assert anonymous.get(f"/materialien/{material_id}").headers["X-Page-Cache"] == "hit"
    ki = cached_app.test_client()
    login(ki, users["ki"])
    post_form(ki, f"/koordination/pruefung/{material_id}/ausblenden", {"reason": "Wird geprüft."})
    assert db.session.get(Material, material_id).state == MaterialState.HIDDEN
    assert anonymous.get(f"/materialien/{material_id}").status_code == 404


def test_downloads_do_not_throw_the_pages_away(cached_app, users):
    with cached_app.app_context():
        material_id = factories.MaterialFactory(school=school_a(users)).id
    client = cached_app.test_client()
    client.get(f"/materialien/{material_id}")
    assert client.get(f"/materialien/{material_id}/datei").status_code == 303
    assert client.get(f"/materialien/{material_id}").headers["X-Page-Cache"] == "hit"


def test_signed_in_people_always_get_fresh_pages(cached_app, users):
    anonymous = cached_app.test_client()
    anonymous.get("/materialien/")
    assert anonymous.get("/materialien/").headers["X-Page-Cache"] == "hit"
    coordinator = cached_app.test_client()
    login(coordinator, users["coord_a"])
    page = coordinator.get("/materialien/")
    assert "X-Page-Cache" not in page.headers and "Material teilen" in page.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_with_redis_a_change_in_one_worker_refreshes_the_others(app, database_url, tmp_path, users):
    import redis

    from .conftest import make_app

    url = os.environ["TEST_REDIS_URL"]
    server = redis.Redis.from_url(url)
    for key in server.scan_iter("courage_hub:page:*"):  # only the page cache's keys: other tests share this db
        server.delete(key)
    worker_1 = make_app(database_url, str(tmp_path / "w1"), PAGE_CACHE_SECONDS=30, REDIS_URL=url)
    worker_2 = make_app(database_url, str(tmp_path / "w2"), PAGE_CACHE_SECONDS=30, REDIS_URL=url)
    client_1, client_2 = worker_1.test_client(), worker_2.test_client()
    client_1.get("/materialien/")
    assert client_2.get("/materialien/").headers["X-Page-Cache"] == "hit"  # shared pages
    with worker_1.app_context():
        factories.MaterialFactory(school=school_a(users), title="Aus Arbeiter eins")
    page = client_2.get("/materialien/")
    assert "X-Page-Cache" not in page.headers and "Aus Arbeiter eins" in page.get_data(as_text=True)


def test_every_cacheable_public_page_is_cookie_free_for_anonymous_visitors(client, users):
    """A page that set a cookie (e.g. a CSRF token of a form only editors see) could never be kept."""
    activity = factories.ActivityFactory(school=users["school_a"])
    material = factories.MaterialFactory(school=users["school_a"])
    paths = [
        "/",
        "/schulen/",
        f"/schulen/{users['school_a'].slug}",
        "/aktivitaeten/",
        f"/aktivitaeten/{activity.id}",
        "/aktivitaeten/feed.xml",
        "/materialien/",
        f"/materialien/{material.id}",
        f"/materialien/{material.id}.jsonld",
        "/materialien/amb.json",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path


def test_a_forged_host_is_refused_and_neither_reads_nor_fills_the_cache(cached_app, users):
    with cached_app.app_context():
        material_id = factories.MaterialFactory(school=school_a(users)).id
    store = cached_app.extensions["courage_hub.pagecache"]
    client = cached_app.test_client()
    for path in ("/aktivitaeten/feed.xml", f"/materialien/{material_id}", "/materialien/amb.json"):
        kept = dict(store.pages)
        forged = client.get(path, headers={"Host": "evil.example"})
        assert forged.status_code == 400 and b"evil.example" not in forged.data, path
        assert store.pages == kept, path  # nothing kept for anyone
        page = client.get(path)
        assert page.status_code == 200 and "X-Page-Cache" not in page.headers, path
        assert client.get(path).headers["X-Page-Cache"] == "hit", path
        again = client.get(path, headers={"Host": "evil.example"})
        assert again.status_code == 400 and "X-Page-Cache" not in again.headers, path  # a kept page is not handed out


VOCABULARY_HOSTS = {"w3id.org", "purl.org", "www.w3.org", "creativecommons.org", "schema.org"}


def test_kept_pages_hold_only_absolute_links_to_public_url(app, database_url, tmp_path, users, monkeypatch):
    """Atom ids and links, the JSON-LD id, contentUrl and image, and the AMB feed's next page: all on PUBLIC_URL."""
    import re

    from .conftest import make_app

    hub = make_app(database_url, str(tmp_path / "hub"), PAGE_CACHE_SECONDS=30, PUBLIC_URL="https://hub.example.org")
    with hub.app_context():
        factories.ActivityFactory(school=school_a(users))
        material_id = factories.MaterialFactory(
            school=school_a(users),
            link_url=None,  # a file: its JSON-LD names the download and the preview
            storage_name="a" * 32 + ".pdf",
            original_name="blatt.pdf",
            content_type="application/pdf",
            size=1234,
            preview_name="b" * 32 + ".webp",
        ).id
        factories.MaterialFactory(school=school_a(users))
    monkeypatch.setattr("courage_hub.materials.views.AMB_PER_PAGE", 1)
    client = hub.test_client()
    for path in ("/aktivitaeten/feed.xml", f"/materialien/{material_id}", f"/materialien/{material_id}.jsonld"):
        body = client.get(path).get_data(as_text=True)
        hosts = set(re.findall(r"https?://([^/\"'<\s]+)", body)) - VOCABULARY_HOSTS
        assert hosts == {"hub.example.org"}, (path, hosts)
        assert client.get(path).headers["X-Page-Cache"] == "hit"
    amb = client.get("/materialien/amb.json").get_json()
    assert amb["next"].startswith("https://hub.example.org/materialien/amb.json")
    assert all(item["mainEntityOfPage"][0]["id"].startswith("https://hub.example.org/") for item in amb["items"])


def test_the_query_string_is_part_of_the_key(cached_app, users):
    with cached_app.app_context():
        factories.MaterialFactory(school=school_a(users), title="Vorurteile erkennen")
        factories.MaterialFactory(school=school_a(users), title="Zivilcourage im Bus")
    client = cached_app.test_client()
    everything = client.get("/materialien/").get_data(as_text=True)
    found = client.get("/materialien/?q=Zivilcourage")
    assert "X-Page-Cache" not in found.headers
    assert "Vorurteile erkennen" in everything and "Vorurteile erkennen" not in found.get_data(as_text=True)
    assert client.get("/materialien/?q=Zivilcourage").headers["X-Page-Cache"] == "hit"


# --- a failing cache is logged, rarely, and never fails the page -----------------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand (the once-a-minute warnings read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache_log(monkeypatch, caplog):
    """Fresh once-a-minute warnings of the page cache on a hand-moved clock; yields (clock, warning records)."""
    import logging

    from courage_hub.core import pagecache, redisguard

    clock = Clock()
    monkeypatch.setattr(redisguard.time, "monotonic", clock)
    monkeypatch.setattr(pagecache, "_warnings", redisguard.RareWarnings(pagecache.log))
    caplog.set_level(logging.WARNING, logger=pagecache.log.name)

    def records():
        return [r for r in caplog.records if r.name == pagecache.log.name]

    return clock, records


def broken(*args, **kwargs):
    raise RuntimeError("cache store broke")


def test_a_failing_cache_read_serves_the_page_fresh_and_logs_once_a_minute(cached_app, users, monkeypatch, cache_log):
    clock, records = cache_log
    client = cached_app.test_client()
    monkeypatch.setattr(cached_app.extensions["courage_hub.pagecache"], "get", broken)
    for _ in range(3):
        page = client.get("/materialien/")
        assert page.status_code == 200 and "X-Page-Cache" not in page.headers
    [record] = records()
    assert record.levelname == "WARNING" and "RuntimeError: cache store broke" in record.getMessage()
    assert record.exc_info is not None  # with its traceback
    clock.now += 61
    client.get("/materialien/")
    assert len(records()) == 2  # still going on: one more line after a minute


def test_a_broken_kept_page_is_served_fresh_and_logged(cached_app, users, cache_log):
    _clock, records = cache_log
    client = cached_app.test_client()
    first = client.get("/materialien/")
    store = cached_app.extensions["courage_hub.pagecache"]
    for key in store.pages:
        store.pages[key] = (store.pages[key][0], b"not json\nbody")
    page = client.get("/materialien/")
    assert page.status_code == 200 and "X-Page-Cache" not in page.headers and page.data == first.data
    [record] = records()
    assert "failed to read" in record.getMessage() and "JSONDecodeError" in record.getMessage()


def test_a_failing_cache_write_and_invalidation_are_logged_and_the_request_succeeds(
    cached_app, users, monkeypatch, cache_log
):
    _clock, records = cache_log
    store = cached_app.extensions["courage_hub.pagecache"]
    monkeypatch.setattr(store, "set", broken)
    client = cached_app.test_client()
    assert client.get("/materialien/").status_code == 200
    assert client.get("/materialien/").status_code == 200
    assert [r.getMessage().split(" (")[0] for r in records()] == ["page cache failed to store"]
    monkeypatch.setattr(store, "bump", broken)
    with cached_app.app_context():
        factories.MaterialFactory(school=school_a(users), title="Trotzdem gespeichert")
    with cached_app.app_context():
        from sqlalchemy import select

        from courage_hub.extensions import db

        assert db.session.scalar(select(Material.title).where(Material.title == "Trotzdem gespeichert"))
    assert [r.getMessage().split(" (")[0] for r in records()][-1] == "page cache failed to invalidate"


def test_a_redis_outage_of_the_page_cache_is_logged_by_its_guard_only(app, database_url, tmp_path, users, cache_log):
    """Redis down: pages are served fresh, one warning from the guard, no line per request from the cache."""
    import logging

    from courage_hub.core import redisguard

    from .conftest import make_app

    # Nothing listens on port 1: every Redis call fails at once.
    down = make_app(database_url, str(tmp_path / "down"), PAGE_CACHE_SECONDS=30, REDIS_URL="redis://127.0.0.1:1/0")
    guard_lines: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = guard_lines.append  # type: ignore[method-assign]
    redisguard.log.addHandler(handler)
    try:
        client = down.test_client()
        for _ in range(3):
            page = client.get("/materialien/")
            assert page.status_code == 200 and "X-Page-Cache" not in page.headers
    finally:
        redisguard.log.removeHandler(handler)
    page_cache_lines = [r for r in guard_lines if "the page cache falls back" in r.getMessage()]
    assert len(page_cache_lines) == 1
    _clock, records = cache_log
    assert records() == []
