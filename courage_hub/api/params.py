"""Query parameters: a pydantic model per collection validates them and documents them in the OpenAPI document.

The filters are those of the public pages, with English names. Unlike a page, which quietly ignores a value it does
not know, the API refuses a value that does not fit the documented schema (400 with the parameter named) and reads an
unknown office or municipality literally: nothing is there. Values are read as sent (``raw_args``), so a value with
control characters is refused rather than changed.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ..extensions import db
from ..regions.models import Region
from ..regions.services import Place
from .schemas import N_, Land

# No C0 control characters and no DEL (tab and line breaks included: no filter needs them).
PRINTABLE = r"^[^\u0000-\u001f\u007f]*$"
SLUG = r"^[a-z0-9-]+$"
Text = Annotated[str, Field(pattern=PRINTABLE)]


class CollectionQuery(BaseModel):
    """Parameters of every collection: the page size and the cursor of the page to read."""

    model_config = ConfigDict(frozen=True, extra="ignore", regex_engine="python-re")

    limit: int = Field(20, ge=1, le=100, description=N_("Items per page (1–100)."))
    cursor: str | None = Field(
        None,
        max_length=400,
        pattern=r"^[A-Za-z0-9_-]+$",
        description=N_("Where the page starts: take it from the “next” link of the previous page."),
    )

    @classmethod
    def from_request(cls) -> CollectionQuery:
        """The request's parameters (the first value of each); raises pydantic's ValidationError."""
        return cls.model_validate(request.raw_args.to_dict(flat=True))


class PlaceQuery(CollectionQuery):
    """A collection that can be narrowed to a Land or one regional office."""

    land: Land | None = Field(None, description=N_("Only this Land (ISO 3166-2 code without “DE-”, e.g. “NW”)."))
    region: str | None = Field(
        None,
        max_length=80,
        pattern=SLUG,
        description=N_("Only this regional office, by its slug (see /regions), e.g. “kreis-soest”."),
    )

    def place(self) -> Place:
        """The chosen Land and office as the pages' filters take them; an unknown office, or one outside the chosen
        Land, matches nothing."""
        if self.region is None and self.land is None:
            return Place()
        chosen = select(Region.id).order_by(Region.id)
        if self.region is not None:
            chosen = chosen.where(Region.slug == self.region)
        if self.land is not None:
            chosen = chosen.where(Region.land == self.land)
        return Place(self.land or "", self.region or "", tuple(db.session.scalars(chosen)))


def parameters(query: type[CollectionQuery]) -> list[dict[str, Any]]:
    """The OpenAPI parameter objects of ``query``'s fields (schemas without the ``null`` of an absent value)."""
    schema = query.model_json_schema()
    result = []
    for name, field in schema["properties"].items():
        field = dict(field)
        description = field.pop("description", "")
        field.pop("title", None)
        options = [option for option in field.pop("anyOf", []) if option.get("type") != "null"]
        if options:
            field.update(options[0] if len(options) == 1 else {"anyOf": options})
        if field.get("default", 0) is None:
            del field["default"]
        result.append({"name": name, "in": "query", "required": False, "description": description, "schema": field})
    return result
