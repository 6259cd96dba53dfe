"""Schools for first users: finding the registration, coordinators' invitations and leaving, the admission date,
rendered descriptions and plural forms."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from courage_hub.core.mail import outbox_messages
from courage_hub.schools.models import Membership

from .conftest import login, post_form


def mail_link(index: int = -1) -> str:
    message = BytesParser(policy=policy.default).parsebytes(outbox_messages()[index].read_bytes())
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+", text).group(0).replace("http://localhost", "")


def members_of(db, school) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(Membership.school_id == school.id)))


# --- registration is easy to find ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/anmelden", "/schulen/"])
def test_registration_is_linked_from_home_login_and_directory(client, db, path):
    page = client.get(path).get_data(as_text=True)
    assert 'href="/schulen/registrieren"' in page
    assert "Schule registrieren" in page


def test_first_time_registrant_sets_a_password_not_a_new_one(client, db):
    page = client.get("/schulen/registrieren").get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page


def test_invited_person_sets_a_password_not_a_new_one(app, client, users, db):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": "neu@schule.example"})
    page = app.test_client().get(mail_link()).get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page


def test_account_invited_by_the_admin_sets_a_password_not_a_new_one(app, client, users, db):
    login(client, users["admin"])
    data = {"name": "Neue Kollegin", "email": "neu@kreis-soest.example", "role": "ki_staff"}
    post_form(client, "/verwaltung/konten/neu", data)
    page = app.test_client().get(mail_link()).get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page
