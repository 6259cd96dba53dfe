"""When a service fails, nothing is lost: mail through the outbox, Redis outages absorbed, honest health."""

from __future__ import annotations

import logging
import os
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from courage_hub.core import mail as outbox
from courage_hub.core.db import utcnow, write_transaction
from courage_hub.core.models import OutboxMail, OutboxStatus, ThrottleEvent
from courage_hub.extensions import db as _db

from .conftest import PASSWORD, login, make_app, post_form
from .test_schools import registration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """An SMTP server's handler that keeps every accepted message (and can refuse recipients)."""

    def __init__(self, refuse: str = "") -> None:
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


@contextmanager
def smtp_server(port: int, handler: Recorder):
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_port(app) -> int:
    """A mail relay on 127.0.0.1 that is down (nothing listens on its port) until a test starts it."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    return port


def later(monkeypatch, delta: timedelta) -> None:
    """Let the outbox believe that ``delta`` has passed."""
    moment = utcnow() + delta
    monkeypatch.setattr(outbox, "utcnow", lambda: moment)


def rows() -> list[OutboxMail]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["deliver-mail"])
    assert result.exit_code == 0, result.output
    return result.output


# --- the outbox ------------------------------------------------------------------------------------------------


def test_with_the_relay_down_people_succeed_and_each_mail_is_sent_once_when_it_is_back(
    app, client, users, smtp_port, monkeypatch
):
    registered = post_form(client, "/schulen/registrieren", registration())
    assert registered.status_code == 302
    reset = post_form(app.test_client(), "/passwort/vergessen", {"email": users["coord_a"].email})
    assert reset.status_code == 302
    coordinator = app.test_client()
    login(coordinator, users["coord_a"])
    invited = post_form(
        coordinator, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": "neu@schule.example"}
    )
    assert invited.status_code == 302

    waiting = rows()
    # The KI's notice of the new registration is queued with it.
    assert [m.kind for m in waiting] == ["registration_new", "registration", "password_reset", "school_invitation"]
    assert all(m.status == OutboxStatus.PENDING and m.attempts == 1 and m.last_error for m in waiting)
    health = client.get("/healthz").get_json()
    assert health["mail"]["waiting"] == 4

    later(monkeypatch, timedelta(minutes=2))
    with smtp_server(smtp_port, Recorder()) as relay:
        assert "zugestellt: 4" in deliver(app)
        assert "zugestellt: 0" in deliver(app)
    assert sorted(r for m in relay.messages for r in m.rcpt_tos) == sorted(
        [users["ki"].email, "pat@schule-ense.example", users["coord_a"].email, "neu@schule.example"]
    )
    assert len(relay.messages) == 4
    assert all(m.status == OutboxStatus.SENT and m.body == "" for m in rows())


def test_a_mail_waits_for_its_back_off_and_fails_after_a_day(app, users, smtp_port, monkeypatch):
    post_form(app.test_client(), "/passwort/vergessen", {"email": users["coord_a"].email})
    (mail,) = rows()
    assert mail.next_attempt_at - utcnow() > timedelta(seconds=50)  # retried after a minute, not at once
    later(monkeypatch, timedelta(minutes=2))
    deliver(app)
    assert rows()[0].attempts == 2 and rows()[0].status == OutboxStatus.PENDING
    later(monkeypatch, timedelta(days=1, minutes=5))
    deliver(app)
    assert rows()[0].status == OutboxStatus.FAILED
    assert [outbox.backoff(n) for n in (1, 2, 3, 10)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
    ]


def test_a_worker_killed_between_sending_and_marking_never_sends_twice(app, smtp_port, monkeypatch):
    app.config["MAIL_DELIVERY"] = "worker"
    outbox.send_mail("ki@kreis-soest.example", "Betreff", "Text", kind="digest")

    def killed(mail_id: int) -> None:
        raise SystemExit("worker killed")

    with smtp_server(smtp_port, Recorder()) as relay:
        monkeypatch.setattr(outbox, "_mark_sent", killed)
        with pytest.raises(SystemExit):
            outbox.deliver_due()
        monkeypatch.undo()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False)
        _db.session.rollback()
        outbox.deliver_due()  # at once: the row is still claimed
        later(monkeypatch, outbox.LEASE + timedelta(minutes=1))
        result = outbox.deliver_due()  # after the lease: given up, not sent again
    assert len(relay.messages) == 1
    assert result.interrupted == 1 and result.sent == 0
    assert rows()[0].status == OutboxStatus.FAILED and rows()[0].last_error == outbox.INTERRUPTED


def test_a_change_that_rolls_back_sends_nothing(app):
    with pytest.raises(RuntimeError), write_transaction():
        outbox.send_mail("x@example.org", "Betreff", "Text")
        raise RuntimeError("the change fails")
    assert rows() == []
    assert outbox.outbox_messages() == []


def test_development_delivers_right_after_the_commit_into_eml_files(app, users):
    post_form(app.test_client(), "/passwort/vergessen", {"email": users["coord_a"].email})
    (mail,) = rows()
    assert mail.status == OutboxStatus.SENT and mail.body == ""
    (path,) = outbox.outbox_messages()
    assert path.name.endswith(f"-{mail.id:08d}.eml")
    assert f"<outbox-{mail.id}-" in path.read_text()


def test_ki_sees_a_refused_address_and_sends_the_mail_again(app, users, smtp_port, monkeypatch):
    with smtp_server(smtp_port, Recorder(refuse="tippfehler@schule.example")) as relay:
        region = users["school_a"].region_id
        outbox.send_mail("tippfehler@schule.example", "Erinnerung", "Text", kind="reminder", region_id=region)
        (mail,) = rows()
        assert mail.status == OutboxStatus.FAILED  # a permanent refusal fails at once
        ki = app.test_client()
        login(ki, users["ki"])
        page = ki.get("/koordination/postausgang").get_data(as_text=True)
        assert "tippfehler@schule.example" in page and "Erinnerung" in page and "550" in page
        relay.refuse = ""
        response = post_form(ki, f"/koordination/postausgang/{mail.id}/erneut", {}, follow_redirects=True)
        assert "erneut in den Postausgang" in response.get_data(as_text=True)
    assert [m.rcpt_tos for m in relay.messages] == [["tippfehler@schule.example"]]
    assert rows()[0].status == OutboxStatus.SENT


def test_cleanup_purges_delivered_mails_after_the_retention_period(app, users, monkeypatch):
    from courage_hub import maintenance

    outbox.send_mail("a@example.org", "Alt", "Text")
    later(monkeypatch, timedelta(days=31))
    assert maintenance.remove_delivered_mails(now=utcnow() + timedelta(days=31)) == 1
    assert rows() == []


# --- Redis outage ----------------------------------------------------------------------------------------------


@pytest.fixture
def closed_port():
    """A local port that refuses connections: bound (so nothing else can take it) but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def redis_down_app(database_url, _schema, tmp_path, closed_port):
    """The site configured for a Redis that is not there."""
    redis_url = f"redis://127.0.0.1:{closed_port}/0"
    app = make_app(database_url, str(tmp_path / "instance"), REDIS_URL=redis_url, PAGE_CACHE_SECONDS=30)
    with app.app_context():
        yield app
        _db.session.remove()
        from .conftest import clear_tables

        clear_tables()


def test_with_redis_down_sign_in_and_registration_work_and_throttling_still_holds(redis_down_app, caplog):
    from .factories import UserFactory

    caplog.set_level(logging.WARNING)
    user = UserFactory()
    for n in range(20):
        client = redis_down_app.test_client()
        signed_in = post_form(client, "/anmelden", {"email": user.email, "password": PASSWORD})
        assert signed_in.status_code == 302, n
    for n in range(5):
        data = registration(schulnummer=f"55500{n}", email=f"neu{n}@schule.example", name=f"Schule Nummer {n} Ense")
        answer = post_form(redis_down_app.test_client(), "/schulen/registrieren", data)
        assert answer.status_code in (200, 302), answer.status_code
    attacker = redis_down_app.test_client()
    codes = [
        post_form(attacker, "/anmelden", {"email": user.email, "password": "falsch"}).status_code for _ in range(6)
    ]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    assert _db.session.scalar(select(func.count()).select_from(ThrottleEvent)) > 0  # counted in the database
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert 1 <= len(warnings) <= 2  # one per component (throttling, page cache) and minute, not one per request
    page = redis_down_app.test_client().get("/schulen/")
    assert page.status_code == 200 and "X-Page-Cache" not in page.headers


def test_health_is_degraded_with_redis_down(redis_down_app):
    response = redis_down_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["redis"] == "unavailable"
    assert response.get_json()["database"] == "ok"


def test_health_is_degraded_when_the_oldest_mail_waits_too_long(app, client, smtp_port, monkeypatch):
    assert client.get("/healthz").get_json()["status"] == "ok"
    outbox.send_mail("a@example.org", "Betreff", "Text")
    monkeypatch.setattr(outbox, "utcnow", lambda: utcnow() + timedelta(minutes=16))
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["mail"]["waiting"] == 1 and health["mail"]["oldest_waiting_seconds"] >= 15 * 60


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_throttling_uses_redis_again_once_it_is_back(database_url, _schema, tmp_path):
    import redis
    from sqlalchemy.engine import make_url

    from .test_faults import TcpProxy

    target = make_url(os.environ["TEST_REDIS_URL"].replace("redis://", "postgresql://"))
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 6379))
    proxy.start()
    database = (target.database or "0").lstrip("/")
    app = make_app(database_url, str(tmp_path / "instance"), REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{database}")
    limiter = app.extensions["courage_hub.ratelimit"]
    limiter.guard.retry_seconds = 0
    key = "test-outage:" + os.urandom(4).hex()
    direct = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    try:
        with app.app_context():
            limiter.hit(key, 60)
            assert direct.zcard(limiter.store.prefix + key) == 1
            proxy.cut()
            limiter.hit(key, 60)  # Redis is gone: counted in the database
            assert _db.session.scalar(select(func.count()).where(ThrottleEvent.key == key)) == 1
            proxy.start()
            limiter.hit(key, 60)  # back: Redis again, without a restart
            assert direct.zcard(limiter.store.prefix + key) == 2
            assert _db.session.scalar(select(func.count()).where(ThrottleEvent.key == key)) == 1
            _db.session.remove()
            from .conftest import clear_tables

            clear_tables()
    finally:
        direct.delete(limiter.store.prefix + key)
        proxy.cut()
