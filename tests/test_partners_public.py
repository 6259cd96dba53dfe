"""The public offer and partner pages: search with German word forms, each filter in the URL and their combination,
pagination, hostile filter values, what is public (current offers of listed partners only), the area a partner serves,
the partner page with its offers and the published reports made with it, the logo, and the region page's section."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader

from courage_hub.activities.models import ActivityState
from courage_hub.core.db import utcnow
from courage_hub.core.images import upload_dir
from courage_hub.core.schoolyear import local_today
from courage_hub.extensions import db
from courage_hub.partners.coverage import keywords_for
from courage_hub.partners.models import PartnerLand
from courage_hub.partners.services import LOGO_KIND

from . import factories
from .factories import OfferState

CARD_TITLE = re.compile(r'class="card-title"><a href="/angebote/(\d+)">([^<]+)</a>')


def make_offer(partner, title: str, topics=("Antisemitismus",), format_: str = "Workshop", **fields):
    """A published offer whose full-text keywords are what the services would store."""
    languages = fields.get("languages", "Deutsch")
    return factories.OfferFactory(
        partner=partner,
        title=title,
        format=format_,
        topics=list(topics),
        keywords=keywords_for(partner.name, list(topics), format_, languages),
        **fields,
    )


def listed(client, query: str = "") -> list[str]:
    """The offer titles on the list page for ``query`` (following the redirect to the list's short URL)."""
    response = client.get("/angebote/" + (f"?{query}" if query else ""), follow_redirects=True)
    assert response.status_code == 200
    return [html.unescape(title) for _id, title in CARD_TITLE.findall(response.get_data(as_text=True))]


@pytest.fixture
def catalogue(users):
    """Offers of Kreis Soest's partner (a memorial site) and Kreis Unna's (a theatre) with distinct facets."""
    soest, unna = users["partner_soest"], users["partner_unna"]
    return {
        "workshop": make_offer(
            soest,
            "Rassistische Sprüche kontern",
            topics=("Rassismus", "Demokratie und Zivilcourage"),
            description="Ein Training für die Klasse.",
            grade_min=8,
            grade_max=10,
        ),
        "talk": make_offer(
            soest,
            "Vortrag über Antisemitismus heute",
            format_="Vortrag",
            description="Mit Fragerunde.",
            grade_min=None,
            grade_max=6,
            cost_kind="amount",
            cost_cents=35000,
            online=True,
        ),
        "play": make_offer(
            unna,
            "Theaterstück über Hass im Netz",
            topics=("Hate Speech und Desinformation",),
            format_="Theater/Film",
            description="Ein Klassenzimmerstück mit Nachgespräch.",
            grade_min=11,
            grade_max=None,
            cost_kind="on_request",
        ),
        "open": make_offer(
            unna,
            "Ausstellung zum Ausleihen",
            topics=("Flucht und Migration",),
            format_="Ausstellung",
            description="Zwölf Tafeln.",
            grade_min=None,
            grade_max=None,
        ),
    }


# --- search --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("Rassismus", ["Rassistische Sprüche kontern"], ["Theaterstück über Hass im Netz"]),  # word family
        ("rassistisch", ["Rassistische Sprüche kontern"], ["Ausstellung zum Ausleihen"]),
        ("Antisemitismus", ["Vortrag über Antisemitismus heute"], ["Ausstellung zum Ausleihen"]),
        ("Theaterstücke", ["Theaterstück über Hass im Netz"], ["Rassistische Sprüche kontern"]),  # plural
        ("Workshops", ["Rassistische Sprüche kontern"], ["Vortrag über Antisemitismus heute"]),  # the format
        ("Gedenken", ["Rassistische Sprüche kontern", "Vortrag über Antisemitismus heute"], ["Ausstellung"]),  # partner
        ("Möhnetal", ["Vortrag über Antisemitismus heute"], ["Theaterstück über Hass im Netz"]),  # the partner's name
        ("Flucht", ["Ausstellung zum Ausleihen"], ["Rassistische Sprüche kontern"]),  # a topic
        ("Nachgespräch", ["Theaterstück über Hass im Netz"], ["Ausstellung zum Ausleihen"]),  # the description
        ("quantenphysik", [], ["Rassistische Sprüche kontern", "Ausstellung zum Ausleihen"]),
        ('"anti*" OR 1=1 --', [], ["Ausstellung zum Ausleihen"]),  # operators are plain words
    ],
)
def test_search_finds_german_word_forms_in_title_partner_topics_format_and_description(
    client, catalogue, query, found, not_found
):
    titles = listed(client, "q=" + query)
    for title in found:
        assert title in titles
    for title in not_found:
        assert not any(t.startswith(title) for t in titles)


def test_search_sorts_by_best_match_and_keeps_the_words_in_the_form(client, users, catalogue):
    make_offer(users["partner_unna"], "Antisemitismus erkennen: Antisemitismus im Alltag", description="x")
    page = client.get("/angebote/?q=Antisemitismus").get_data(as_text=True)
    titles = [html.unescape(t) for _id, t in CARD_TITLE.findall(page)]
    assert titles[0] == "Antisemitismus erkennen: Antisemitismus im Alltag"
    assert 'value="Antisemitismus"' in page


# --- filters -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("thema=Rassismus", {"Rassistische Sprüche kontern"}),
        ("thema=Flucht+und+Migration", {"Ausstellung zum Ausleihen"}),
        ("format=Vortrag", {"Vortrag über Antisemitismus heute"}),
        ("format=Theater%2FFilm", {"Theaterstück über Hass im Netz"}),
        # Grades: an offer's open bound (NULL) admits every grade on that side.
        ("stufe=9", {"Rassistische Sprüche kontern", "Ausstellung zum Ausleihen"}),
        ("stufe=5", {"Vortrag über Antisemitismus heute", "Ausstellung zum Ausleihen"}),
        ("stufe=12", {"Theaterstück über Hass im Netz", "Ausstellung zum Ausleihen"}),
        ("stufe=8", {"Rassistische Sprüche kontern", "Ausstellung zum Ausleihen"}),  # the bounds are inclusive
        ("stufe=10", {"Rassistische Sprüche kontern", "Ausstellung zum Ausleihen"}),
        ("kosten=free", {"Rassistische Sprüche kontern", "Ausstellung zum Ausleihen"}),
        ("kosten=amount", {"Vortrag über Antisemitismus heute"}),
        ("kosten=on_request", {"Theaterstück über Hass im Netz"}),
        ("online=1", {"Vortrag über Antisemitismus heute"}),
        ("region=kreis-soest", {"Rassistische Sprüche kontern", "Vortrag über Antisemitismus heute"}),
        ("region=kreis-unna", {"Theaterstück über Hass im Netz", "Ausstellung zum Ausleihen"}),
    ],
)
def test_each_filter_narrows_the_list(client, catalogue, query, expected):
    assert set(listed(client, query)) == expected


def test_filters_combine_with_each_other_and_with_the_search(client, catalogue):
    assert listed(client, "thema=Antisemitismus&stufe=5&kosten=amount&online=1&region=kreis-soest") == [
        "Vortrag über Antisemitismus heute"
    ]
    assert listed(client, "thema=Antisemitismus&stufe=9") == []  # the talk is for grades up to 6
    assert listed(client, "q=Antisemitismus&format=Workshop") == []
    assert listed(client, "q=Ausstellung&region=kreis-unna&kosten=free") == ["Ausstellung zum Ausleihen"]
    assert listed(client, "q=Ausstellung&region=kreis-soest") == []


def test_the_filter_form_shows_the_chosen_values_and_links_that_take_one_back(client, catalogue):
    page = client.get("/angebote/?format=Workshop&kosten=free&stufe=9").get_data(as_text=True)
    assert '<option value="Workshop" selected>' in page
    assert '<option value="9" selected>Klasse 9</option>' in page
    assert "Filter (3 aktiv)" in page and "1 Angebot gefunden" in page
    # Each active filter has a link to the same list without it.
    assert 'href="/angebote/?format=Workshop&amp;stufe=9"' in page
    assert 'href="/angebote/?stufe=9&amp;kosten=free"' in page


def test_the_form_s_empty_fields_and_unknown_values_lead_to_the_one_short_url(client, catalogue):
    response = client.get("/angebote/?q=&thema=&format=&stufe=&kosten=&region=&seite=1")
    assert response.status_code == 302 and response.headers["Location"] == "/angebote/"
    response = client.get("/angebote/?stufe=14&thema=Unbekannt&kosten=gratis&region=atlantis&online=ja&x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/angebote/"
    response = client.get("/angebote/?online=1&thema=Rassismus&q=+Training+")
    assert response.headers["Location"] == "/angebote/?q=Training&thema=Rassismus&online=1"


HOSTILE = ("%00", "%ED%A0%80", "-1", "0", "9.5", "99999999999999999999", "%27%20OR%201=1--", "%3Cscript%3E", "A" * 5000)


@pytest.mark.parametrize("path", ["/angebote/", "/angebote/partner/"])
def test_hostile_filter_values_give_no_500_and_no_script(client, catalogue, path):
    names = ("q", "thema", "format", "stufe", "kosten", "region", "online", "art", "seite")
    for payload in HOSTILE:
        query = "&".join(f"{name}={payload}" for name in names)
        response = client.get(f"{path}?{query}", follow_redirects=True)
        assert response.status_code == 200, (payload, response.status_code)
        assert len(response.history) <= 1
        assert "<script>" not in response.get_data(as_text=True)


def test_pages_follow_one_another_in_title_order(client, users):
    partner = users["partner_soest"]
    for n in range(23):
        make_offer(partner, f"Angebot {n:02d}", description="Ein Angebot.")
    first, second = listed(client), listed(client, "seite=2")
    assert first == [f"Angebot {n:02d}" for n in range(20)]
    assert second == ["Angebot 20", "Angebot 21", "Angebot 22"]
    page = client.get("/angebote/?seite=2").get_data(as_text=True)
    assert "23 Angebote gefunden" in page and "Seite 2 von 2" in page and 'rel="prev"' in page
    assert listed(client, "seite=3") == []


# --- what is public ------------------------------------------------------------------------------------------------


@pytest.fixture
def hidden(users, catalogue):
    """Offers of Kreis Soest's partner that are not public, and a current offer of a partner that is archived."""
    soest = users["partner_soest"]
    archived = factories.PartnerFactory(name="Archiv-Partner", archived_at=utcnow())
    today = local_today()
    return {
        "review": make_offer(soest, "Neues Angebot in Prüfung", state=OfferState.REVIEW, published_at=None),
        "rejected": make_offer(soest, "Zurückgegebenes Angebot", state=OfferState.REJECTED, published_at=None),
        "archived": make_offer(soest, "Nicht mehr angebotener Workshop", state=OfferState.ARCHIVED),
        "expired": make_offer(soest, "Abgelaufenes Angebot", available_until=today - timedelta(days=1)),
        "of_archived_partner": make_offer(archived, "Angebot eines archivierten Partners"),
        "archived_partner": archived,
        "last_day": make_offer(soest, "Angebot bis heute", available_until=today),
    }


def test_only_current_offers_of_listed_partners_are_listed_and_opened(client, hidden):
    titles = listed(client)
    assert "Angebot bis heute" in titles
    for key in ("review", "rejected", "archived", "expired", "of_archived_partner"):
        assert hidden[key].title not in titles, key
        assert hidden[key].title not in listed(client, "q=Angebot"), key
        assert client.get(f"/angebote/{hidden[key].id}").status_code == 404, key
    assert client.get(f"/angebote/{hidden['last_day'].id}").status_code == 200
    assert client.get(f"/angebote/partner/{hidden['archived_partner'].id}").status_code == 404
    partners = client.get("/angebote/partner/").get_data(as_text=True)
    assert "Gedenkstätte Möhnetal" in partners and "Archiv-Partner" not in partners


# Who opens what is not public: the partner's own account and its region's staff; everyone else finds nothing.
NOT_PUBLIC = {
    "anonymous": 404,
    "coord_a": 404,
    "ki": 200,
    "admin": 404,
    "ki_unna": 404,
    "land_nrw": 404,
    "bund": 404,
    "partner": 200,
    "partner_unna_account": 404,
}


@pytest.mark.parametrize(("role", "status"), NOT_PUBLIC.items())
def test_offers_and_partners_that_are_not_public_open_only_for_their_keepers(client, hidden, login_as, role, status):
    client = login_as(role)
    for key in ("review", "rejected", "archived", "expired"):
        response = client.get(f"/angebote/{hidden[key].id}")
        assert response.status_code == status, (key, response.status_code)
        if status == 200:
            page = response.get_data(as_text=True)
            assert hidden[key].title in page and "Nur der Partner und seine Koordinierungsstelle" in page
    # An archived partner (kept by Kreis Soest, but only its region's staff keep it: it has no account).
    keeper = 200 if role == "ki" else 404
    assert client.get(f"/angebote/partner/{hidden['archived_partner'].id}").status_code == keeper
    # Lists never show what is not public, whoever asks.
    assert hidden["review"].title not in listed(client)


def test_the_region_filter_respects_nationwide_land_and_region_coverage(client, users):
    leipzig = factories.RegionFactory(area="Stadt Leipzig", slug="stadt-leipzig", land="SN", municipalities=["Leipzig"])
    soest, unna = users["partner_soest"], users["partner_unna"]
    nationwide = factories.PartnerFactory(name="Bundesweiter Verein", nationwide=True, regions=[])
    nrw = factories.PartnerFactory(name="Landesnetzwerk NRW", regions=[])
    saxony = factories.PartnerFactory(name="Netzwerk Sachsen", region=leipzig, regions=[])
    db.session.add_all([PartnerLand(partner_id=nrw.id, land="NW"), PartnerLand(partner_id=saxony.id, land="SN")])
    db.session.commit()
    for partner, title in (
        (soest, "Nur für Soest"),
        (unna, "Nur für Unna"),
        (nationwide, "Überall"),
        (nrw, "Ganz NRW"),
        (saxony, "Ganz Sachsen"),
    ):
        make_offer(partner, title)
    assert set(listed(client, "region=kreis-soest")) == {"Nur für Soest", "Überall", "Ganz NRW"}
    assert set(listed(client, "region=kreis-unna")) == {"Nur für Unna", "Überall", "Ganz NRW"}
    assert set(listed(client, "region=stadt-leipzig")) == {"Überall", "Ganz Sachsen"}
    assert len(listed(client)) == 5
    partners = client.get("/angebote/partner/?region=stadt-leipzig").get_data(as_text=True)
    assert "Bundesweiter Verein" in partners and "Netzwerk Sachsen" in partners
    assert "Landesnetzwerk NRW" not in partners and "Gedenkstätte Möhnetal" not in partners


# --- the offer page ------------------------------------------------------------------------------------------------


def test_offer_page_shows_what_a_school_needs_to_decide_and_the_partner_s_contact(client, users, catalogue):
    offer, partner = catalogue["talk"], users["partner_soest"]
    offer.duration, offer.cost_note, offer.accessibility = "90 Minuten", "pro Termin", "Rampe am Eingang"
    offer.languages, offer.at_partner = "Deutsch, Türkisch", True
    db.session.commit()
    page = client.get(f"/angebote/{offer.id}").get_data(as_text=True)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for words in (
        "Vortrag über Antisemitismus heute",
        "Bis Klasse 6",
        "10 bis 30 Personen",
        "90 Minuten",
        "350,00",
        "(pro Termin)",
        "In der Schule, Beim Partner, Online",
        "Deutsch, Türkisch",
        "Rampe am Eingang",
        "Kreis Soest",  # the area it serves
        "Gedenkstätte Möhnetal",
        "https://www.gedenkstaette.example"[len("https://") :],
    ):
        assert words in " ".join(text.split()), words
    assert f'href="/angebote/partner/{partner.id}"' in page
    assert 'href="mailto:' + partner.contact_email + '"' in page


def test_offer_page_includes_the_request_box_of_the_requests_part(app, client, catalogue):
    """The hook where the requests (another part of the site) put their button: rendered with the offer."""
    box = "{{ 'REQUEST-BOX for ' ~ offer.title }}"
    app.jinja_env.loader = ChoiceLoader([DictLoader({"partners/requests/_offer_box.html": box}), app.jinja_env.loader])
    page = client.get(f"/angebote/{catalogue['workshop'].id}").get_data(as_text=True)
    assert "REQUEST-BOX for Rassistische Sprüche kontern" in page


def test_a_website_that_is_not_http_is_not_linked(client, users, catalogue):
    partner = users["partner_soest"]
    partner.website = "javascript:alert(1)"
    db.session.commit()
    page = client.get(f"/angebote/partner/{partner.id}").get_data(as_text=True)
    assert "javascript:" not in page


# --- the partner page ----------------------------------------------------------------------------------------------


def test_partner_page_shows_current_offers_and_only_public_reports_made_with_the_partner(client, users, hidden):
    partner = users["partner_soest"]
    school, pending = users["school_a"], users["school_pending"]
    factories.ActivityFactory(school=school, partner_id=partner.id, title="Workshop mit der Gedenkstätte")
    factories.ActivityFactory(
        school=school, partner_id=partner.id, title="Entwurf mit Gedenkstätte", state=ActivityState.DRAFT
    )
    factories.ActivityFactory(school=pending, partner_id=partner.id, title="Bericht einer wartenden Schule")
    factories.ActivityFactory(school=school, partner_id=users["partner_unna"].id, title="Theater mit Unna")
    factories.ActivityFactory(school=school, title="Ohne Partner")
    page = client.get(f"/angebote/partner/{partner.id}").get_data(as_text=True)
    assert "Workshop mit der Gedenkstätte" in page
    for hidden_title in ("Entwurf mit Gedenkstätte", "Bericht einer wartenden Schule", "Theater mit Unna", "Ohne"):
        assert hidden_title not in page
    assert "Rassistische Sprüche kontern" in page and "Angebot bis heute" in page
    for key in ("review", "rejected", "archived", "expired"):
        assert hidden[key].title not in page
    assert "Theaterstück über Hass im Netz" not in page  # another partner's offer


def test_partner_list_counts_current_offers_and_filters_by_kind(client, catalogue, hidden):
    page = client.get("/angebote/partner/").get_data(as_text=True)
    assert "2 Partner gefunden" in page
    # Kreis Soest's partner: two of the catalogue and the one that ends today; nothing that is not public.
    assert "3 aktuelle Angebote" in page
    page = client.get("/angebote/partner/?art=Theater%2FFilm%2FMedien").get_data(as_text=True)
    assert "Theater Courage Unna" in page and "Gedenkstätte Möhnetal" not in page


def test_the_logo_is_served_to_everyone_and_an_archived_partner_s_only_to_its_keepers(app, client, users, login_as):
    partner = users["partner_soest"]
    with app.app_context():
        (upload_dir(LOGO_KIND) / ("a" * 32 + ".png")).write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    partner.logo_filename = "a" * 32 + ".png"
    db.session.commit()
    response = client.get(f"/angebote/partner/{partner.id}/logo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.endswith(b"logo") and "private" not in response.headers.get("Cache-Control", "")
    assert f'src="/angebote/partner/{partner.id}/logo"' in client.get(f"/angebote/partner/{partner.id}").get_data(
        as_text=True
    )
    partner.archived_at = utcnow()
    db.session.commit()
    assert client.get(f"/angebote/partner/{partner.id}/logo").status_code == 404
    keeper = login_as("partner").get(f"/angebote/partner/{partner.id}/logo")
    assert keeper.status_code == 200 and "no-store" in keeper.headers["Cache-Control"]


def test_a_logo_name_that_is_not_a_stored_file_is_not_found(client, users):
    partner = users["partner_soest"]
    for name in ("../../secret.png", "fehlt.png"):
        partner.logo_filename = name
        db.session.commit()
        assert client.get(f"/angebote/partner/{partner.id}/logo").status_code == 404


# --- around the pages ------------------------------------------------------------------------------------------------


def test_region_page_names_the_partners_serving_its_schools_and_links_to_their_offers(client, catalogue):
    factories.PartnerFactory(name="Bundesweiter Verein", nationwide=True, regions=[])
    page = client.get("/regionen/kreis-soest").get_data(as_text=True)
    assert "Kooperationspartner und Angebote" in page
    assert "Gedenkstätte Möhnetal" in page and "Bundesweiter Verein" in page
    assert "Theater Courage Unna" not in page
    assert "2 Kooperationspartner sind für die Schulen dieser Koordinierungsstelle da." in page
    assert "Aktuelle Angebote für diese Schulen: 2." in page
    assert 'href="/angebote/?region=kreis-soest"' in page


def test_main_navigation_links_to_the_offers(client, users):
    page = client.get("/angebote/").get_data(as_text=True)
    assert '<a href="/angebote/" aria-current="page">Angebote</a>' in page
    assert '<a href="/angebote/"' in client.get("/").get_data(as_text=True)


def test_offer_pages_are_kept_by_the_page_cache_like_other_public_lists():
    from courage_hub.core import pagecache

    assert {"offers.index", "offers.detail", "offers.partners", "offers.partner"} <= pagecache.CACHEABLE_ENDPOINTS
    assert "offers.logo" not in pagecache.CACHEABLE_ENDPOINTS  # files go through their checks every time
