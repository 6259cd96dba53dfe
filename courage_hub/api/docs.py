"""What the documentation page (``/api/``) shows, read from the same declarations and schemas as the OpenAPI
document: every endpoint with its parameters and an example, every data field, every kind of problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..core.links import external_url
from . import openapi
from .params import parameters
from .problems import ALL_KINDS, KINDS
from .resources import RESOURCES


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Endpoint:
    anchor: str
    path: str
    summary: str
    description: str
    params: list[Param]
    returns: str  # the schema of the item
    paged: bool  # the answer is a page of such items
    example_request: str
    example_url: str
    example_response: str


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    endpoints: list[Endpoint]


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    ref: str | None  # a schema the type names, to link to
    description: str


@dataclass(frozen=True)
class Model:
    name: str
    fields: list[Field]


@dataclass(frozen=True)
class ProblemKind:
    anchor: str
    status: int
    title: str
    detail: str


@dataclass(frozen=True)
class Documentation:
    base_url: str
    openapi_url: str
    sections: list[Section]
    models: list[Model]
    problems: list[ProblemKind]


def type_text(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A JSON Schema as words ("list of text", "Region or null") and the schema it names, if any."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, name
    if "anyOf" in schema:
        options = [type_text(option) for option in schema["anyOf"] if option.get("type") != "null"]
        text = " | ".join(text for text, _ref in options)
        nullable = any(option.get("type") == "null" for option in schema["anyOf"])
        ref = next((ref for _text, ref in options if ref), None)
        return (_("%(type)s or null", type=text) if nullable else text), ref
    if "enum" in schema:
        return _("one of: %(values)s", values=", ".join(f"“{value}”" for value in schema["enum"])), None
    kind = schema.get("type")
    if kind == "array":
        inner, ref = type_text(schema.get("items", {}))
        return _("list of %(type)s", type=inner), ref
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return _("whole number from %(low)d to %(high)d", low=low, high=high), None
        return _("whole number"), None
    if kind == "boolean":
        return _("true or false"), None
    if kind == "object":
        return _("object"), None
    words = {"date": _("date (YYYY-MM-DD)"), "date-time": _("date and time (ISO 8601)"), "uri": _("link")}
    text = words.get(schema.get("format", ""), _("text"))
    if "maxLength" in schema:
        text = _("%(type)s, at most %(n)d characters", type=text, n=schema["maxLength"])
    return text, None


def _param(parameter: dict[str, Any]) -> Param:
    meaning = parameter["description"]  # a msgid (schemas.N_)
    return Param(parameter["name"], type_text(parameter["schema"])[0], _(meaning))


def _endpoint(resource, *, item: bool) -> Endpoint:
    example = resource.item_example if item else resource.list_example
    body = resource.item_body() if item else resource.list_body()
    path = f"/api/v1/{resource.name}" + (f"/{{{resource.id_name}}}" if item else "")
    params = (
        [Param(resource.id_name, _("whole number"), _("The item's id."))]
        if item
        else [_param(parameter) for parameter in parameters(resource.query)]
    )
    return Endpoint(
        anchor=f"{resource.name}-item" if item else f"{resource.name}-list",
        path=path,
        summary=_(resource.item_summary if item else resource.summary),
        description="" if item else _(resource.description),
        params=params,
        returns=resource.model.__name__,
        paged=not item,
        example_request=f"GET /api/v1{example.request}",
        example_url=external_url("api.docs").rstrip("/") + "/v1" + example.request,
        example_response=json.dumps(body.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2),
    )


def _models() -> list[Model]:
    """Every schema of the answers except the pages, whose shape the introduction explains once."""
    models = []
    for name, schema in openapi.components().items():
        if name.endswith("List") or "properties" not in schema:
            continue
        fields = []
        for field_name, field in schema["properties"].items():
            text, ref = type_text(field)
            meaning = field.get("description") or ""  # a msgid (schemas.N_)
            fields.append(Field(field_name, text, ref, _(meaning) if meaning else ""))
        models.append(Model(name, fields))
    return models


def documentation() -> Documentation:
    base = external_url("api.docs").rstrip("/") + "/v1"
    return Documentation(
        base_url=base,
        openapi_url=external_url("api.openapi"),
        sections=[
            Section(
                resource.name,
                _(resource.summary),
                [_endpoint(resource, item=False), _endpoint(resource, item=True)],
            )
            for resource in RESOURCES
        ],
        models=_models(),
        problems=[
            ProblemKind(
                f"problem-{kind.slug}",
                next((status for status, known in KINDS.items() if known is kind), 400),
                _(kind.title),
                _(kind.detail),
            )
            for kind in ALL_KINDS
        ],
    )
