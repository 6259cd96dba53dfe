"""Which part of the network the dashboard, the annual report and the exports look at: one region, a staff member's
several regions, a Land or the whole country.

A viewer chooses with ``?region=<slug>`` and ``?land=<code>`` among what their figure scope (access/scope.py) holds;
any other value is ignored and the viewer's default applies, so a URL never widens what someone sees. Defaults:
regional staff see their region (or their regions together), Land staff their Land, the Bundeskoordination and
admins the whole country.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..access.scope import RegionIds, figure_region_ids, sees_land_figures
from ..auth.models import Role
from ..regions.services import RegionInfo, all_regions, region_by_slug
from ..regions.vocab import land_name

REGION = "region"  # one region
REGIONS = "regions"  # the several regions of a staff member, together
LAND = "land"  # every region of a Land
NATIONAL = "national"  # every region


@dataclass(frozen=True)
class View:
    level: str
    name: str  # "Kreis Soest", "Nordrhein-Westfalen", "Bundesweit"
    region_ids: RegionIds
    land: str = ""
    region: RegionInfo | None = None
    args: dict[str, str] = field(default_factory=dict)  # the URL arguments that chose it (none for the default)

    @property
    def is_single_region(self) -> bool:
        return self.region is not None


@dataclass(frozen=True)
class Step:
    """One step of the way from the whole country down to the view: a name and the arguments that show it."""

    name: str
    args: dict[str, str]


def choose_view(user: Any, region_slug: str = "", land: str = "") -> View:
    """The view ``user`` asked for with ``?region=`` / ``?land=``, if they may see it; else their default."""
    visible = figure_region_ids(user)
    default = default_view(user, visible)
    chosen, args = None, {}
    region = region_by_slug(region_slug) if region_slug else None
    land = land.upper()
    if region is not None and (visible is None or region.id in visible):
        chosen, args = _region_view(region), {"region": region.slug}
    elif land and sees_land_figures(user, land):
        chosen, args = _land_view(land), {"land": land}
    if chosen is None or not chosen.region_ids or _same(chosen, default):
        return default
    return View(chosen.level, chosen.name, chosen.region_ids, chosen.land, chosen.region, args)


def _same(view: View, other: View) -> bool:
    return (view.level, view.region_ids) == (other.level, other.region_ids)


def default_view(user: Any, visible: RegionIds) -> View:
    if visible is None:
        return View(NATIONAL, _("Nationwide"), None)
    if user.role == Role.LAND_STAFF:
        return _land_view(user.land or "")
    mine = [region for region in all_regions() if region.id in visible]
    if len(mine) == 1:
        return _region_view(mine[0])
    return View(REGIONS, ", ".join(region.area for region in mine) or _("No region"), visible)


def _region_view(region: RegionInfo) -> View:
    return View(REGION, region.area, frozenset({region.id}), region.land, region)


def _land_view(land: str) -> View:
    ids = frozenset(region.id for region in all_regions() if region.land == land)
    return View(LAND, land_name(land), ids, land)


def _is_default_land(user: Any, land: str) -> bool:
    return user.role == Role.LAND_STAFF and user.land == land


def path_to(user: Any, view: View) -> list[Step]:
    """The wider views above ``view`` that ``user`` may see, widest first ("Bundesweit › Nordrhein-Westfalen")."""
    visible = figure_region_ids(user)
    steps: list[Step] = []
    if view.level == NATIONAL:
        return steps
    if visible is None:
        steps.append(Step(_("Nationwide"), {}))
    if view.level == REGION and view.land and sees_land_figures(user, view.land):
        steps.append(Step(land_name(view.land), {} if _is_default_land(user, view.land) else {"land": view.land}))
    if view.level == REGION and visible is not None and user.role == Role.KI_STAFF and len(visible) > 1:
        steps.append(Step(_("All my regions"), {}))
    return steps
