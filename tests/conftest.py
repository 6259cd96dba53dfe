"""Fixtures: an app per test on SQLite (default) or PostgreSQL (COURAGE_HUB_TEST_DB=postgres), clients, users."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from courage_hub import create_app
from courage_hub.extensions import db as _db

from . import factories

DB_KIND = os.environ.get("COURAGE_HUB_TEST_DB", "sqlite")
PASSWORD = factories.PASSWORD
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_report_header(config) -> str:
    return f"courage-hub test database: {DB_KIND}"


def postgres_url_for_schema(schema: str) -> str:
    """The TEST_DATABASE_URL with a search_path, so that parallel workers each get a schema of their own."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote('-csearch_path=' + schema)}"


def drop_postgres_schema(schema: str) -> None:
    engine = create_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id: str, testrun_uid: str) -> Iterator[str]:
    if DB_KIND == "postgres":
        # Unique per run, so that two runs against the same database never share a schema.
        schema = f"courage_test_{testrun_uid[:8]}_{worker_id}"
        yield postgres_url_for_schema(schema)
        drop_postgres_schema(schema)
        return
    yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def make_config(database_url: str, instance: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX": os.path.join(instance, "outbox"),
        "REDIS_URL": None,
        "PAGE_CACHE_SECONDS": 0,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "SESSION_COOKIE_SECURE": False,
        "PUBLIC_URL": "http://localhost",  # the test client's host
        "MAIL_DELIVERY": "inline",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory) -> Iterator[None]:
    """Create all tables once per test session (tests' own fixture; the app itself uses migrations)."""
    app = create_app(make_config(database_url, str(tmp_path_factory.mktemp("instance"))))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Otherwise requests would share the test's app context: one ``g`` (Flask-Login caches the user there) and one
    database session for every request. After each request the test's own session ends its transaction and
    forgets cached rows, so assertions read what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.commit()
        _db.session.expire_all()
        return response


def make_app(database_url: str, instance: str, **extra) -> Flask:
    """An app for tests whose clients run each request in a fresh app context."""
    app = create_app(make_config(database_url, instance, **extra))
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture
def app(database_url: str, _schema, tmp_path, monkeypatch) -> Iterator[Flask]:
    monkeypatch.setenv("COURAGE_HUB_INSTANCE", str(tmp_path / "instance"))
    app = make_app(database_url, str(tmp_path / "instance"))
    with app.app_context():
        factories.default_region()  # like every installation, the test's starts with its first region
        yield app
        _db.session.remove()
        clear_tables()
        _db.engine.dispose()


def clear_tables() -> None:
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/passwort/vergessen") -> str:
    """A valid CSRF token for this client's session, read from a page's form."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """POST like a browser: with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=payload, **kwargs)


def count_queries(client: FlaskClient, path: str) -> int:
    """How many SQL statements one GET of ``path`` runs (asserting it answers 200)."""
    from sqlalchemy import event

    statements = []
    # A cold request: the per-worker caches of totals, result ids, filter choices and dashboard figures start empty.
    for name in ("count_cache", "id_cache", "row_cache", "network_cache"):
        client.application.extensions.pop(f"courage_hub.{name}", None)

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)
    return len(statements)


def totp_code(user) -> str:
    """A current code for ``user``'s second factor, as the authenticator app would show it.

    Tests sign in the same account several times within one 30-second step; the app refuses a replayed step,
    so the helper forgets the last accepted step first (the replay rule has its own tests in test_auth.py).
    """
    from sqlalchemy import select, update

    from courage_hub.auth.models import User
    from courage_hub.auth.twofactor import totp

    _db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    _db.session.commit()
    secret = _db.session.scalar(select(User.totp_secret).where(User.id == user.id))
    return totp(secret).now()


def login(client: FlaskClient, user, password: str = PASSWORD, next_url: str | None = None):
    """Sign in like a person: password, then the second factor (set up first where the role requires it).

    Returns the last response: the redirect after the code step (or the password step for accounts without a factor).
    """
    path = "/anmelden" if next_url is None else "/anmelden?next=" + next_url
    response = post_form(client, path, {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    if location.endswith("/anmelden/zweiter-faktor-einrichten"):
        assert client.get(location).status_code == 200  # creates the secret shown as QR code
        response = post_form(client, location, {"code": totp_code(user)})
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    elif location.endswith("/anmelden/code"):
        response = post_form(client, location, {"code": totp_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def users(app):
    """One account per role, plus two schools with a coordinator each (A and B) in Kreis Soest; and a second region.

    Kreis Unna (NW) has school C with coordinator C, a pending registration, and its own regional staff
    (``ki_unna``); ``land_nrw`` and ``land_sn`` are Land staff of Nordrhein-Westfalen and Sachsen, ``bund`` the
    Bundeskoordination. ``ki`` works in Kreis Soest only. Each region maintains a cooperation partner with an account
    (``partner`` for Kreis Soest's, ``partner_unna_account`` for Kreis Unna's).
    """
    school_a = factories.SchoolFactory(name="Gesamtschule am Lindenhof Lippstadt")
    school_b = factories.SchoolFactory(name="Gymnasium am Wall Soest", municipality="Soest")
    school_pending = factories.SchoolFactory(
        name="Realschule an der Aue Werl",
        municipality="Werl",
        approval=factories.Approval.PENDING,
        status=factories.SchoolStatus.INTERESSE,
    )
    coord_a = factories.UserFactory(role=factories.Role.COORDINATOR, name="Coordinator A")
    coord_b = factories.UserFactory(role=factories.Role.COORDINATOR, name="Coordinator B")
    factories.MembershipFactory(user=coord_a, school=school_a)
    factories.MembershipFactory(user=coord_b, school=school_b)
    unna = factories.RegionFactory(area="Kreis Unna", land="NW", municipalities=["Unna", "Kamen"])
    school_c = factories.SchoolFactory(name="Gesamtschule Königsborn Unna", municipality="Unna", region=unna)
    school_pending_unna = factories.SchoolFactory(
        name="Realschule am Mühlbach Kamen",
        municipality="Kamen",
        region=unna,
        approval=factories.Approval.PENDING,
        status=factories.SchoolStatus.INTERESSE,
    )
    coord_c = factories.UserFactory(role=factories.Role.COORDINATOR, name="Coordinator C")
    factories.MembershipFactory(user=coord_c, school=school_c)
    partner_soest = factories.PartnerFactory(name="Gedenkstätte Möhnetal")
    partner_unna = factories.PartnerFactory(name="Theater Courage Unna", kind="Theater/Film/Medien", region=unna)
    return {
        "admin": factories.UserFactory(role=factories.Role.ADMIN, name="Admin"),
        "ki": factories.UserFactory(role=factories.Role.KI_STAFF, name="KI Staff"),
        "coord_a": coord_a,
        "coord_b": coord_b,
        "school_a": school_a,
        "school_b": school_b,
        "school_pending": school_pending,
        "region_unna": unna,
        "school_c": school_c,
        "coord_c": coord_c,
        "school_pending_unna": school_pending_unna,
        "ki_unna": factories.UserFactory(role=factories.Role.KI_STAFF, name="KI Staff Unna", regions=[unna]),
        "land_nrw": factories.UserFactory(role=factories.Role.LAND_STAFF, name="Land Staff NRW", land="NW"),
        "land_sn": factories.UserFactory(role=factories.Role.LAND_STAFF, name="Land Staff Sachsen", land="SN"),
        "bund": factories.UserFactory(role=factories.Role.NATIONAL_STAFF, name="Federal Staff"),
        # Cooperation partners maintained by each region; ``partner`` keeps Kreis Soest's, ``partner_unna_account``
        # Kreis Unna's.
        "partner_soest": partner_soest,
        "partner_unna": partner_unna,
        "partner": factories.partner_account(partner_soest, name="Partner Account"),
        "partner_unna_account": factories.partner_account(partner_unna, name="Partner Account Unna"),
    }


@pytest.fixture
def login_as(client, users):
    """``login_as("ki")`` signs the test client in as that role's account."""

    def _login(role: str):
        if role == "anonymous":
            return client
        login(client, users[role])
        return client

    return _login


# --- browser journeys ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, with nothing leaving the machine; Playwright never downloads a browser."""
    import shutil

    from .browser import CHROMIUM, CHROMIUM_ARGS

    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run `make test` (it installs it) or set SKIP_BROWSER_TESTS=1")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live site on a fresh SQLite file with the demo network, served on a free local port."""
    from courage_hub.demo import seed_demo

    from .browser import LiveSite, live_server

    instance = tmp_path_factory.mktemp("live")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        _db.create_all()
        seed_demo(schools=20)
    with live_server(app) as url:
        yield LiveSite(url=url, instance=instance)


@pytest.fixture
def _short_browser_timeouts(page) -> None:
    from playwright.sync_api import expect

    from .browser import watch

    watch(page)  # short timeouts, and the server's HTML is kept for the Nu Html Checker
    expect.set_options(timeout=10_000)
