"""Shared by the API's tests: a network with public data of every kind, the same with private data of every kind
(each carrying a marker no answer may contain), and a checker that validates each answer against the OpenAPI
document the app serves (the schema of the operation and status, and the required headers)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from courage_hub.activities.models import Activity, ActivityFile, ActivityState
from courage_hub.coordination.models import SchoolNote
from courage_hub.events.models import Event
from courage_hub.extensions import db
from courage_hub.materials.models import Material, MaterialState
from courage_hub.regions.models import Region
from courage_hub.schools.models import EventKind, Patron, SchoolEvent

from . import factories
from .factories import (
    ActivityFactory,
    Approval,
    EventFactory,
    EventRegistrationFactory,
    EventState,
    MaterialFactory,
    SchoolFactory,
    SchoolStatus,
    UserFactory,
)

DOC_URI = "urn:courage-hub:openapi"


def public_network(users) -> dict:
    """Public data of every kind around the ``users`` fixture: schools with patrons (one public, one private),
    reports over two school years, link and file materials (open and all-rights-reserved), region and Land events
    with registrations, and a preparing school that agreed to be listed."""
    a, b, c = users["school_a"], users["school_b"], users["school_c"]
    a.admitted_on, a.description = date(2019, 11, 8), "Unsere **Courage-AG** trifft sich jeden Dienstag."
    a.website, a.public_email = "https://www.lindenhof.example", "sv@lindenhof.example"
    db.session.add(Patron(school_id=a.id, name="Aylin Demir", organisation="Stadttheater", show_publicly=True))
    db.session.add(Patron(school_id=b.id, name="Geheimer Pate", show_publicly=False))
    preparing = SchoolFactory(
        name="Sekundarschule Ense", municipality="Ense", status=factories.SchoolStatus.VORBEREITUNG
    )
    preparing.show_while_preparing = True
    db.session.commit()
    today = date.today()
    reports = [
        ActivityFactory(school=a, title="Projekttag Zivilcourage", topics=["Rassismus", "Demokratie und Zivilcourage"]),
        ActivityFactory(school=a, title="Gedenkstättenfahrt", start_date=today - timedelta(days=400)),
        ActivityFactory(school=b, title="Workshop Hate Speech", topics=["Hate Speech und Desinformation"]),
        ActivityFactory(school=c, title="Ausstellung in Unna", links="https://www.unna.example/ausstellung"),
    ]
    db.session.add(
        ActivityFile(
            activity_id=reports[0].id,
            kind="photo",
            storage_name="a" * 32 + ".webp",
            original_name="Max_8a.jpg",
            content_type="image/webp",
            size=10,
            sha256="0" * 64,
            alt_text="Schüler*innen im Workshop",
        )
    )
    materials = [
        MaterialFactory(school=a, title="Arbeitsblatt Alltagsrassismus", description="Fälle aus dem *Alltag*."),
        MaterialFactory(school=b, title="Methode Perspektivwechsel", licence="arr", material_type="Methode/Übung"),
        MaterialFactory(
            school=None,
            title="Themenheft Antisemitismus",
            topics=["Antisemitismus"],
            levels=["Sekundarstufe II"],
            link_url=None,
            storage_name="b" * 32 + ".pdf",
            preview_name="b" * 32 + ".webp",
            original_name="heft.pdf",
            content_type="application/pdf",
            size=2048,
        ),
        MaterialFactory(school=c, title="Plakat Vielfalt in Unna", topics=["Vielfalt und Religionen"]),
    ]
    region_event = EventFactory(title="Regionaltreffen Lippstadt", capacity=20, max_seats_per_school=5)
    EventRegistrationFactory(event=region_event, school=a)
    land_event = EventFactory(
        region=None, land="NW", title="Landestreffen NRW", kind=factories.EventKind.LANDESTREFFEN, capacity=None
    )
    past = EventFactory(
        title="Fortbildung im Frühjahr",
        starts_at=datetime.now(UTC) - timedelta(days=30),
        ends_at=datetime.now(UTC) - timedelta(days=30) + timedelta(hours=2),
    )
    cancelled = EventFactory(
        region=users["region_unna"],
        title="Aktionstag Unna",
        state=factories.EventState.CANCELLED,
        cancel_reason="Die Halle ist gesperrt.",
    )
    # Offers: Kreis Soest's memorial site (a free workshop), a nationwide theatre's play with a fee, and Kreis Unna's
    # partner, which serves the whole Land.
    workshop = factories.OfferFactory(
        partner=users["partner_soest"], title="Workshop: Antisemitismus erkennen", topics=["Antisemitismus"]
    )
    theatre = factories.PartnerFactory(name="Theater Zivilcourage", kind="Theater/Film/Medien", nationwide=True)
    play = factories.OfferFactory(
        partner=theatre,
        title="Theaterstück „Die Mitläufer“",
        format="Theater/Film",
        cost_kind="amount",
        cost_cents=35000,
        cost_note="pro Aufführung",
        grade_min=None,
        grade_max=None,
        online=True,
        topics=["Rechtsextremismus", "Demokratie und Zivilcourage"],
    )
    db.session.add(factories.PartnerLand(partner_id=users["partner_unna"].id, land="NW"))
    exhibition = factories.OfferFactory(
        partner=users["partner_unna"], title="Ausstellung Gesichter der Vielfalt", format="Ausstellung"
    )
    db.session.commit()
    return {
        "reports": reports,
        "materials": materials,
        "events": [region_event, land_event, past, cancelled],
        "offers": [workshop, play, exhibition],
        "preparing": preparing,
    }


class OpenAPIChecker:
    """Validates answers against the document at ``/api/v1/openapi.json``."""

    def __init__(self, client) -> None:
        self.document = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)
        self.routes = [
            (re.compile("^/api/v1" + re.sub(r"\{[^}]+\}", r"[0-9]+", template) + "$"), operation["get"])
            for template, operation in self.document["paths"].items()
        ]
        self.checked = 0

    def operation(self, path: str) -> dict:
        for pattern, operation in self.routes:
            if pattern.match(path):
                return operation
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.registry.resolver(DOC_URI).lookup(DOC_URI + node["$ref"]).contents
        return node

    def check(self, response, path: str) -> None:
        """The answer's status is declared for the operation, its body fits the declared schema of its media type,
        and every required header is there."""
        operation = self.operation(path.split("?", 1)[0])
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{path}: status {response.status_code} is not declared"
        declared = self._resolve(declared)
        for name, header in declared.get("headers", {}).items():
            if self._resolve(header).get("required"):
                assert name in response.headers, f"{path}: header {name} missing"
        content = declared.get("content")
        if not content:
            assert response.get_data() == b"", f"{path}: {response.status_code} must have no body"
            return
        assert response.mimetype in content, f"{path}: {response.mimetype} is not declared"
        schema = (
            {"$ref": DOC_URI + content[response.mimetype]["schema"]["$ref"]}
            if "$ref" in (content[response.mimetype]["schema"])
            else content[response.mimetype]["schema"]
        )
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
        assert not errors, f"{path}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        self.checked += 1

    def get(self, client, path: str, **kwargs):
        response = client.get(path, **kwargs)
        self.check(response, path)
        return response

    def crawl(self, client, path: str, visit=None) -> list[dict]:
        """Every item of a collection, following ``next`` page by page (each page checked, and shown to ``visit``)."""
        items, url = [], path
        while url:
            response = self.get(client, url)
            if visit is not None:
                visit(url, response)
            body = response.get_json()
            items.extend(body["items"])
            url = body["next"].removeprefix("http://localhost") if body["next"] else None
        return items


def private_network(users) -> dict:
    """``public_network`` and every kind of private data, each carrying a marker that no answer may contain;
    returns the markers and the ids of the private rows per collection."""
    public = public_network(users)
    a = users["school_a"]
    hidden: dict[str, set[int]] = {
        name: set() for name in ("regions", "schools", "activities", "materials", "events", "offers")
    }
    markers = {
        "coordinator's name": users["coord_a"].name,
        "coordinator's address": users["coord_a"].email,
        "staff address": users["ki"].email,
    }

    def mark(kind: str, value: str) -> str:
        markers[kind] = value
        return value

    # Schools that are not public, and what is internal about public ones.
    pending = SchoolFactory(
        name=mark("pending school", "Realschule Wartestand Werl"),
        municipality="Werl",
        approval=Approval.PENDING,
        status=SchoolStatus.INTERESSE,
    )
    rejected = SchoolFactory(name=mark("rejected school", "Förderschule Abgelehnt Ense"), approval=Approval.REJECTED)
    rejected.rejection_reason = mark("rejection reason", "Liegt nicht im Kreis GEHEIM-ABLEHNUNG")
    departed = SchoolFactory(
        name=mark("departed school", "Hauptschule Ausgetreten Soest"), status=SchoolStatus.AUSGETRETEN
    )
    unlisted = SchoolFactory(name=mark("preparing, not listed", "Grundschule Unentschieden"))
    unlisted.status = SchoolStatus.VORBEREITUNG  # preparing without consent to be listed
    hidden["schools"] |= {pending.id, rejected.id, departed.id, unlisted.id}
    a.needs_contact, a.needs_contact_reason = True, mark("contact flag", "Seit langem still GEHEIM-KONTAKT")
    a.schulnummer, a.street, a.postcode = mark("Schulnummer", "975318"), mark("street", "Geheimweg 7"), "59999"
    a.ceremony_note = mark("ceremony note", "Urkunde fehlt GEHEIM-FEIER")
    a.description += " <!-- " + mark("comment in a description", "GEHEIM-KOMMENTAR") + " -->"
    db.session.add(SchoolNote(school_id=a.id, text=mark("internal note", "Rückruf vereinbart GEHEIM-NOTIZ")))
    db.session.add(
        SchoolEvent(
            school_id=a.id, kind=EventKind.CONTACT_FLAG, note=mark("timeline", "GEHEIM-ZEITLEISTE"), internal=True
        )
    )
    db.session.scalar(select(Patron).where(Patron.school_id == users["school_b"].id)).name = mark(
        "patron without consent", "Pate Ohne Zustimmung"
    )
    region = db.session.get(Region, a.region_id)
    region.reply_to_email = mark("office's reply-to setting", "antwort-intern@kreis-soest.example")

    # Reports that are not public.
    for state, title in ((ActivityState.DRAFT, "GEHEIM-ENTWURF"), (ActivityState.UNPUBLISHED, "GEHEIM-GESPERRT")):
        report = ActivityFactory(school=a, state=state, title=mark(f"{state.value} report", title))
        hidden["activities"].add(report.id)
    blocked = db.session.get(Activity, max(hidden["activities"]))
    blocked.moderation_reason = mark("moderation reason", "Foto ohne Einwilligung GEHEIM-MODERATION")
    for school, kind in ((pending, "pending"), (departed, "departed"), (unlisted, "unlisted")):
        report = ActivityFactory(school=school, title=mark(f"report of a {kind} school", f"GEHEIM-BERICHT-{kind}"))
        hidden["activities"].add(report.id)
    photo_report = public["reports"][0]
    markers["photo's file name"] = "Max_8a.jpg"  # seeded by public_network
    assert photo_report.id  # its public report is listed, the photo never

    # Materials that are not approved, and a public one's internals.
    for state in (MaterialState.REVIEW, MaterialState.REJECTED, MaterialState.WITHDRAWN, MaterialState.HIDDEN):
        material = MaterialFactory(
            school=a, state=state, published_at=None, title=mark(f"{state.value} material", f"GEHEIM-{state.value}")
        )
        hidden["materials"].add(material.id)
    returned = db.session.get(Material, min(hidden["materials"]))
    returned.review_reason = mark("review reason", "Quelle fehlt GEHEIM-PRUEFUNG")
    of_pending = MaterialFactory(school=pending, title=mark("material of a pending school", "GEHEIM-MATERIAL-wartend"))
    hidden["materials"].add(of_pending.id)
    author = UserFactory(
        name=mark("material's author", "Urheberin Privat"), email=mark("author's address", "u@x.example")
    )
    file_material = public["materials"][2]
    db.session.get(Material, file_material.id).author_id = author.id
    markers["stored file name"] = file_material.storage_name
    markers["uploaded file name"] = "heft.pdf"

    # Events: a draft, the online link and the registrations.
    draft = EventFactory(title=mark("draft event", "GEHEIM-TREFFEN"), state=EventState.DRAFT)
    hidden["events"].add(draft.id)
    online = public["events"][0]
    db.session.get(Event, online.id).online_url = mark("online link", "https://konferenz.example/geheim-raum")
    registration = EventRegistrationFactory(event=online, school=users["school_b"], adult_names="Frau Privatmann")
    registration.note = mark("registration note", "Wir bringen Rollstühle GEHEIM-ANMELDUNG")
    markers["adults' names"] = "Frau Privatmann"

    # Offers that are not current, a partner that is no longer listed, proposals, accounts and requests.
    partner = users["partner_soest"]
    listed = factories.OfferFactory(partner=partner, title="Workshop Courage im Netz")
    listed.proposal = {"title": mark("proposed offer title", "GEHEIM-VORSCHLAG-ANGEBOT")}
    partner.proposal = {"name": mark("proposed partner name", "GEHEIM-VORSCHLAG-PARTNER")}
    partner.review_reason = mark("partner's review reason", "Logo fehlt GEHEIM-PARTNERPRUEFUNG")
    markers["partner account's address"] = users["partner"].email
    for state in (factories.OfferState.REVIEW, factories.OfferState.REJECTED, factories.OfferState.ARCHIVED):
        offer = factories.OfferFactory(
            partner=partner, state=state, title=mark(f"{state.value} offer", f"GEHEIM-{state}")
        )
        hidden["offers"].add(offer.id)
    expired = factories.OfferFactory(
        partner=partner, title=mark("expired offer", "GEHEIM-ABGELAUFEN"), available_until=date.today() - timedelta(1)
    )
    archived_partner = factories.PartnerFactory(name=mark("archived partner", "GEHEIM-ARCHIV-PARTNER"))
    archived_partner.archived_at = datetime.now(UTC)
    of_archived = factories.OfferFactory(
        partner=archived_partner, title=mark("offer of an archived partner", "GEHEIM-AP")
    )
    hidden["offers"] |= {expired.id, of_archived.id}
    request = factories.OfferRequestFactory(offer=listed, school=a, note=mark("request note", "GEHEIM-ANFRAGE"))
    request.response_note = mark("partner's answer", "GEHEIM-ANTWORT")
    request.preferred_dates = mark("preferred dates", "GEHEIM-WUNSCHTERMIN")
    db.session.commit()
    return {"markers": markers, "hidden": hidden, "pending": pending, "unlisted": unlisted}
