"""The API's routes: a collection and its items per resource, the OpenAPI document, and the documentation page.

Every resource is served by the same two views, from its declaration (``resource.Resource``); the routes are made
from ``resources.RESOURCES``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template
from pydantic import ValidationError

from ..core.links import external_url
from . import docs, openapi, problems
from .http import json_response, newest
from .pagination import InvalidCursor, read_page
from .resource import Resource
from .resources import RESOURCES

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/", endpoint="docs")
def docs_page():
    """The documentation: every endpoint with its parameters and an example, the fields, the errors."""
    return render_template("api/docs.html", doc=docs.documentation())


@bp.get("/v1/openapi.json", endpoint="openapi")
def openapi_document():
    """The OpenAPI 3.1 document of the API (built once per worker: it changes only with the code)."""
    data = current_app.extensions.get("courage_hub.openapi")
    if data is None:
        data = json.dumps(openapi.document(), ensure_ascii=False, indent=1).encode()
        current_app.extensions["courage_hub.openapi"] = data
    return json_response(data, last_modified=None)


def _collection(resource: Resource):
    def view() -> Response:
        try:
            query = resource.query.from_request()
        except ValidationError as error:
            return problems.invalid_parameters(error)
        try:
            rows, cursor = read_page(resource.select(query), resource.order, query.cursor, query.limit)
        except InvalidCursor:
            return problems.invalid_cursor()
        items = resource.serialize(rows)
        next_url = None
        if cursor is not None:
            args = query.model_dump(mode="json", exclude_defaults=True, exclude={"cursor"})
            next_url = external_url(f"api.{resource.name}", **args, cursor=cursor)
        body = resource.page_model(items=[item.body for item in items], next=next_url, limit=query.limit)
        return json_response(body, last_modified=newest(*(item.modified for item in items)), next_url=next_url)

    view.__doc__ = f"The collection of {resource.name}, page by page."
    return view


def _item(resource: Resource):
    def view(**values: int) -> Response:
        row = resource.get(values[resource.id_name])
        if row is None:
            return problems.problem(404)
        (item,) = resource.serialize([row])
        return json_response(item.body, last_modified=item.modified)

    view.__doc__ = f"One of the {resource.name}, if it is public."
    return view


for _resource in RESOURCES:
    bp.add_url_rule(f"/v1/{_resource.name}", endpoint=_resource.name, view_func=_collection(_resource), methods=["GET"])
    bp.add_url_rule(
        f"/v1/{_resource.name}/<int:{_resource.id_name}>",
        endpoint=f"{_resource.name}_item",
        view_func=_item(_resource),
        methods=["GET"],
    )
