"""Command line: create-admin, seed-demo and demo-logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from sqlalchemy import func, select

from courage_hub.auth.models import Role, User
from courage_hub.schools.models import Membership, School

from .conftest import login


def rfc6238_code(secret: str, step: int) -> str:
    """The six-digit TOTP code of ``step`` computed by the book (RFC 4226/6238), as an authenticator app does."""
    key = base64.b32decode(secret)
    mac = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 10**6:06d}"


def test_create_admin_with_password_from_environment(app, db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "Ein sicheres Admin-Passwort")
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "Chefin@Kreis-Soest.example"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chefin@kreis-soest.example"))
    assert user.role == Role.ADMIN and user.email_confirmed_at is not None
    login(app.test_client(), user, password="Ein sicheres Admin-Passwort")


def test_create_admin_refuses_weak_password(app, db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "kurz")
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "x@example.org"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_is_idempotent_and_demo_logins_work(app, db, monkeypatch):
    from courage_hub.regions.models import Region

    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Passwort-fuer-Tests")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--schools", "40"])
    assert first.exit_code == 0, first.output

    def counts():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Region, User, School, Membership)
        )

    before = counts()
    # Kreis Soest gets the 40 schools, the four other demo regions their own few.
    soest = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    assert db.session.scalar(select(func.count()).select_from(School).where(School.region_id == soest.id)) == 40
    assert before[:2] == (5, 8) and before[2] > 40 and before[3] == 2  # 8 demo accounts, the partner's included
    second = runner.invoke(args=["seed-demo", "--schools", "40"])
    assert second.exit_code == 0
    assert counts() == before
    # Every municipality of the Kreis has demo schools.
    assert (
        db.session.scalar(select(func.count(func.distinct(School.municipality))).where(School.region_id == soest.id))
        == 14
    )
    for email, landing in [
        ("admin@example.org", "/verwaltung/konten"),
        ("ki@example.org", "/koordination/"),
        ("ki-unna@example.org", "/koordination/"),
        ("land-nrw@example.org", "/koordination/"),
        ("bund@example.org", "/koordination/"),
        ("koordination@example.org", "/meine-schulen"),
        ("koordination2@example.org", "/meine-schulen"),
    ]:
        client = app.test_client()
        user = db.session.scalar(select(User).where(User.email == email))
        login(client, user, password="Demo-Passwort-fuer-Tests")
        assert client.get("/start").headers["Location"] == landing
        if landing == "/koordination/":
            assert client.get(landing).status_code == 200, email


def test_seed_demo_coordinators_have_different_schools(app, db):
    app.test_cli_runner().invoke(args=["seed-demo"])
    rows = db.session.execute(select(User.email, Membership.school_id).join(Membership)).all()
    schools = dict(rows)
    assert schools["koordination@example.org"] != schools["koordination2@example.org"]


def test_seed_demo_fills_reports_with_generated_photos(app, db):
    from courage_hub.activities.models import Activity, ActivityFile, ActivityState
    from courage_hub.core.uploads import path_for

    result = app.test_cli_runner().invoke(args=["seed-demo", "--schools", "20", "--activities", "30"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 30
    published = db.session.scalar(
        select(func.count()).select_from(Activity).where(Activity.state == ActivityState.PUBLISHED)
    )
    assert 0 < published < 30
    photo = db.session.scalars(select(ActivityFile)).first()
    assert photo.alt_text and path_for(photo.storage_name).is_file() and path_for(photo.thumb_name).is_file()
    assert app.test_client().get("/aktivitaeten/").status_code == 200


def test_demo_staff_have_the_demo_second_factor_which_demo_logins_prints(app, db, monkeypatch):
    from .conftest import post_form

    monkeypatch.delenv("DEMO_TOTP_SECRET", raising=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--schools", "20"]).exit_code == 0
    printed = runner.invoke(args=["demo-logins"]).output
    ki_line = next(line for line in printed.splitlines() if "ki@example.org" in line)
    assert "JBSWY3DPEHPK3PXP" in ki_line
    coordinator_line = next(line for line in printed.splitlines() if "koordination@example.org" in line)
    assert "JBSWY3DPEHPK3PXP" not in coordinator_line
    # Every account with its role in words and what it covers.
    for email, words in [
        ("ki@example.org", ("Regionale Koordination", "KI Kreis Soest")),
        ("ki-unna@example.org", ("Regionale Koordination", "KI Kreis Unna")),
        ("land-nrw@example.org", ("Landeskoordination", "Nordrhein-Westfalen")),
        ("bund@example.org", ("Bundeskoordination", "bundesweit")),
        ("koordination@example.org", ("Schulkoordination", "Gesamtschule am Lindenhof Lippstadt")),
    ]:
        line = next(line for line in printed.splitlines() if f" {email} " in line)
        assert all(word in line for word in words), line
        assert ("JBSWY3DPEHPK3PXP" in line) == (email != "koordination@example.org")
    client = app.test_client()
    step = post_form(client, "/anmelden", {"email": "ki@example.org", "password": "Courage-Demo-2026"})
    assert step.headers["Location"].endswith("/anmelden/code")
    step = int(time.time()) // 30
    printed_code = runner.invoke(args=["demo-code"]).output.strip()
    assert printed_code in {rfc6238_code("JBSWY3DPEHPK3PXP", step), rfc6238_code("JBSWY3DPEHPK3PXP", step + 1)}
    done = post_form(client, "/anmelden/code", {"code": rfc6238_code("JBSWY3DPEHPK3PXP", int(time.time()) // 30)})
    assert done.status_code == 302
    assert client.get("/koordination/").status_code == 200
