"""What a resource of the API is made of: its schema, its parameters, its order, how it reads public rows and turns
them into items, and an example of each answer. ``views`` serves every resource the same way from this, and
``openapi`` describes it from the same declaration, so the document cannot drift from what is served.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .pagination import Listing, Order
from .params import CollectionQuery
from .schemas import Collection, Schema, collection_of


@dataclass(frozen=True)
class Item:
    """One serialised item and the newest change among the records it was built from (its ``Last-Modified``)."""

    body: Schema
    modified: datetime | None


@dataclass(frozen=True)
class Example:
    """A request (path and query below ``/api/v1``) and the items it answers with, shown in the documentation and
    the OpenAPI document (a collection's page also has a ``next`` link and its ``limit``)."""

    request: str
    items: tuple[Schema, ...]
    next: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class Resource:
    """A collection ``/api/v1/<name>`` and its items ``/api/v1/<name>/{<id_name>}``.

    ``select(query)`` returns the ``Listing`` of the public rows that match the query's filters (the collection's
    ``order`` and the cursor are applied to it); ``get(id)`` one public row or None;
    ``serialize(rows)`` turns a page of rows into items with a fixed number of queries, whatever their number.
    """

    name: str
    id_name: str
    model: type[Schema]
    query: type[CollectionQuery]
    order: Order
    select: Callable[[Any], Listing]
    get: Callable[[int], Any | None]
    serialize: Callable[[Sequence[Any]], list[Item]]
    summary: str  # msgid: what the collection lists
    description: str  # msgid: its order and what it leaves out
    item_summary: str  # msgid: what one item is
    list_example: Example
    item_example: Example

    @property
    def page_model(self) -> type[Collection]:
        if self.model not in _page_models:
            _page_models[self.model] = collection_of(self.model)
        return _page_models[self.model]

    def list_body(self) -> Collection:
        """The answer of the collection's example request."""
        example = self.list_example
        return self.page_model(items=list(example.items), next=example.next, limit=example.limit)

    def item_body(self) -> Schema:
        """The answer of the item's example request."""
        return self.item_example.items[0]


_page_models: dict[type[Schema], type[Collection]] = {}
