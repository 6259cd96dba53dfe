"""Login throttling per account and per address, shared by every app instance (worker)."""

from __future__ import annotations

import os
import uuid

import pytest

from .conftest import PASSWORD, make_app, post_form
from .factories import UserFactory


def fail_login(client, email: str, ip: str = "203.0.113.7"):
    return post_form(
        client, "/anmelden", {"email": email, "password": "falsches-passwort"}, environ_base={"REMOTE_ADDR": ip}
    )


def test_five_failures_block_the_account_with_a_german_429(client, users):
    for _ in range(5):
        assert fail_login(client, users["ki"].email).status_code == 200
    blocked = post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Zu viele Versuche" in html
    assert "Minuten" in html
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60


def test_block_is_per_account_not_for_everyone(client, users):
    for _ in range(5):
        fail_login(client, users["ki"].email)
    assert post_form(client, "/anmelden", {"email": users["admin"].email, "password": PASSWORD}).status_code == 302


def test_many_failures_from_one_address_block_that_address(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for n in range(3):
        fail_login(client, f"niemand{n}@example.org", ip="198.51.100.1")
    response = post_form(
        client,
        "/anmelden",
        {"email": users["ki"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert response.status_code == 429
    other_ip = post_form(
        client,
        "/anmelden",
        {"email": users["ki"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.2"},
    )
    assert other_ip.status_code == 302


def test_throttle_counter_is_shared_between_two_app_instances_via_database(users, database_url, tmp_path):
    first = make_app(database_url, str(tmp_path / "first")).test_client()
    second = make_app(database_url, str(tmp_path / "second")).test_client()
    for _ in range(3):
        assert fail_login(first, users["ki"].email).status_code == 200
    for _ in range(2):
        assert fail_login(second, users["ki"].email).status_code == 200
    assert post_form(second, "/anmelden", {"email": users["ki"].email, "password": PASSWORD}).status_code == 429
    assert post_form(first, "/anmelden", {"email": users["ki"].email, "password": PASSWORD}).status_code == 429


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
    assert post_form(second_client, "/anmelden", {"email": email, "password": PASSWORD}).status_code == 429
    assert post_form(first_client, "/anmelden", {"email": email, "password": PASSWORD}).status_code == 429
