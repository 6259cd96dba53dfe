"""Signing in and out, sessions, passwords, reset links and invitations."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pyotp
from sqlalchemy import select, update

from courage_hub.auth.models import RecoveryCode, Role, TokenPurpose, User, UserToken
from courage_hub.core.db import utcnow
from courage_hub.core.mail import outbox_messages

from .conftest import PASSWORD, csrf_token, login, post_form
from .factories import TOTP_SECRET, UserFactory, default_region

LINK_RE = re.compile(r"http://\S+")


def last_mail():
    path = outbox_messages()[-1]
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def link_in_last_mail() -> str:
    body = last_mail().get_body(("plain",)).get_content()
    return LINK_RE.search(body).group(0).replace("http://localhost", "")


def test_login_with_correct_password_leads_to_role_page(client, users):
    response = post_form(client, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/konto").status_code == 200


def test_staff_login_with_password_and_code_leads_to_role_page(client, users):
    login(client, users["ki"])
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
        {
            "name": "Neue Kollegin",
            "email": "neu@kreis-soest.example",
            "role": "ki_staff",
            "regions": default_region().id,
        },
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
        client,
        "/verwaltung/konten/neu",
        {"name": "Doppelt", "email": users["ki"].email, "role": "ki_staff", "regions": default_region().id},
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


# --- the second factor ---------------------------------------------------------------------------------------------


def current_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def test_staff_password_alone_does_not_sign_in_the_code_step_follows(client, users):
    response = post_form(
        client, "/anmelden?next=/koordination/schulen", {"email": users["ki"].email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/anmelden/code")
    assert client.get("/koordination/").status_code == 302
    assert client.get("/konto").status_code == 302
    page = client.get("/anmelden/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">' in page
    done = post_form(client, "/anmelden/code", {"code": current_code()})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/koordination/schulen")
    assert client.get("/koordination/").status_code == 200


def test_wrong_code_does_not_sign_in(client, users):
    post_form(client, "/anmelden", {"email": users["admin"].email, "password": PASSWORD})
    wrong = post_form(client, "/anmelden/code", {"code": "123456" if current_code() != "123456" else "654321"})
    assert wrong.status_code == 200
    assert "Der Code ist nicht richtig." in wrong.get_data(as_text=True)
    assert client.get("/verwaltung/konten").status_code == 302


def test_a_code_cannot_be_replayed(app, users):
    code = current_code()
    first, second = app.test_client(), app.test_client()
    post_form(first, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    assert post_form(first, "/anmelden/code", {"code": code}).status_code == 302
    post_form(second, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    replay = post_form(second, "/anmelden/code", {"code": code})
    assert replay.status_code == 200
    assert second.get("/koordination/").status_code == 302


def test_half_signed_in_state_expires_after_a_few_minutes(client, users, monkeypatch):
    import courage_hub.auth.session as auth_session

    post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    real_time = auth_session.time.time
    monkeypatch.setattr(auth_session.time, "time", lambda: real_time() + 11 * 60)
    late = post_form(client, "/anmelden/code", {"code": current_code()})
    assert late.status_code == 302
    assert late.headers["Location"].endswith("/anmelden")
    assert client.get("/koordination/").status_code == 302


def test_half_signed_in_state_ends_when_the_account_signs_out_everywhere(client, users, db):
    from courage_hub.auth.services import logout_everywhere

    post_form(client, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    logout_everywhere(users["ki"])
    response = post_form(client, "/anmelden/code", {"code": current_code()})
    assert response.headers["Location"].endswith("/anmelden")
    assert client.get("/koordination/").status_code == 302


def test_code_step_without_password_step_leads_back_to_sign_in(client, users):
    response = post_form(client, "/anmelden/code", {"code": current_code()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/anmelden")


def test_staff_without_factor_must_set_it_up_before_any_page(client, db, users):
    ki = UserFactory(role=Role.KI_STAFF, totp_secret=None)
    response = post_form(client, "/anmelden", {"email": ki.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/anmelden/zweiter-faktor-einrichten")
    assert client.get("/koordination/").status_code == 302
    # The code page does not help either: there is no factor yet.
    assert client.get("/anmelden/code").headers["Location"].endswith("/anmelden/zweiter-faktor-einrichten")
    page = client.get("/anmelden/zweiter-faktor-einrichten").get_data(as_text=True)
    db.session.refresh(ki)
    assert ki.totp_secret and ki.totp_confirmed_at is None
    assert "<svg" in page and 'role="img"' in page  # the QR code, drawn by the app
    assert " ".join(ki.totp_secret[i : i + 4] for i in range(0, len(ki.totp_secret), 4)) in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    wrong = post_form(client, "/anmelden/zweiter-faktor-einrichten", {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/koordination/").status_code == 302
    done = post_form(client, "/anmelden/zweiter-faktor-einrichten", {"code": current_code(ki.totp_secret)})
    codes = RECOVERY_RE.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/koordination/").status_code == 200
    db.session.refresh(ki)
    assert ki.has_second_factor
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == ki.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)


RECOVERY_RE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


def enrol_coordinator(client, user) -> list[str]:
    """Switch the factor on from the account page; returns the recovery codes shown."""
    login(client, user)
    assert client.get("/konto/zweiter-faktor").status_code == 200
    secret = db_secret(user)
    response = post_form(client, "/konto/zweiter-faktor", {"code": current_code(secret)})
    return RECOVERY_RE.findall(response.get_data(as_text=True))


def db_secret(user) -> str:
    from courage_hub.extensions import db

    return db.session.scalar(select(User.totp_secret).where(User.id == user.id))


def test_recovery_code_signs_in_once(app, client, users):
    codes = enrol_coordinator(client, users["coord_a"])
    assert len(codes) == 10
    post_form(client, "/abmelden", {})
    other = app.test_client()
    post_form(other, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD})
    assert post_form(other, "/anmelden/code", {"recovery_code": codes[0].upper()}).status_code == 302
    assert other.get("/konto").status_code == 200
    third = app.test_client()
    post_form(third, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD})
    used = post_form(third, "/anmelden/code", {"recovery_code": codes[0]})
    assert used.status_code == 200
    assert "nicht gültig" in used.get_data(as_text=True)
    assert third.get("/konto").status_code == 302


def test_coordinator_turns_second_factor_on_and_off(app, client, users, db):
    assert enrol_coordinator(client, users["coord_a"])
    post_form(client, "/abmelden", {})
    step = post_form(client, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD})
    assert step.headers["Location"].endswith("/anmelden/code")
    db.session.execute(update(User).where(User.id == users["coord_a"].id).values(totp_last_step=None))
    db.session.commit()
    assert post_form(client, "/anmelden/code", {"code": current_code(db_secret(users["coord_a"]))}).status_code == 302
    db.session.execute(update(User).where(User.id == users["coord_a"].id).values(totp_last_step=None))
    db.session.commit()
    wrong = post_form(
        client,
        "/konto/zweiter-faktor/ausschalten",
        {"off-password": "falsch-falsch", "off-code": current_code(db_secret(users["coord_a"]))},
    )
    assert wrong.status_code == 200 and db_secret(users["coord_a"]) is not None
    off = post_form(
        client,
        "/konto/zweiter-faktor/ausschalten",
        {"off-password": PASSWORD, "off-code": current_code(db_secret(users["coord_a"]))},
    )
    assert off.status_code == 302
    assert db_secret(users["coord_a"]) is None
    post_form(client, "/abmelden", {})
    assert post_form(client, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD}).status_code == 302
    assert client.get("/konto").status_code == 200  # signed in with the password alone again


def test_staff_cannot_turn_their_second_factor_off(client, users):
    login(client, users["ki"])
    response = post_form(
        client, "/konto/zweiter-faktor/ausschalten", {"off-password": PASSWORD, "off-code": current_code()}
    )
    assert response.status_code == 200
    assert "kann nicht ausgeschaltet werden" in response.get_data(as_text=True)
    assert db_secret(users["ki"]) == TOTP_SECRET


def test_admin_resets_a_lost_factor_audited_and_staff_must_set_up_again(app, client, users, db):
    from courage_hub.core.models import AuditEntry

    lost = app.test_client()
    login(lost, users["ki"])
    login(client, users["admin"])
    response = post_form(client, f"/verwaltung/konten/{users['ki'].id}/zweiter-faktor", {})
    assert response.status_code == 302
    assert db_secret(users["ki"]) is None
    assert lost.get("/koordination/").status_code == 302  # signed out everywhere
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.second_factor_reset"))
    assert entry.user_id == users["admin"].id and entry.object_id == users["ki"].id
    again = post_form(lost, "/anmelden", {"email": users["ki"].email, "password": PASSWORD})
    assert again.headers["Location"].endswith("/anmelden/zweiter-faktor-einrichten")


def test_only_admins_reset_second_factors(client, users):
    login(client, users["ki"])
    response = post_form(client, f"/verwaltung/konten/{users['admin'].id}/zweiter-faktor", {})
    assert response.status_code == 403
    assert db_secret(users["admin"]) == TOTP_SECRET


def test_new_recovery_codes_replace_the_old_ones(app, client, users):
    old = enrol_coordinator(client, users["coord_a"])
    response = post_form(client, "/konto/wiederherstellungscodes", {"codes-password": PASSWORD})
    new = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    post_form(client, "/abmelden", {})
    other = app.test_client()
    post_form(other, "/anmelden", {"email": users["coord_a"].email, "password": PASSWORD})
    assert post_form(other, "/anmelden/code", {"recovery_code": old[0]}).status_code == 200
    assert post_form(other, "/anmelden/code", {"recovery_code": new[0]}).status_code == 302


def test_second_factor_secret_is_not_in_the_data_export(client, users):
    login(client, users["ki"])
    assert TOTP_SECRET not in client.get("/konto/daten.json").get_data(as_text=True)
