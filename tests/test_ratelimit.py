"""Login throttling per account and per address, shared by every app instance (worker)."""

from __future__ import annotations

import os
import uuid

import pytest

from .conftest import PASSWORD, make_app, post_form, totp_code
from .factories import UserFactory


def fail_login(client, email: str, ip: str = "203.0.113.7"):
    return post_form(
        client, "/anmelden", {"email": email, "password": "falsches-passwort"}, environ_base={"REMOTE_ADDR": ip}
    )


def sign_in(client, email: str, ip: str | None = None):
    """The first step of signing in with the right password (from ``ip`` when given)."""
    environ = {"environ_base": {"REMOTE_ADDR": ip}} if ip else {}
    return post_form(client, "/anmelden", {"email": email, "password": PASSWORD}, **environ)


def test_five_failures_block_an_account_without_second_factor_with_a_german_429(client, users):
    for _ in range(5):
        assert fail_login(client, users["coord_a"].email).status_code == 200
    blocked = sign_in(client, users["coord_a"].email)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Zu viele Versuche" in html
    assert "Minuten" in html
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60


def test_block_is_per_account_not_for_everyone(client, users):
    for _ in range(5):
        fail_login(client, users["ki"].email)
    assert sign_in(client, users["admin"].email).status_code == 302


def test_many_failures_from_one_address_block_that_address(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for n in range(3):
        fail_login(client, f"niemand{n}@example.org", ip="198.51.100.1")
    response = sign_in(client, users["ki"].email, "198.51.100.1")
    assert response.status_code == 429
    other_ip = sign_in(client, users["ki"].email, "198.51.100.2")
    assert other_ip.status_code == 302


def test_throttle_counter_is_shared_between_two_app_instances_via_database(users, database_url, tmp_path):
    first = make_app(database_url, str(tmp_path / "first")).test_client()
    second = make_app(database_url, str(tmp_path / "second")).test_client()
    email = users["coord_a"].email
    for _ in range(3):
        assert fail_login(first, email).status_code == 200
    for _ in range(2):
        assert fail_login(second, email).status_code == 200
    assert sign_in(second, email).status_code == 429
    assert sign_in(first, email).status_code == 429


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable")
    for key in client.scan_iter("courage_hub:rl:*"):
        client.delete(key)
    yield url
    for key in client.scan_iter("courage_hub:rl:*"):
        client.delete(key)


def test_throttle_counter_is_shared_between_two_app_instances_via_redis(app, database_url, tmp_path, redis_url):
    first = make_app(database_url, str(tmp_path / "a"), REDIS_URL=redis_url)
    second = make_app(database_url, str(tmp_path / "b"), REDIS_URL=redis_url)
    assert type(first.extensions["courage_hub.ratelimit"].store).__name__ == "RedisStore"
    email = UserFactory(email=f"{uuid.uuid4().hex}@schule.example").email
    first_client, second_client = first.test_client(), second.test_client()
    for _ in range(4):
        assert fail_login(first_client, email).status_code == 200
    assert fail_login(second_client, email).status_code == 200
    assert sign_in(second_client, email).status_code == 429
    assert sign_in(first_client, email).status_code == 429


# --- lockout as a weapon -----------------------------------------------------------------------------------------


def test_attacker_cannot_lock_staff_out_password_and_code_still_get_in(app, users):
    attacker, staff = app.test_client(), app.test_client()
    for _ in range(5):
        assert fail_login(attacker, users["ki"].email, ip="203.0.113.66").status_code == 200
    # The account is under attack: the attacker's next guess is refused like before.
    assert fail_login(attacker, users["ki"].email, ip="203.0.113.66").status_code == 429
    password_step = sign_in(staff, users["ki"].email, "192.0.2.10")
    assert password_step.status_code == 302
    assert password_step.headers["Location"].endswith("/anmelden/code")
    assert staff.get("/koordination/").status_code == 302  # not signed in by the password alone
    code_step = post_form(
        staff, "/anmelden/code", {"code": totp_code(users["ki"])}, environ_base={"REMOTE_ADDR": "192.0.2.10"}
    )
    assert code_step.status_code == 302
    assert staff.get("/koordination/").status_code == 200


def test_locked_staff_account_gives_nothing_for_the_password_alone(app, users):
    attacker = app.test_client()
    for _ in range(5):
        fail_login(attacker, users["ki"].email, ip="203.0.113.66")
    right_password = sign_in(attacker, users["ki"].email, "203.0.113.66")
    assert right_password.headers["Location"].endswith("/anmelden/code")
    for _ in range(5):
        wrong = post_form(attacker, "/anmelden/code", {"code": "000000"}, environ_base={"REMOTE_ADDR": "203.0.113.66"})
        assert wrong.status_code in (200, 429)
    # Wrong codes are throttled per account too: even the right code waits now.
    blocked = post_form(
        attacker, "/anmelden/code", {"code": totp_code(users["ki"])}, environ_base={"REMOTE_ADDR": "203.0.113.66"}
    )
    assert blocked.status_code == 429
    assert attacker.get("/koordination/").status_code == 302


def test_per_address_throttling_still_stops_the_attacker(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 8
    for _ in range(8):
        assert fail_login(client, users["ki"].email, ip="198.51.100.9").status_code in (200, 429)
    # Even the right password from that address is refused now, before any code.
    response = sign_in(client, users["ki"].email, "198.51.100.9")
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.get_data(as_text=True)


def test_wrong_codes_count_toward_the_per_address_limit(app, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    client = app.test_client()
    sign_in(client, users["ki"].email, "198.51.100.4")
    for _ in range(3):
        post_form(client, "/anmelden/code", {"code": "000000"}, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    other = sign_in(client, users["admin"].email, "198.51.100.4")
    assert other.status_code == 429


# --- the store: its own transaction, and an atomic check-and-count ------------------------------------------------


def throttle_rows(key: str) -> int:
    from sqlalchemy import func, select

    from courage_hub.core.models import ThrottleEvent
    from courage_hub.extensions import db

    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).where(ThrottleEvent.key == key)).scalar()


@pytest.mark.parametrize("method", ["hit", "hit_if_allowed", "clear", "first_in_window"])
def test_a_throttle_write_never_commits_the_requests_pending_work(app, db, method):
    from sqlalchemy import select

    from courage_hub.core.models import AuditEntry
    from courage_hub.core.ratelimit import limiter

    key = f"test:{uuid.uuid4().hex}"
    args = {"hit": (key, 60), "hit_if_allowed": (key, 5, 60), "clear": (key,), "first_in_window": (key, 60)}[method]
    with app.test_request_context():
        db.session.add(AuditEntry(action="pending.change", object_type="test", object_id=1))
        db.session.flush()  # written into the open transaction, not committed
        getattr(limiter(), method)(*args)
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pending.change")) is None
    if method != "clear":
        assert throttle_rows(key) == 1  # the counted attempt survives the request's rollback


def test_a_throttle_hit_in_an_unsafe_request_survives_its_rollback(app, db):
    """On SQLite a POST holds the write lock: the hit rides its transaction and is written again after a rollback."""
    from courage_hub.core.ratelimit import limiter

    key = f"test:{uuid.uuid4().hex}"
    with app.test_request_context(method="POST"):
        app.preprocess_request()
        db.session.execute(db.select(db.func.count()).select_from(db.metadata.tables["users"]))  # holds the lock
        assert limiter().hit_if_allowed(key, 2, 60) == 0
        db.session.rollback()
        assert throttle_rows(key) == 1
        assert limiter().hit_if_allowed(key, 2, 60) == 0
        db.session.commit()
        assert limiter().hit_if_allowed(key, 2, 60) > 0
    assert throttle_rows(key) == 2


def test_concurrent_hits_against_a_limit_count_exactly_the_limit(app, db):
    """Eight threads, 40 attempts, limit 7: exactly 7 are let through (SQLite's write lock, PostgreSQL's
    advisory lock on the key); a separate check and count would let more through."""
    import threading

    from courage_hub.core.ratelimit import limiter

    key, limit = f"test:{uuid.uuid4().hex}", 7
    allowed: list[int] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        with app.app_context():
            start.wait()
            for _ in range(5):
                if limiter().hit_if_allowed(key, limit, 600) == 0:
                    allowed.append(1)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == limit
    assert throttle_rows(key) == limit
    with app.app_context():
        wait = limiter().hit_if_allowed(key, limit, 600)
    assert 590 <= wait <= 600


def test_hit_if_allowed_in_redis_counts_exactly_the_limit(app, redis_url):
    import threading

    from courage_hub.core.ratelimit import RedisStore

    store = RedisStore(redis_url)
    key, limit = f"test:{uuid.uuid4().hex}", 7
    allowed: list[int] = []

    def attempt() -> None:
        for _ in range(5):
            if store.hit_if_allowed(key, limit, 600) == 0:
                allowed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == limit
    assert 590 <= store.hit_if_allowed(key, limit, 600) <= 600
