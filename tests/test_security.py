"""Security baseline: CSRF, safe redirects, headers, error pages, health check."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import select

from courage_hub.auth.models import User

from .conftest import PASSWORD, csrf_token, login, post_form


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, users, db):
    login(client, users["admin"])
    response = client.post(
        "/verwaltung/konten/neu", data={"name": "Ohne Token", "email": "ohne@example.org", "role": "admin"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "ohne@example.org")) is None


def test_logout_without_csrf_token_does_not_log_out(client, users):
    login(client, users["ki"])
    assert client.post("/abmelden").status_code == 400
    assert client.get("/koordination/").status_code == 200


def test_expired_csrf_token_shows_the_input_again_in_german(client, users):
    login(client, users["admin"])
    response = client.post(
        "/verwaltung/konten/neu",
        data={"csrf_token": "abgelaufen", "name": "Lange Eingabe", "email": "lang@example.org", "role": "admin"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte senden Sie das Formular erneut" in html
    assert "Lange Eingabe" in html and "lang@example.org" in html
    # The page offers a fresh token, so sending again works.
    token = csrf_token(client)
    again = client.post(
        "/verwaltung/konten/neu",
        data={"csrf_token": token, "name": "Lange Eingabe", "email": "lang@example.org", "role": "admin"},
    )
    assert again.status_code == 302


def test_expired_csrf_page_never_echoes_passwords(client):
    response = client.post("/anmelden", data={"csrf_token": "x", "email": "a@b.de", "password": "geheimes-passwort"})
    assert "geheimes-passwort" not in response.get_data(as_text=True)
    assert "a@b.de" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_open_redirect_after_login_is_refused(client, users, target):
    response = login(client, users["ki"], next_url=target)  # the target survives the code step; checked at the end
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/start"


def test_same_site_next_is_followed(client, users):
    response = login(client, users["ki"], next_url="/konto")
    assert response.headers["Location"] == "/konto"
    coordinator = post_form(
        client.application.test_client(),
        "/anmelden?next=/konto",
        {"email": users["coord_a"].email, "password": PASSWORD},
    )
    assert coordinator.headers["Location"] == "/konto"


EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_security_headers_on_every_get_route(app, client, users):
    login(client, users["admin"])
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"filename"}:
            continue
        path = rule.build({"filename": "css/site.css"})[1] if rule.arguments else rule.rule
        assert_security_headers(client.get(path))


def test_security_headers_on_error_and_post_responses(client):
    assert_security_headers(client.get("/gibt-es-nicht"))
    assert_security_headers(client.post("/anmelden", data={}))


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "max-age=" in client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_no_inline_script_or_style_and_no_external_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    assert "https://" not in html.split("<body", 1)[0]


@pytest.mark.parametrize(
    ("path", "method", "code", "text"),
    [
        ("/gibt-es-nicht", "get", 404, "Seite nicht gefunden"),
        ("/abmelden", "get", 405, "Aktion nicht erlaubt"),
    ],
)
def test_german_error_pages(client, path, method, code, text):
    response = getattr(client, method)(path)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert text in html and 'lang="de"' in html and "<h1>" in html


def test_403_page_is_german(client, users):
    login(client, users["coord_a"])
    response = client.get("/koordination/")
    assert response.status_code == 403
    assert "Zugriff verweigert" in response.get_data(as_text=True)


def test_413_page_is_german(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/anmelden", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)


def test_500_page_is_german_and_hides_details(app):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internal detail")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Etwas ist schiefgelaufen" in html
    assert "secret internal detail" not in html


def test_400_page_is_german(app):
    @app.get("/_bad")
    def bad():
        abort(400)

    response = app.test_client().get("/_bad")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.get_data(as_text=True)


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_and_pages_answer_503_when_database_is_unreachable(tmp_path):
    from courage_hub import create_app

    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(
        {"TESTING": True, "ENV_NAME": "testing", "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": unreachable}
    )
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"] == "unavailable"
    page = client.get("/koordination/")
    assert page.status_code in (302, 503)
    login_page = client.post(
        "/anmelden", data={"csrf_token": csrf_token(client, "/anmelden"), "email": "a@b.de", "password": "x" * 12}
    )
    assert login_page.status_code == 503
    assert "Vorübergehend nicht erreichbar" in login_page.get_data(as_text=True)
