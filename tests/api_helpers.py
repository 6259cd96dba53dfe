"""Shared by the API's tests: a network with public data of every kind, and a checker that validates each answer
against the OpenAPI document the app serves (the schema of the operation and status, and the required headers)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from courage_hub.activities.models import ActivityFile
from courage_hub.extensions import db
from courage_hub.schools.models import Patron

from . import factories
from .factories import ActivityFactory, EventFactory, EventRegistrationFactory, MaterialFactory, SchoolFactory

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
    db.session.commit()
    return {
        "reports": reports,
        "materials": materials,
        "events": [region_event, land_event, past, cancelled],
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

    def crawl(self, client, path: str) -> list[dict]:
        """Every item of a collection, following ``next`` page by page (each page checked)."""
        items, url = [], path
        while url:
            body = self.get(client, url).get_json()
            items.extend(body["items"])
            url = body["next"].removeprefix("http://localhost") if body["next"] else None
        return items
