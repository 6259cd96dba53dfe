"""Every public page tells search engines and link previews what it is about: a ``<meta name="description">`` that
is present, plain text, at most 160 characters and different for each kind of page."""

from __future__ import annotations

import pytest

from courage_hub.core.markdown import plain_text
from courage_hub.extensions import db

from . import factories
from .test_html import parse

LONG_MARKDOWN = (
    "## Wer wir sind\n\nDie **Gesamtschule am Lindenhof** ist seit 2019 Teil des Netzwerks. "
    "Unsere SV organisiert jedes Jahr einen [Projekttag](https://example.org) gegen Rassismus, "
    "eine Gedenkstunde am 9. November und Workshops zu Zivilcourage für alle Jahrgänge der Sekundarstufe I und II."
)


def meta_description(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    found = [
        e.attrs.get("content")
        for e in parse(response.get_data(as_text=True)).iter("meta")
        if e.attrs.get("name") == "description"
    ]
    assert len(found) == 1, f"{path}: expected one meta description, found {len(found)}"
    return found[0] or ""


@pytest.fixture
def public_pages(users):
    school = users["school_a"]
    school.description = LONG_MARKDOWN
    activity = factories.ActivityFactory(
        school=school, title="Gedenken am 9. November", description="Die Klasse 10b *liest* Namen vor."
    )
    material = factories.MaterialFactory(
        school=school, title="Methode Perspektivwechsel", description="Ein **Rollenspiel** für Klasse 7."
    )
    offer = factories.OfferFactory(partner=users["partner_soest"], description="Ein **Workshop** " + "lang " * 60)
    db.session.commit()
    return {
        "offers": "/angebote/",
        "offer": f"/angebote/{offer.id}",
        "partners": "/angebote/partner/",
        "partner": f"/angebote/partner/{users['partner_soest'].id}",
        "home": "/",
        "directory": "/schulen/",
        "school": f"/schulen/{school.slug}",
        "feed": "/aktivitaeten/",
        "activity": f"/aktivitaeten/{activity.id}",
        "materials": "/materialien/",
        "material": f"/materialien/{material.id}",
        "imprint": "/impressum",
        "privacy": "/datenschutz",
        "accessibility": "/barrierefreiheit",
        "easy_language": "/leichte-sprache",
    }


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_public_page_has_its_own_short_meta_description(client, public_pages, lang):
    client.set_cookie("lang", lang)
    descriptions = {kind: meta_description(client, path) for kind, path in public_pages.items()}
    for kind, text in descriptions.items():
        assert text.strip(), f"{kind}: empty description"
        assert len(text) <= 160, f"{kind}: {len(text)} characters"
    assert len(set(descriptions.values())) == len(descriptions), descriptions


def test_school_profile_description_is_the_schools_own_text_as_plain_text(client, public_pages):
    text = meta_description(client, public_pages["school"])
    assert text.startswith("Wer wir sind Die Gesamtschule am Lindenhof ist seit 2019 Teil des Netzwerks.")
    assert not any(mark in text for mark in ("**", "##", "](", "<"))
    assert text.endswith("…") and len(text) <= 160


def test_activity_and_material_descriptions_come_from_their_text_without_markdown(client, public_pages):
    assert meta_description(client, public_pages["activity"]) == "Die Klasse 10b liest Namen vor."
    assert meta_description(client, public_pages["material"]) == "Ein Rollenspiel für Klasse 7."


def test_plain_text_cuts_at_a_word_boundary_and_drops_html():
    assert plain_text("<script>alert(1)</script>Hallo *Welt*") == "Hallo Welt"
    assert plain_text("eins zwei drei vier", limit=12) == "eins zwei…"
    assert plain_text("kurz", limit=160) == "kurz"
