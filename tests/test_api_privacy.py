"""Nothing private leaks through the API: every private kind of data is seeded with a marker, then every endpoint is
read (each collection page by page, unfiltered and with filters that aim at the private rows, and the item URL of
every row in the database) and no answer may carry a marker or list a private row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from courage_hub.activities.models import Activity
from courage_hub.api.resources import RESOURCES
from courage_hub.events.models import Event
from courage_hub.extensions import db
from courage_hub.materials.models import Material
from courage_hub.partners.models import Offer
from courage_hub.regions.models import Region
from courage_hub.schools.models import School

from .api_helpers import OpenAPIChecker, private_network
from .factories import SchoolStatus

MODELS = {
    "regions": Region,
    "schools": School,
    "activities": Activity,
    "materials": Material,
    "events": Event,
    "offers": Offer,
}


@pytest.fixture
def private(app, users, db):
    app.config["API_RATE_LIMIT"] = 0  # hundreds of reads from one address; the limit has tests of its own
    return private_network(users)


def _paths(private) -> list[str]:
    """Every collection unfiltered and with filters aimed at the private rows, and every row's item URL."""
    pending = private["pending"]
    aimed = [
        f"?school={pending.slug}",
        "?municipality=Werl",
        "?q=geheim",
        "?q=wartestand",
        "?status=interesse",
        "?status=vorbereitung",
        f"?school_year={date.today().year}",
        "?period=upcoming",
        "?q=vorschlag",
        "?region=kreis-soest&grade=9",
        "?limit=100",
    ]
    paths = ["/api/v1/openapi.json"]
    for resource in RESOURCES:
        paths.append(f"/api/v1/{resource.name}")
        paths += [f"/api/v1/{resource.name}{query}" for query in aimed]
        ids = db.session.scalars(select(MODELS[resource.name].id)).all()
        paths += [f"/api/v1/{resource.name}/{row_id}" for row_id in ids]
    return paths


def test_no_answer_carries_anything_private(client, private):
    """Every answer the API gives (valid or refused) is free of every private marker, and every private row's item
    URL answers 404."""
    checker = OpenAPIChecker(client)
    markers, hidden = private["markers"], private["hidden"]
    leaks, listed, read = [], [], 0

    def inspect(path, response) -> None:
        nonlocal read
        body = response.get_data(as_text=True)
        leaks.extend(f"{path}: {kind}" for kind, value in markers.items() if value in body)
        read += 1

    for path in _paths(private):
        response = client.get(path)
        name = path.split("?")[0].removeprefix("/api/v1/")
        if response.status_code == 200 and name in MODELS:  # a collection: every page of it
            ids = {item["id"] for item in checker.crawl(client, path, visit=inspect)}
            listed += [f"{path}: {name} {i}" for i in ids & hidden[name]]
        else:
            inspect(path, response)
    for name, ids in hidden.items():
        for row_id in ids:
            assert client.get(f"/api/v1/{name}/{row_id}").status_code == 404, (name, row_id)
    assert read > 60
    assert not leaks, "\n".join(leaks)
    assert not listed, "\n".join(listed)


def test_the_documentation_carries_nothing_private(client, private):
    page = client.get("/api/").get_data(as_text=True)
    assert not [kind for kind, value in private["markers"].items() if value in page]


def test_a_school_that_leaves_the_network_disappears_with_its_reports_and_materials(client, users, private):
    a = users["school_a"]
    before = client.get("/api/v1/activities").get_json()["items"]
    assert any(item["school"]["id"] == a.id for item in before)
    db.session.get(School, a.id).status = SchoolStatus.AUSGETRETEN
    db.session.commit()
    assert client.get(f"/api/v1/schools/{a.id}").status_code == 404
    for name in ("activities", "materials"):
        items = client.get(f"/api/v1/{name}?limit=100").get_json()["items"]
        assert not [item for item in items if (item["school"] or {}).get("id") == a.id], name
