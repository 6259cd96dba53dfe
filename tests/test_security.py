"""Security baseline: CSRF, safe redirects, headers, error pages, health check."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import select

from courage_hub.auth.models import User

from .conftest import PASSWORD, csrf_token, login, post_form
from .factories import default_region


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
    health = response.get_json()
    assert (health["status"], health["database"], health["redis"]) == ("ok", "ok", "not configured")
    assert health["mail"] == {"waiting": 0, "oldest_waiting_seconds": 0, "failed": 0, "delivery": "inline"}


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


# --- Host header: links are built from PUBLIC_URL, other hosts are refused ---------------------------------------


def mails_in(outbox) -> list[str]:
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    paths = sorted(Path(outbox).glob("*.eml"))
    return [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes()).get_body(("plain",)).get_content() for p in paths
    ]


def test_request_naming_a_foreign_host_gets_a_german_400_and_no_mail_goes_out(app, client, users):
    token = csrf_token(client, "/passwort/vergessen")
    response = client.post(
        "/passwort/vergessen",
        data={"csrf_token": token, "email": users["coord_a"].email},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ungültige Anfrage" in html and "Diese Adresse gehört nicht zu Courage Hub" in html
    assert "evil.example" not in html
    assert mails_in(app.config["MAIL_OUTBOX"]) == []


def test_mailed_links_point_to_public_url_and_never_to_the_request_host(app, database_url, tmp_path, users):
    """PUBLIC_URL unset in development: links go to the development address, not to the Host a request named."""
    from .conftest import make_app

    local = make_app(database_url, str(tmp_path / "local"), PUBLIC_URL=None, ENV_NAME="development")
    assert local.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    client = local.test_client()
    token = csrf_token(client, "/passwort/vergessen")
    response = client.post("/passwort/vergessen", data={"csrf_token": token, "email": users["coord_a"].email})
    assert response.status_code == 302
    [mail] = mails_in(local.config["MAIL_OUTBOX"])
    assert "http://127.0.0.1:5000/passwort/neu/" in mail and "localhost" not in mail


def test_every_kind_of_mailed_link_uses_public_url(app, database_url, tmp_path, users):
    """Invitations and reset links (requests on other trusted hosts) and the digest (command line) use PUBLIC_URL."""
    from .conftest import CSRF_RE, make_app

    hub = make_app(
        database_url, str(tmp_path / "hub"), PUBLIC_URL="https://hub.example.org/", TRUSTED_HOSTS=["alias.example"]
    )
    assert hub.config["TRUSTED_HOSTS"] == ["hub.example.org", "alias.example", "localhost", "127.0.0.1"]
    admin = hub.test_client()
    login(admin, users["admin"])
    invitation = {
        "name": "Neue Kollegin",
        "email": "neu@kreis-soest.example",
        "role": "ki_staff",
        "regions": default_region().id,
    }
    assert post_form(admin, "/verwaltung/konten/neu", invitation).status_code == 302
    visitor = hub.test_client()
    form = visitor.get("/passwort/vergessen", base_url="http://alias.example").get_data(as_text=True)
    reset = {"csrf_token": CSRF_RE.search(form).group(1), "email": users["coord_a"].email}
    assert visitor.post("/passwort/vergessen", data=reset, base_url="http://alias.example").status_code == 302
    with hub.app_context():  # the command runs for this app, without any request
        assert hub.test_cli_runner().invoke(args=["send-digest"]).exit_code == 0
    mails = mails_in(hub.config["MAIL_OUTBOX"])
    links = [word for mail in mails for word in mail.split() if "://" in word]
    assert len(mails) == 4 and len(links) >= 5  # invitation, reset, a digest for each region's staff
    assert any("/einladung/" in link for link in links) and any("/passwort/neu/" in link for link in links)
    assert all(link.startswith("https://hub.example.org/") for link in links), links


def test_production_refuses_to_start_without_public_url(monkeypatch, tmp_path):
    from courage_hub import create_app

    monkeypatch.setenv("COURAGE_HUB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("COURAGE_HUB_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set"):
        create_app()


def test_production_trusts_only_public_url_host_and_the_configured_extra_hosts(monkeypatch, tmp_path):
    from courage_hub import create_app

    monkeypatch.setenv("COURAGE_HUB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PUBLIC_URL", "https://courage-hub.kreis-soest.de")
    monkeypatch.setenv("TRUSTED_HOSTS", "www.courage-hub.kreis-soest.de, 10.0.0.5")
    monkeypatch.setenv("COURAGE_HUB_INSTANCE", str(tmp_path))
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["courage-hub.kreis-soest.de", "www.courage-hub.kreis-soest.de", "10.0.0.5"]
    assert app.test_client().get("/impressum", base_url="https://localhost").status_code == 400
    assert app.test_client().get("/impressum", base_url="https://courage-hub.kreis-soest.de").status_code == 200


# --- JSON-LD data blocks: no text can leave them -------------------------------------------------------------------

BREAKOUT = 'Schule <!--<script> & </script><img src=x> "Mut"'


def test_ld_json_filter_escapes_markup_characters_and_reads_back_the_same(app):
    import json

    from courage_hub.core.templating import ld_json

    data = {"name": BREAKOUT, "keywords": ["a>b", "Ä & Ö"]}
    text = str(ld_json(data))
    assert not set("<>&") & set(text)
    assert "\\u003c!--\\u003cscript\\u003e \\u0026" in text and "Ä" in text
    assert json.loads(text) == data


def test_material_page_json_ld_block_holds_hostile_names_without_markup(client, db):
    import json
    import re

    from . import factories

    school = factories.SchoolFactory(name=BREAKOUT)
    material = factories.MaterialFactory(school=school, title=BREAKOUT, description=BREAKOUT, tags="<!--,</script>")
    html = client.get(f"/materialien/{material.id}").get_data(as_text=True)
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert not set("<>&") & set(block)
    data = json.loads(block)
    assert data["name"] == data["description"] == data["publisher"][0]["name"] == BREAKOUT
    assert {"<!--", "</script>"} <= set(data["keywords"])
    assert html.index("</script>") < html.index("<h1>")


@pytest.mark.parametrize("secure", [True, False])
def test_language_cookie_is_secure_exactly_when_the_session_cookie_is(app, client, secure):
    app.config["SESSION_COOKIE_SECURE"] = secure
    response = client.get("/sprache/en?next=/", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie.split("; ")) is secure
