"""Open data: a read-only JSON API (``/api/v1/``) of what the public pages show, described by an OpenAPI 3.1 document
(``/api/v1/openapi.json``) and a documentation page (``/api/``), both built from the code.

How it fits together:

- ``schemas``: pydantic models of every answer. They serialise the responses and are the OpenAPI schemas.
- ``resource``: what a resource is made of (schema, query parameters, order, how it reads public rows and turns them
  into items, examples); ``resources/*``: one module per resource; ``resources.RESOURCES``: the list that ``views``
  serves, ``openapi`` describes and ``docs`` documents. Nothing is declared twice, so they cannot drift.
- ``params``: the query parameters as pydantic models (validated, and documented from the same model);
  ``pagination``: cursor (keyset) pagination; ``http``: validators, 304, caching, CORS, ``Link``, the rate limit;
  ``problems``: RFC 9457 errors in German and English.

What a resource shows is decided by the rules the public pages use (``School.is_public``, ``Activity.is_public``,
``Material.is_public``, ``events.policy.is_public``) and their query builders (the directory's, the feed's, the
library's and the event list's filters), never by rules of its own: the API cannot show more than the site.

Adding a resource (e.g. the cooperation partners' offers), one module and one line:

1. ``schemas.py``: a model of the item (``class Offer(Schema)``), only with fields its public page shows; mark each
   description with ``N_`` and add the German translations to the catalogue.
2. ``resources/offers.py``: its query model (``class OfferQuery(PlaceQuery)`` with the offers page's filters), an
   ``Order`` (sort key columns ending with the id), ``select(query)`` built from the offers page's query conditions
   and public rule, ``get(id)`` returning the public offer or None, ``serialize(rows)`` (a fixed number of queries for
   any page), examples, and ``RESOURCE = Resource(name="offers", id_name="offer_id", …)``.
3. ``resources/__init__.py``: add ``offers.RESOURCE`` to ``RESOURCES``. The routes, the OpenAPI document, the
   documentation page, caching and the rate limit follow; tests/test_api*.py pick it up from ``RESOURCES``
   (validation against the document, property-based run, query counts), and the permission matrix needs the two new
   routes. Seed its private kinds in ``tests/test_api_privacy.py``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The API's request hooks; call before the page cache's ``init_app`` (see ``http``)."""
    from ..core import errors, pagecache
    from . import http, problems
    from .resources import RESOURCES

    http.init_app(app)
    errors.register_renderer(app, http.PREFIX, problems.render_error)
    endpoints = {"api.docs", "api.openapi"}
    endpoints |= {f"api.{r.name}" for r in RESOURCES} | {f"api.{r.name}_item" for r in RESOURCES}
    pagecache.allow(app, endpoints)
