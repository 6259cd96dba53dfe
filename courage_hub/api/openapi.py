"""The OpenAPI 3.1 document, built from the resources' declarations and the pydantic models (their JSON Schema is
the 2020-12 dialect that OpenAPI 3.1 uses), so it describes exactly what the views serve."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from ..core.links import external_url
from ..core.requests import MAX_ID
from .params import parameters
from .problems import ALL_KINDS, type_url
from .resource import Resource
from .resources import RESOURCES
from .schemas import Problem

INFO_DESCRIPTION = """\
Read-only open data of the network “Schule ohne Rassismus – Schule mit Courage”: what the public pages of this site
show, and nothing more — regional offices, schools, their published activities, approved materials (each with its
AMB description) and events.

**Stability.** `v1` only ever adds: new fields, parameters and resources may appear, so ignore fields you do not
know. A field is never removed, renamed or changed in meaning within `v1`; that needs `v2`, announced in advance.
Every item has a stable `id` and `url` (its public page).

**Pages.** Collections are read page by page in a fixed order; follow `next` (also the `Link` header) until it is
null. The cursor is a position in that order, so pages do not shift when entries are added.

**Caching.** Answers carry `ETag`, `Last-Modified` and `Cache-Control` (60 s in shared caches). Ask again with
`If-None-Match` to get `304 Not Modified` when nothing changed; items also answer `If-Modified-Since`.

**Limits.** Requests are counted per client address; over the limit the answer is `429` with `Retry-After`.
Browsers may read from any origin (CORS for `GET`).

**Errors** are RFC 9457 problem details (`application/problem+json`) in German or English (`Accept-Language`).
"""


class _Generator(GenerateJsonSchema):
    """pydantic's JSON Schema without a generated title on every property (the descriptions say more)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def components() -> dict[str, Any]:
    """Every schema the responses use, under ``#/components/schemas``."""
    models = [Problem, *(r.model for r in RESOURCES), *(r.page_model for r in RESOURCES)]
    _, top = models_json_schema(
        [(model, "serialization") for model in models],
        ref_template="#/components/schemas/{model}",
        schema_generator=_Generator,
    )
    return top["$defs"]


def _header(description: str, schema: dict[str, Any] | None = None, required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema or {"type": "string"}}


HEADERS = {
    "ETag": _header("Validator of this answer: send it as If-None-Match to get 304 while it is current."),
    "Last-Modified": _header("The newest change among the records of this answer.", required=False),
    "Cache-Control": _header("How long shared caches may keep the answer."),
    "Link": _header("The next page (rel=next) and this document (rel=service-desc)."),
    "Access-Control-Allow-Origin": _header("Any origin may read (CORS)."),
    "Retry-After": _header("Seconds to wait before the next request.", {"type": "integer", "minimum": 1}),
}


def _problem(description: str, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    return response


RESPONSES = {
    "NotModified": {
        "description": "Not modified: the copy named by If-None-Match (or If-Modified-Since) is current.",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
    },
    "InvalidParameter": _problem("A query parameter does not fit its schema (named in invalid-params)."),
    "NotFound": _problem("There is no public item with this id."),
    "TooManyRequests": _problem("Too many requests from this client; wait as Retry-After says.", ("Retry-After",)),
    "Unavailable": _problem("The service is briefly unavailable."),
}


def _ok(description: str, schema: str, example: tuple[str, Any] | None, paged: bool) -> dict[str, Any]:
    names = ["ETag", "Last-Modified", "Cache-Control", "Link", "Access-Control-Allow-Origin"]
    content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    if example is not None:
        request, body = example
        content["examples"] = {"example": {"summary": f"GET /api/v1{request}", "value": body}}
    return {
        "description": description + (" Follow next for the following page." if paged else ""),
        "headers": {name: {"$ref": f"#/components/headers/{name}"} for name in names},
        "content": {"application/json": content},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def collection_operation(resource: Resource) -> dict[str, Any]:
    body = resource.list_body().model_dump(mode="json", by_alias=True)
    return {
        "operationId": f"list_{resource.name}",
        "summary": resource.summary,
        "description": resource.description,
        "tags": [resource.name],
        "parameters": parameters(resource.query),
        "responses": {
            "200": _ok("One page.", resource.page_model.__name__, (resource.list_example.request, body), True),
            "304": _ref("NotModified"),
            "400": _ref("InvalidParameter"),
            "429": _ref("TooManyRequests"),
            "503": _ref("Unavailable"),
        },
    }


def item_operation(resource: Resource) -> dict[str, Any]:
    body = resource.item_body().model_dump(mode="json", by_alias=True)
    return {
        "operationId": f"get_{resource.name}_item",
        "summary": resource.item_summary,
        "tags": [resource.name],
        "parameters": [
            {
                "name": resource.id_name,
                "in": "path",
                "required": True,
                "description": "The item's id.",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            }
        ],
        "responses": {
            "200": _ok("The item.", resource.model.__name__, (resource.item_example.request, body), False),
            "304": _ref("NotModified"),
            "404": _ref("NotFound"),
            "429": _ref("TooManyRequests"),
            "503": _ref("Unavailable"),
        },
    }


def document_operation() -> dict[str, Any]:
    ok = _ok("This document.", "OpenAPIDocument", None, False)
    ok["content"]["application/json"]["schema"] = {"type": "object", "required": ["openapi", "paths"]}
    return {
        "operationId": "get_openapi_document",
        "summary": "This OpenAPI document",
        "tags": ["openapi"],
        "responses": {"200": ok, "304": _ref("NotModified"), "429": _ref("TooManyRequests")},
    }


def document() -> dict[str, Any]:
    """The OpenAPI document of ``/api/v1``."""
    paths: dict[str, Any] = {}
    for resource in RESOURCES:
        paths[f"/{resource.name}"] = {"get": collection_operation(resource)}
        paths[f"/{resource.name}/{{{resource.id_name}}}"] = {"get": item_operation(resource)}
    paths["/openapi.json"] = {"get": document_operation()}
    docs = external_url("api.docs")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Courage Hub open data API",
            "version": "1",
            "description": INFO_DESCRIPTION,
        },
        "externalDocs": {"description": "Documentation with examples", "url": docs},
        "servers": [{"url": docs.rstrip("/") + "/v1"}],
        "tags": [
            *({"name": resource.name, "description": resource.summary} for resource in RESOURCES),
            {"name": "openapi", "description": "This document"},
        ],
        "paths": paths,
        "components": {
            "schemas": components(),
            "headers": HEADERS,
            "responses": RESPONSES,
        },
        "x-problem-types": {kind.slug: type_url(kind) for kind in ALL_KINDS},
    }
