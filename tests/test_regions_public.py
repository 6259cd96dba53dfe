"""Regions in public: the offices' pages, the Land and region filters of the public lists, the installation's scope
in titles, the office finder, registration naming its office, and handing a school over to another office."""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from courage_hub.activities.models import ActivityState
from courage_hub.auth.models import Role
from courage_hub.core.mail import outbox_messages
from courage_hub.core.models import AuditEntry, OutboxMail
from courage_hub.materials.models import Material, MaterialState
from courage_hub.regions.services import in_area
from courage_hub.schools.models import EventKind, School, SchoolEvent

from .conftest import count_queries, login, post_form
from .factories import (
    ActivityFactory,
    Approval,
    MaterialFactory,
    RegionFactory,
    SchoolFactory,
    SchoolStatus,
    UserFactory,
    default_region,
)

UNNA_TOWNS = ["Bergkamen", "Kamen", "Unna", "Werne"]


@pytest.fixture
def unna(db, users):
    """The second region of the ``users`` fixture, with its public contact and two more municipalities."""
    from courage_hub.regions.models import RegionMunicipality

    region = users["region_unna"]
    region.contact_address = "Friedrich-Ebert-Straße 17\n59425 Unna"
    region.contact_email = "ki@kreis-unna.example"
    region.contact_phone = "02303 27-0"
    region.opening_hours = "Mo–Do 9–15 Uhr"
    region.introduction = "Wir beraten **alle Schulen** im Kreis Unna."
    covered = {
        town.name
        for town in db.session.scalars(select(RegionMunicipality).where(RegionMunicipality.region_id == region.id))
    }
    db.session.add_all(RegionMunicipality(region_id=region.id, name=town) for town in UNNA_TOWNS if town not in covered)
    db.session.commit()
    return region


@pytest.fixture
def soest_only(db):
    """An installation of one region, Kreis Soest, with a member school: as before regions."""
    return SchoolFactory(name="Gesamtschule am Lindenhof Lippstadt")


@pytest.fixture
def unna_staff(unna):
    return UserFactory(role=Role.KI_STAFF, name="Unna Staff", regions=[unna])


def html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# --- the installation's scope ----------------------------------------------------------------------------------


def test_one_region_reads_as_before(client, soest_only):
    page = html(client, "/")
    assert "<h1>Courage Hub Kreis Soest</h1>" in page
    assert "(SOR-SMC) im Kreis Soest." in page
    assert "– Courage Hub Kreis Soest</title>" in page
    assert 'class="brand-kreis">Kreis Soest<' in page
    assert "/regionen/finden" not in page and 'href="/regionen/"' not in page
    directory = html(client, "/schulen/")
    assert 'name="region"' not in directory and 'name="land"' not in directory


def test_several_regions_name_their_land_and_offer_the_office_finder(client, users, unna):
    page = html(client, "/")
    assert "<h1>Courage Hub Nordrhein-Westfalen</h1>" in page
    assert "(SOR-SMC) in Nordrhein-Westfalen." in page
    assert 'href="/regionen/"' in page  # navigation and the "Koordinationen" section
    assert "Welche Koordination ist für meine Schule zuständig?" in page
    finder = page.split('id="f-finder"', 1)[1].split("</select>", 1)[0]
    unna_group = finder.split('<optgroup label="KI Kreis Unna">', 1)[1].split("</optgroup>", 1)[0]
    assert '<option value="Kamen">Kamen</option>' in unna_group and "Lippstadt" not in unna_group
    assert '<optgroup label="KI Kreis Soest">' in finder


def test_several_lands_read_nationwide(client, users, unna):
    RegionFactory(area="Stadt Leipzig", slug="stadt-leipzig", land="SN", municipalities=["Leipzig"])
    page = html(client, "/")
    assert "<h1>Courage Hub</h1>" in page and "(SOR-SMC) bundesweit." in page
    assert "– Courage Hub</title>" in page and "brand-kreis" not in page
    directory = html(client, "/schulen/")
    assert 'name="land"' in directory and 'name="region"' in directory


@pytest.mark.parametrize(
    ("area", "german"),
    [
        ("Kreis Soest", "im Kreis Soest"),
        ("Hochsauerlandkreis", "im Hochsauerlandkreis"),
        ("Stadt Hamm", "in der Stadt Hamm"),
        ("Sachsen", "in Sachsen"),
        ("Saarland", "im Saarland"),
        ("", "bundesweit"),
    ],
)
def test_the_area_takes_its_german_article(app, area, german):
    with app.test_request_context("/"):
        assert in_area(area) == german


def test_the_english_pages_name_the_area_without_an_article(client, soest_only):
    client.set_cookie("lang", "en")
    assert "in Kreis Soest" in html(client, "/")


# --- the offices' pages ----------------------------------------------------------------------------------------


def test_finder_leads_to_the_office_of_the_municipality(client, users, unna):
    response = client.get("/regionen/finden?gemeinde=Kamen")
    assert response.status_code == 302 and response.headers["Location"] == "/regionen/kreis-unna"
    unknown = client.get("/regionen/finden?gemeinde=Atlantis")
    assert unknown.status_code == 302 and unknown.headers["Location"] == "/regionen/"
    assert "Bitte wählen Sie Ihre Gemeinde" in html(client, "/regionen/")


def test_offices_are_listed_by_land_with_their_member_schools(client, users, unna):
    RegionFactory(area="Stadt Leipzig", slug="stadt-leipzig", land="SN", municipalities=["Leipzig"])
    SchoolFactory(region=unna, municipality="Kamen", name="Gesamtschule Kamen")
    SchoolFactory(region=unna, municipality="Unna", approval=Approval.PENDING, status=SchoolStatus.INTERESSE)
    page = html(client, "/regionen/")
    nrw, saxony = page.index(">Nordrhein-Westfalen</h2>"), page.index(">Sachsen</h2>")
    assert nrw < page.index("KI Kreis Unna") < saxony < page.index("KI Stadt Leipzig")
    unna_card = page.split("KI Kreis Unna</a></h3>", 1)[1].split("</li>", 1)[0]
    # School C of the fixture and the Gesamtschule Kamen; the pending schools do not count.
    assert "4 Gemeinden" in unna_card and "2 Mitgliedsschulen" in unna_card
    soest_card = page.split("KI Kreis Soest</a></h3>", 1)[1].split("</li>", 1)[0]
    assert "2 Mitgliedsschulen" in soest_card  # school A and B; the pending registration does not count


def test_office_list_queries_do_not_grow_with_the_offices(client, users, unna):
    small = count_queries(client, "/regionen/")
    for n in range(5):
        region = RegionFactory(municipalities=[f"Ort {n}"])
        SchoolFactory(region=region, municipality=f"Ort {n}")
    assert count_queries(client, "/regionen/") == small <= 3


def test_office_page_shows_contact_municipalities_and_only_public_schools_and_reports(client, users, unna):
    public = SchoolFactory(region=unna, municipality="Kamen", name="Gesamtschule Kamen")
    SchoolFactory(region=unna, municipality="Unna", name="Geheime Anmeldung Unna", approval=Approval.PENDING)
    ActivityFactory(school=public, title="Aktionstag in Kamen")
    ActivityFactory(school=public, title="Entwurf aus Kamen", state=ActivityState.DRAFT, published_at=None)
    ActivityFactory(school=users["school_a"], title="Bericht aus Lippstadt")
    page = html(client, "/regionen/kreis-unna")
    assert "<h1>KI Kreis Unna</h1>" in page and "Nordrhein-Westfalen" in page
    assert "Friedrich-Ebert-Straße 17<br>59425 Unna" in page and "ki@kreis-unna.example" in page
    assert "02303 27-0" in page and "Mo–Do 9–15 Uhr" in page
    assert "<strong>alle Schulen</strong>" in page  # the introduction is Markdown
    assert "<li>Bergkamen</li>" in page and "<li>Werne</li>" in page
    assert "Gesamtschule Kamen" in page and "Geheime Anmeldung Unna" not in page
    assert "Aktionstag in Kamen" in page and "Entwurf aus Kamen" not in page and "Bericht aus Lippstadt" not in page
    assert '<meta name="description" content="Wir beraten alle Schulen im Kreis Unna.">' in page
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(block)
    assert data["@type"] == "GovernmentOffice" and data["name"] == "KI Kreis Unna"
    assert data["email"] == "ki@kreis-unna.example" and {"@type": "City", "name": "Kamen"} in data["areaServed"]


def test_office_page_of_an_unknown_slug_is_not_found(client, users):
    assert client.get("/regionen/kreis-atlantis").status_code == 404


def test_office_pages_are_kept_in_the_page_cache(app, client, users, unna):
    from courage_hub.core import pagecache

    assert {"regions.index", "regions.detail"} <= pagecache.CACHEABLE_ENDPOINTS
    first = client.get("/regionen/kreis-unna")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers


# --- the Land and region filters of the public lists -----------------------------------------------------------


def test_directory_filters_by_region_and_land_and_ignores_unknown_values(client, users, unna):
    SchoolFactory(region=unna, municipality="Kamen", name="Gesamtschule Kamen")
    leipzig = RegionFactory(area="Stadt Leipzig", slug="stadt-leipzig", land="SN", municipalities=["Leipzig"])
    SchoolFactory(region=leipzig, municipality="Leipzig", name="Oberschule Leipzig")
    only_unna = html(client, "/schulen/?region=kreis-unna")
    assert "Gesamtschule Kamen" in only_unna and "Lindenhof" not in only_unna and "Leipzig</a>" not in only_unna
    municipality_filter = only_unna.split('id="f-gemeinde"', 1)[1].split("</select>", 1)[0]
    assert ">Kamen<" in municipality_filter and "Lippstadt" not in municipality_filter
    saxony = html(client, "/schulen/?land=SN")
    assert "Oberschule Leipzig" in saxony and "Gesamtschule Kamen" not in saxony
    region_filter = saxony.split('id="f-region"', 1)[1].split("</select>", 1)[0]
    assert "KI Stadt Leipzig" in region_filter and "KI Kreis Unna" not in region_filter
    everything = html(client, "/schulen/?region=atlantis&land=XX")
    assert "Gesamtschule Kamen" in everything and "Oberschule Leipzig" in everything and "Lindenhof" in everything


def test_directory_pages_keep_the_region(client, users, unna):
    for n in range(21):
        SchoolFactory(region=unna, municipality="Unna", name=f"Schule {n:02d} Unna")
    page = html(client, "/schulen/?region=kreis-unna")
    next_link = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert "region=kreis-unna" in next_link and "seite=2" in next_link
    assert "Lindenhof" not in html(client, next_link.replace("&amp;", "&"))


def test_feed_and_atom_filter_by_region(client, users, unna):
    kamen = SchoolFactory(region=unna, municipality="Kamen")
    ActivityFactory(school=kamen, title="Aktionstag in Kamen")
    ActivityFactory(school=users["school_a"], title="Bericht aus Lippstadt")
    feed = html(client, "/aktivitaeten/?region=kreis-unna")
    assert "Aktionstag in Kamen" in feed and "Bericht aus Lippstadt" not in feed
    assert "/aktivitaeten/feed.xml?region=kreis-unna" in feed  # the Atom link keeps the filter
    atom = html(client, "/aktivitaeten/feed.xml?region=kreis-unna")
    assert "Aktionstag in Kamen" in atom and "Bericht aus Lippstadt" not in atom
    everything = html(client, "/aktivitaeten/?region=atlantis")
    assert "Aktionstag in Kamen" in everything and "Bericht aus Lippstadt" in everything


def test_materials_filter_by_the_materials_region(client, users, unna):
    kamen = SchoolFactory(region=unna, municipality="Kamen")
    MaterialFactory(school=kamen, title="Blatt aus Kamen")
    MaterialFactory(school=users["school_a"], title="Blatt aus Lippstadt")
    page = html(client, "/materialien/?region=kreis-unna")
    assert "Blatt aus Kamen" in page and "Blatt aus Lippstadt" not in page
    assert '<option value="kreis-unna" selected>' in page
    # An unknown region leads to the one short address of the unfiltered list.
    response = client.get("/materialien/?region=atlantis")
    assert response.status_code == 302 and response.headers["Location"] == "/materialien/"


def test_filtered_lists_keep_a_flat_number_of_queries(client, users, unna):
    kamen = SchoolFactory(region=unna, municipality="Kamen")
    ActivityFactory(school=kamen)
    small = [count_queries(client, f"{path}?region=kreis-unna") for path in ("/schulen/", "/aktivitaeten/")]
    for n in range(5):
        school = SchoolFactory(region=unna, municipality="Unna", name=f"Schule {n}")
        ActivityFactory(school=school)
        ActivityFactory(school=kamen)
    large = [count_queries(client, f"{path}?region=kreis-unna") for path in ("/schulen/", "/aktivitaeten/")]
    assert small == large


# --- registration names the office -----------------------------------------------------------------------------


def registration(**overrides):
    data = {
        "name": "Gesamtschule Kamen", "schulnummer": "191919", "school_type": "Gesamtschule",
        "municipality": "Kamen", "street": "", "postcode": "", "public_email": "", "website": "",
        "person_name": "Pat Lehrkraft", "email": "pat@schule-kamen.example",
        "password": "Ein langes Passwort 2026", "password_confirm": "Ein langes Passwort 2026",
    }  # fmt: skip
    data.update(overrides)
    return data


def mail_to(address: str) -> str:
    """The text of the mails delivered to ``address``."""
    texts = []
    for path in outbox_messages():
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == address:
            texts.append(message.get_body(("plain",)).get_content())
    return "\n".join(texts)


def test_registration_asks_the_municipality_first_and_names_the_offices(client, users, unna):
    page = html(client, "/schulen/registrieren")
    assert page.index('id="municipality"') < page.index('id="schulnummer"') < page.index('id="name"')
    assert '<option value="Kamen">Kamen – KI Kreis Unna</option>' in page


def test_a_school_in_unna_goes_to_the_unna_office_and_only_its_staff_hear_of_it(client, users, unna, unna_staff, db):
    response = post_form(client, "/schulen/registrieren", registration())
    assert (
        response.status_code == 302 and response.headers["Location"] == "/schulen/registriert?koordination=kreis-unna"
    )
    school = db.session.scalar(select(School).where(School.schulnummer == "191919"))
    assert school.region_id == unna.id
    new_registration = db.session.scalars(
        select(OutboxMail.to_addr).where(OutboxMail.subject.contains("neue Registrierung"))
    ).all()
    # Unna's staff (the fixture's and this test's), not the Soest staff (users["ki"]).
    assert sorted(new_registration) == sorted([unna_staff.email, users["ki_unna"].email])
    thanks = html(client, response.headers["Location"])
    assert "KI Kreis Unna prüft die Registrierung" in thanks and "ki@kreis-unna.example" in thanks
    assert "59425 Unna" in thanks
    confirmation = mail_to("pat@schule-kamen.example")
    assert "KI Kreis Unna wird Ihre Schule betreuen" in confirmation and "ki@kreis-unna.example" in confirmation
    assert "Ihr Courage-Hub-Team, Kreis Unna" in confirmation


# --- handing a school over -------------------------------------------------------------------------------------


def hand_over(client, school, **fields):
    data = {"region": "kreis-unna", "municipality": "Unna", "reason": "Die Schule ist umgezogen."}
    data.update(fields)
    return post_form(client, f"/koordination/schulen/{school.id}/uebergeben", data)


def test_staff_hand_a_school_over_with_its_materials_and_both_offices_see_it(app, client, users, unna, db):
    school = users["school_a"]
    soest_id = school.region_id
    material = MaterialFactory(school=school, title="Blatt Lindenhof", state=MaterialState.PUBLISHED)
    login(client, users["ki"])
    assert "Schule übergeben" in html(client, f"/koordination/schulen/{school.id}")
    response = hand_over(client, school)
    assert response.status_code == 302 and response.headers["Location"] == "/koordination/schulen"
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert school.region_id == unna.id and school.municipality == "Unna"
    assert db.session.get(Material, material.id).region_id == unna.id
    event = db.session.scalar(select(SchoolEvent).where(SchoolEvent.kind == EventKind.REGION))
    assert event.internal and "KI Kreis Soest" in event.note and "Die Schule ist umgezogen." in event.note
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "school.move")).all()
    assert sorted(entry.region_id for entry in entries) == sorted([soest_id, unna.id])
    # The old office no longer reaches the school's internal pages, but keeps the move in its audit log.
    assert client.get(f"/koordination/schulen/{school.id}").status_code == 404
    assert client.get(f"/schulen/{school.slug}/verwalten").status_code in (403, 404)
    assert "<td>An eine andere Koordinierungsstelle übergeben</td>" in html(client, "/verwaltung/protokoll/")
    # The new office sees it, with the move in the timeline.
    unna_client = app.test_client()
    login(unna_client, UserFactory(role=Role.KI_STAFF, regions=[unna]))
    page = html(unna_client, f"/koordination/schulen/{school.id}")
    assert "Von KI Kreis Soest an KI Kreis Unna übergeben" in page
    assert "<td>An eine andere Koordinierungsstelle übergeben</td>" in html(unna_client, "/verwaltung/protokoll/")


def test_a_move_needs_a_municipality_of_the_new_office(client, users, unna, db):
    school = users["school_a"]
    login(client, users["ki"])
    response = hand_over(client, school, municipality="")  # Lippstadt is not Unna's
    assert response.status_code == 200
    assert "KI Kreis Unna ist nicht für Lippstadt zuständig" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(School, school.id).region_id == default_region().id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_staff_of_another_office_cannot_move_a_school(client, users, unna, unna_staff, db):
    login(client, unna_staff)
    assert hand_over(client, users["school_a"], region="kreis-soest").status_code == 404
    assert client.get(f"/koordination/schulen/{users['school_a'].id}/uebergeben").status_code == 404
    db.session.expire_all()
    assert db.session.get(School, users["school_a"].id).region_id == default_region().id


def test_coordinators_cannot_move_their_school(client, users, unna):
    login(client, users["coord_a"])
    assert hand_over(client, users["school_a"]).status_code == 403


def test_admins_may_move_any_school(client, users, unna, db):
    login(client, users["admin"])
    response = hand_over(client, users["school_b"], municipality="Kamen")
    assert response.status_code == 302 and response.headers["Location"] == "/regionen/kreis-unna"
    db.session.expire_all()
    assert db.session.get(School, users["school_b"].id).region_id == unna.id
