"""Imprint, privacy notice and accessibility statement: filled from the operator settings, never with placeholder
text; the accessibility statement has the parts of the BITV 2.0 template; staff see which settings are missing."""

from __future__ import annotations

from datetime import date

import pytest

from courage_hub.config import OPERATOR_SETTINGS, missing_operator_settings

OPERATOR = {
    "OPERATOR_NAME": "Kreis Soest – Kommunales Integrationszentrum",
    "OPERATOR_ADDRESS": "Hoher Weg 1–3; 59494 Soest",
    "OPERATOR_REPRESENTATIVE": "Landrätin Erika Beispiel",
    "OPERATOR_EMAIL": "ki@kreis-soest.example",
    "OPERATOR_PHONE": "02921 30-0",
    "OPERATOR_SUPERVISORY_AUTHORITY": "Bezirksregierung Arnsberg",
}
PLACEHOLDERS = ("Musterstraße", "TODO", "[", "]", "template", "Vorlage", "Platzhalter")
LEGAL_PAGES = ("/impressum", "/datenschutz", "/barrierefreiheit")


def text_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def operator(app):
    app.config.update(OPERATOR)
    return OPERATOR


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_legal_pages_carry_no_placeholder_text(client, operator, path, lang):
    client.set_cookie("lang", lang)
    main = text_of(client, path)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in main, f"{path}: {placeholder!r}"


def test_imprint_shows_every_operator_setting(client, operator):
    main = text_of(client, "/impressum")
    assert "Kreis Soest – Kommunales Integrationszentrum" in main
    assert "Hoher Weg 1–3<br>59494 Soest" in main
    for name in ("OPERATOR_REPRESENTATIVE", "OPERATOR_EMAIL", "OPERATOR_PHONE", "OPERATOR_SUPERVISORY_AUTHORITY"):
        assert operator[name] in main, name


def test_privacy_notice_names_the_operator_as_responsible(client, operator):
    main = text_of(client, "/datenschutz")
    assert operator["OPERATOR_NAME"] in main and "ki@kreis-soest.example" in main


def test_accessibility_statement_follows_the_bitv_template(client, app, operator):
    app.config.update(
        ACCESSIBILITY_REVIEW_DATE=date(2027, 3, 15), ACCESSIBILITY_CONTACT_EMAIL="barrierefrei@kreis-soest.example"
    )
    main = text_of(client, "/barrierefreiheit")
    assert "teilweise mit der BITV 2.0 vereinbar" in main
    assert "1. Dezember 2026" in main and "15. März 2027" in main  # date of the statement and of the last review
    assert "Nicht barrierefreie Inhalte" in main and "<li>" in main  # known gaps
    assert 'href="mailto:barrierefrei@kreis-soest.example"' in main  # feedback contact from the settings
    assert "Durchsetzungsverfahren" in main and "Ombudsstelle" in main  # the enforcement body (default: NRW)


NRW_OMBUDS = "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen"
FEDERAL_BOARD = "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz"


def test_a_kreis_in_nrw_names_the_ombudsstelle_of_the_land_by_default(client, operator):
    main = text_of(client, "/barrierefreiheit")
    assert NRW_OMBUDS in main and "§ 10d Behindertengleichstellungsgesetz Nordrhein-Westfalen" in main
    assert (
        "Fürstenwall 25, 40219 Düsseldorf" in main and 'href="mailto:ombudsstelle-barrierefreie-it@mags.nrw.de"' in main
    )
    assert FEDERAL_BOARD not in main and "Mauerstraße" not in main and "§ 16" not in main


def test_a_federal_operator_names_the_schlichtungsstelle(client, app, operator):
    app.config["ACCESSIBILITY_ENFORCEMENT"] = "bund"
    main = text_of(client, "/barrierefreiheit")
    assert FEDERAL_BOARD in main and "§ 16 Behindertengleichstellungsgesetz" in main
    assert "Mauerstraße 53, 10117 Berlin" in main and "www.schlichtungsstelle-bgg.de" in main
    assert "Ombudsstelle" not in main and "Fürstenwall" not in main


@pytest.mark.parametrize(("value", "expected"), [(None, "nrw"), ("nrw", "nrw"), ("bund", "bund"), ("federal", "nrw")])
def test_enforcement_setting_comes_from_the_environment(monkeypatch, tmp_path, value, expected):
    from courage_hub.config import load_config

    if value is None:
        monkeypatch.delenv("ACCESSIBILITY_ENFORCEMENT", raising=False)
    else:
        monkeypatch.setenv("ACCESSIBILITY_ENFORCEMENT", value)
    assert load_config(str(tmp_path))["ACCESSIBILITY_ENFORCEMENT"] == expected


def test_fully_compliant_site_says_so(client, app, operator):
    app.config["ACCESSIBILITY_STATUS"] = "full"
    main = text_of(client, "/barrierefreiheit")
    assert "vollständig mit der BITV 2.0 vereinbar" in main and "teilweise" not in main


def test_feedback_contact_falls_back_to_the_operators_address(client, operator):
    assert 'href="mailto:ki@kreis-soest.example"' in text_of(client, "/barrierefreiheit")


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_missing_operator_settings_are_named_to_staff_but_not_to_the_public(client, login_as, path):
    assert "OPERATOR_PHONE" not in text_of(client, path)
    staff = login_as("ki")
    main = text_of(staff, path)
    for name in OPERATOR_SETTINGS:
        assert name in main


def test_staff_see_no_notice_once_the_operator_is_configured(client, operator, login_as):
    assert "OPERATOR_" not in text_of(login_as("ki"), "/impressum")


def test_missing_operator_settings_lists_only_the_empty_ones():
    assert missing_operator_settings({**OPERATOR, "OPERATOR_PHONE": ""}) == ["OPERATOR_PHONE"]
