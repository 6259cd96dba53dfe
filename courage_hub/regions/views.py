"""The public pages of the regional offices (``/regionen/``), the finder "which office looks after my school?",
and the installation's scope (one Kreis, one Land or the whole country) for every template."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.markdown import plain_text
from ..core.schoolyear import local_today
from ..events.public import next_events
from ..partners.public import region_partners
from . import public
from .services import region_for_municipality, regions_by_id, site_scope

bp = Blueprint("regions", __name__, url_prefix="/regionen")


@bp.get("/")
def index():
    """Every regional office, grouped by Land, with the area it covers and its member schools."""
    return render_template("regions/index.html", lands=public.offices_by_land())


@bp.get("/finden")
def find():
    """The start page's finder: the office that covers a municipality (unknown: back to the list of offices)."""
    region = region_for_municipality(request.args.get("gemeinde", "")[:80])
    if region is None:
        flash(_("Please choose your municipality from the list."), "error")
        return redirect(url_for("regions.index"))
    return redirect(url_for("regions.detail", slug=region.slug))


@bp.get("/<slug>")
def detail(slug: str):
    """One office: its public contact, introduction, municipalities, member schools, latest reports, next events
    (its own and its Land's) and the cooperation partners serving its schools."""
    region = public.region_by_slug(slug)
    if region is None:
        abort(404)
    return render_template(
        "regions/detail.html",
        region=region,
        schools=public.public_schools(region),
        activities=public.latest_activities(region),
        events=next_events([region]),
        partners=region_partners(region.id, region.land, local_today()),
        jsonld=public.office_jsonld(region),
        description=plain_text(region.introduction, 160),
    )


# --- the installation's scope for every template ---------------------------------------------------------------


def team_signature(region_id: int | None = None) -> str:
    """The closing line of a mail: the team of the school's office area, else of the installation."""
    region = regions_by_id().get(region_id) if region_id is not None else None
    area = region.area if region is not None else site_scope().area
    return _("Your Courage Hub team, %(kreis)s", kreis=area) if area else _("Your Courage Hub team")


@bp.app_context_processor
def _site_context() -> dict:
    return {"site": site_scope(), "team_signature": team_signature}
