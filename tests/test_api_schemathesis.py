"""A property-based run against the OpenAPI document (schemathesis): generated requests to every operation, valid
and invalid, on a network with private data of every kind. No answer may be a server error, break the document
(status, media type, headers, schema), accept a request the document rules out, or carry anything private.

Bounded: a fixed number of generated examples per operation besides schemathesis' own boundary cases, so that the
run takes about a minute per database.
"""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from courage_hub import create_app
from courage_hub.api import openapi

from .api_helpers import private_network
from .conftest import make_config

EXAMPLES_PER_OPERATION = 25
MARKERS: dict[str, str] = {}


def _document() -> dict:
    """The document as the test app serves it (it needs no database: it is built from the code)."""
    with tempfile.TemporaryDirectory() as instance:
        saved = os.environ.get("COURAGE_HUB_INSTANCE")
        os.environ["COURAGE_HUB_INSTANCE"] = instance
        try:
            app = create_app(make_config("sqlite://", instance))
        finally:
            if saved is None:
                del os.environ["COURAGE_HUB_INSTANCE"]
            else:
                os.environ["COURAGE_HUB_INSTANCE"] = saved
        with app.test_request_context():
            return openapi.document()


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture
def api_app(app, users):
    """The test app on a network with private data of every kind (generated requests only read)."""
    MARKERS.clear()
    MARKERS.update(private_network(users)["markers"])
    app.config["API_RATE_LIMIT"] = 0  # thousands of requests from one address: the limit has tests of its own
    return app


def accepts_valid_requests(ctx, response, case):
    """Schemathesis' "valid data is accepted", except for a cursor: its documented form is all the schema can say of
    an opaque value, and one this API did not write is refused with 400 naming the cursor (as documented)."""
    if response.status_code == 400:
        refused = [param["name"] for param in response.json().get("invalid-params", [])]
        if refused == ["cursor"]:
            return None
    return positive_data_acceptance(ctx, response, case)


def nothing_private(ctx, response, case) -> None:
    """No answer carries a private marker (a pending school, a draft, an internal note …)."""
    leaked = [kind for kind, value in MARKERS.items() if value in response.text]
    assert not leaked, f"{case.path}: {leaked}"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_generated_requests_get_valid_answers_and_nothing_private(case, api_app):
    case.call_and_validate(
        app=api_app,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[accepts_valid_requests, nothing_private],
    )
