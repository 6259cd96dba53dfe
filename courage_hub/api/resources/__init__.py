"""The API's resources, in the order the documentation shows them (see the package docstring to add one)."""

from __future__ import annotations

from . import activities, events, materials, offers, regions, schools

RESOURCES = (
    regions.RESOURCE,
    schools.RESOURCE,
    activities.RESOURCE,
    materials.RESOURCE,
    events.RESOURCE,
    offers.RESOURCE,
)
