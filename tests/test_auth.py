"""Signing in and out, sessions, passwords, reset links and invitations."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

from sqlalchemy import select

from courage_hub.auth.models import Role, TokenPurpose, User, UserToken
from courage_hub.core.db import utcnow
from courage_hub.core.mail import outbox_messages

from .conftest import PASSWORD, csrf_token, login, post_form
from .factories import UserFactory

LINK_RE = re.compile(r"http://\S+")


def last_mail():
    path = outbox_messages()[-1]
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def link_in_last_mail() -> str:
    body = last_mail().get_body(("plain",)).get_content()
    return LINK_RE.search(body).group(0).replace("http://localhost", "")


def test_login_with_correct_password_leads_to_role_page(client, users):
    response = post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/start").headers["Location"].endswith("/koordination/")
    assert client.get("/koordination/").status_code == 200


def test_login_email_is_case_insensitive(client, users):
    response = post_form(client, "/anmelden", {"email": users["ki"].email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_german_message(client, users):
    wrong = post_form(client, "/anmelden", {"email": users["ki"].email, "password": "falsch-falsch"})
    unknown = post_form(client, "/anmelden", {"email": "niemand@example.org", "password": "falsch-falsch"})
    assert wrong.status_code == unknown.status_code == 200
    message = "E-Mail-Adresse oder Passwort ist nicht richtig."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    # The typed e-mail address is kept, the password is not echoed.
    assert users["ki"].email in wrong.get_data(as_text=True)
    assert "falsch-falsch" not in wrong.get_data(as_text=True)


def test_empty_login_form_shows_error_summary_in_german(client):
    response = post_form(client, "/anmelden", {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert "Bitte geben Sie Ihre E-Mail-Adresse ein." in html
    assert 'aria-invalid="true"' in html


def test_deactivated_account_cannot_sign_in(client, db, users):
    users["ki"].is_active = False
    db.session.commit()
    response = post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    assert response.status_code == 200
    assert "deaktiviert" in response.get_data(as_text=True)


def test_logout_is_post_only(client, users):
    login(client, users["ki"])
    assert client.get("/abmelden").status_code == 405
    assert client.get("/koordination/").status_code == 200


def test_replayed_session_cookie_after_logout_is_not_signed_in(app, client, users):
    login(client, users["ki"])
    stolen = client.get_cookie("courage_hub_session").value
    post_form(client, "/abmelden", {}, follow_redirects=False)

    attacker = app.test_client()
    attacker.set_cookie("courage_hub_session", stolen)
    response = attacker.get("/koordination/")
    assert response.status_code == 302
    assert "/anmelden" in response.headers["Location"]


def test_logout_ends_sessions_on_other_devices_too(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, users["coord_a"])
    login(phone, users["coord_a"])
    post_form(laptop, "/abmelden", {})
    assert phone.get("/konto").status_code == 302


def test_password_change_signs_out_other_devices_but_keeps_this_one(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, users["coord_a"])
    login(phone, users["coord_a"])
    new = "Ein neues langes Passwort 7"
    response = post_form(
        laptop,
        "/konto",
        {"current_password": PASSWORD, "password": new, "password_confirm": new},
    )
    assert response.status_code == 302
    assert laptop.get("/konto").status_code == 200
    assert phone.get("/konto").status_code == 302
    post_form(laptop, "/abmelden", {})
    assert login(laptop, users["coord_a"], password=new)


def test_password_change_with_wrong_current_password_is_refused(client, users):
    login(client, users["coord_a"])
    new = "Ein neues langes Passwort 7"
    response = post_form(
        client, "/konto", {"current_password": "nicht-richtig", "password": new, "password_confirm": new}
    )
    assert response.status_code == 200
    assert "Das aktuelle Passwort ist nicht richtig." in response.get_data(as_text=True)


def test_session_expires_after_eight_hours_of_inactivity(client, users, monkeypatch):
    import itsdangerous.timed

    login(client, users["ki"])
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 8 * 3600 - 60)
    assert client.get("/koordination/").status_code == 200  # still active, and the cookie is refreshed
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 16 * 3600 + 60)
    assert client.get("/koordination/").status_code == 302


def test_session_cookie_flags(client, users):
    response = post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_flag_in_production_config(monkeypatch, tmp_path):
    from courage_hub import create_app

    monkeypatch.setenv("COURAGE_HUB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://courage-hub.example.org")
    monkeypatch.setenv("COURAGE_HUB_INSTANCE", str(tmp_path))
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_app_refuses_to_start_without_secret_key_in_production(monkeypatch, tmp_path):
    import pytest

    from courage_hub import create_app

    monkeypatch.setenv("COURAGE_HUB_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("COURAGE_HUB_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_password_reset_link_works_once_and_ends_old_sessions(app, client, users, db):
    phone = app.test_client()
    login(phone, users["coord_a"])
    response = post_form(client, "/passwort/vergessen", {"email": users["coord_a"].email})
    assert response.status_code == 302
    link = link_in_last_mail()
    assert link.startswith("/passwort/neu/")
    new = "Sommerferien am Möhnesee"
    assert post_form(client, link, {"password": new, "password_confirm": new}).status_code == 302
    assert phone.get("/konto").status_code == 302
    assert login(client, users["coord_a"], password=new)
    # Single use: the same link is dead now.
    assert client.get(link).status_code == 410


def test_password_reset_link_expires_after_one_hour(app, client, users, db):
    post_form(client, "/passwort/vergessen", {"email": users["coord_a"].email})
    link = link_in_last_mail()
    token = db.session.scalar(select(UserToken).where(UserToken.purpose == TokenPurpose.PASSWORD_RESET))
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, users):
    response = post_form(client, "/passwort/vergessen", {"email": "unbekannt@example.org"}, follow_redirects=True)
    assert "Falls ein Konto" in response.get_data(as_text=True)
    assert outbox_messages() == []


def test_new_password_must_be_long_and_not_common(client, users):
    post_form(client, "/passwort/vergessen", {"email": users["coord_a"].email})
    link = link_in_last_mail()
    short = post_form(client, link, {"password": "kurz", "password_confirm": "kurz"})
    assert "mindestens 10 Zeichen" in short.get_data(as_text=True)
    common = post_form(client, link, {"password": "password123", "password_confirm": "password123"})
    assert short.status_code == common.status_code == 200
    assert "zu häufig" in common.get_data(as_text=True)


def test_admin_invites_account_and_invitee_sets_password(app, client, users, db):
    login(client, users["admin"])
    response = post_form(
        client,
        "/verwaltung/konten/neu",
        {"name": "Neue Kollegin", "email": "neu@kreis-soest.example", "role": "ki_staff"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "neu@kreis-soest.example"))
    assert user.role == Role.KI_STAFF and user.password_hash is None
    assert last_mail()["To"] == "neu@kreis-soest.example"
    link = link_in_last_mail()
    assert link.startswith("/einladung/")
    invitee = app.test_client()
    new = "Ein gutes Passwort für mich"
    assert post_form(invitee, link, {"password": new, "password_confirm": new}).status_code == 302
    assert login(invitee, user, password=new)


def test_admin_refuses_duplicate_email(client, users):
    login(client, users["admin"])
    response = post_form(
        client, "/verwaltung/konten/neu", {"name": "Doppelt", "email": users["ki"].email, "role": "ki_staff"}
    )
    assert response.status_code == 200
    assert "Ein Konto mit dieser E-Mail-Adresse gibt es bereits." in response.get_data(as_text=True)


def test_admin_deactivation_ends_the_users_sessions(app, client, users):
    victim = app.test_client()
    login(victim, users["ki"])
    login(client, users["admin"])
    response = post_form(client, f"/verwaltung/konten/{users['ki'].id}/status", {"active": "0"})
    assert response.status_code == 302
    assert victim.get("/koordination/").status_code == 302


def test_mail_log_does_not_contain_the_link_token(app, client, users, caplog):
    caplog.set_level("INFO")
    post_form(client, "/passwort/vergessen", {"email": users["coord_a"].email})
    token = link_in_last_mail().rsplit("/", 1)[1]
    assert "outbox" in caplog.text
    assert token not in caplog.text


def test_request_log_redacts_token_paths_and_passwords():
    from courage_hub.core.logs import redact

    line = '127.0.0.1 - - "GET /passwort/neu/abcDEF123-_x HTTP/1.1" 200 - password=hunter2hunter2&x=1'
    cleaned = redact(line)
    assert "abcDEF123-_x" not in cleaned
    assert "hunter2hunter2" not in cleaned
    assert "/passwort/neu/[entfernt]" in cleaned


def test_unconfirmed_account_is_asked_to_confirm_first(client, db):
    user = UserFactory(email_confirmed_at=None)
    response = post_form(client, "/anmelden", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "bestätigen" in response.get_data(as_text=True)


def test_csrf_token_is_session_bound_not_time_bound(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_login_page_has_token_for_form(client):
    assert csrf_token(client, "/anmelden")
