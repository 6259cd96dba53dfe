"""The public pages of cooperation partners and their offers (``/angebote/``): the searchable offer list, an offer,
the partner list, a partner's page and its logo. Every filter lives in the URL, so a list can be shared."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import format_currency
from flask_login import current_user

from ..core.images import upload_dir
from ..core.pagination import page_count, requested_page
from ..core.permissions import permitted_or_404
from ..core.schoolyear import local_today
from ..core.vocab import TOPICS
from ..regions.services import all_regions, region_by_slug, regions_by_id
from ..regions.vocab import land_name
from . import public
from .policy import can_view_offer, can_view_partner, offer_is_public
from .services import LOGO_KIND
from .vocab import AUDIENCES, COSTS, FORMATS, GRADES, PARTNER_KINDS, PLACES

bp = Blueprint("offers", __name__, url_prefix="/angebote")
PER_PAGE = 20
PARTNERS_PER_PAGE = 30


def _region(slug: str):
    """The region named by ``?region=`` (None for an unknown or empty slug)."""
    return region_by_slug(slug[:80]) if slug else None


def _offer_filter() -> public.OfferFilter:
    args = request.args

    def pick(name: str, allowed) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    region = _region(args.get("region", ""))
    grade = pick("stufe", {str(g) for g in GRADES})
    return public.OfferFilter(
        q=args.get("q", "").strip()[:100],
        topic=pick("thema", TOPICS),
        format=pick("format", FORMATS),
        grade=int(grade) if grade else None,
        cost=pick("kosten", COSTS),
        region=region.slug if region else "",
        online=args.get("online") == "1",
        region_id=region.id if region else None,
        land=region.land if region else "",
    )


def _canonical_or_none(endpoint: str, wanted: dict[str, str]):
    """A redirect to the one short URL of the list when the query differs from it (empty fields as the form sends
    them, unknown values, page 1), else None."""
    if request.args.to_dict(flat=False) != {key: [value] for key, value in wanted.items()}:
        return redirect(url_for(endpoint, **wanted))
    return None


@bp.get("/")
def index():
    """Search and filter the current offers of the cooperation partners: workshops, talks, exhibitions, project days
    and trainings for schools."""
    filters = _offer_filter()
    page = requested_page()
    canonical = {**filters.url_args(), **({"seite": str(page)} if page > 1 else {})}
    moved = _canonical_or_none("offers.index", canonical)
    if moved is not None:
        return moved
    offers, total = public.offer_page(filters, page, PER_PAGE, local_today())
    return render_template(
        "partners/index.html",
        offers=offers,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        topics=TOPICS,
        formats=FORMATS,
        grades=GRADES,
        costs=COSTS,
        regions=all_regions(),
        region_name=regions_by_id()[filters.region_id].area if filters.region_id is not None else "",
    )


@bp.get("/<int:offer_id>")
def detail(offer_id: int):
    """An offer with everything a school needs to decide (format, topics, grades, group size, duration, cost,
    where, languages, accessibility) and its partner's contact; a school's coordination asks for it from here."""
    offer = public.get_offer(offer_id)
    if offer is None or not can_view_offer(current_user, offer, offer.partner):
        abort(404)
    partner = offer.partner
    return render_template(
        "partners/detail.html",
        offer=offer,
        partner=partner,
        public=offer_is_public(offer, partner),
        served=_served_area(partner),
    )


@bp.get("/partner/")
def partners():
    """The listed cooperation partners by name, by the region they serve and their kind."""
    region = _region(request.args.get("region", ""))
    kind = request.args.get("art", "")
    filters = public.PartnerFilter(
        region=region.slug if region else "",
        kind=kind if kind in PARTNER_KINDS else "",
        region_id=region.id if region else None,
        land=region.land if region else "",
    )
    page = requested_page()
    moved = _canonical_or_none("offers.partners", {**filters.url_args(), **({"seite": str(page)} if page > 1 else {})})
    if moved is not None:
        return moved
    rows, total = public.partner_page(filters, page, PARTNERS_PER_PAGE)
    return render_template(
        "partners/partners.html",
        partners=rows,
        offer_counts=public.current_offer_counts([p.id for p in rows], local_today()),
        total=total,
        page=page,
        pages=page_count(total, PARTNERS_PER_PAGE),
        filters=filters,
        kinds=PARTNER_KINDS,
        regions=all_regions(),
    )


@bp.get("/partner/<int:partner_id>")
def partner(partner_id: int):
    """A partner's profile and contact, its current offers and the published reports of activities made with it."""
    partner = permitted_or_404(public.get_partner(partner_id), can_view_partner)
    return render_template(
        "partners/partner.html",
        partner=partner,
        offers=public.current_offers(partner, local_today()),
        activities=public.partner_activities(partner),
        served=_served_area(partner),
    )


@bp.get("/partner/<int:partner_id>/logo")
def logo(partner_id: int):
    """The partner's logo (a re-encoded PNG); an archived partner's only for those who keep its entry."""
    partner = permitted_or_404(public.get_partner(partner_id), can_view_partner)
    name = partner.logo_filename
    if not name or not name.replace(".", "").isalnum():
        abort(404)
    path = upload_dir(LOGO_KIND) / name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=3600)
    response.headers["Content-Disposition"] = "inline"
    if not partner.is_public:  # shown to its region's staff and its accounts only: no shared cache may keep it
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def _offer_vocabularies() -> dict:
    """The labels of an offer's audience, places and costs, for the offer cards wherever they appear."""
    return {"offer_audiences": AUDIENCES, "offer_places": PLACES, "offer_costs": COSTS}


@bp.app_template_filter("euros")
def _euros(cents: int) -> str:
    """An amount in cents as the reader's locale writes euros ("120,00 €")."""
    return format_currency(cents / 100, "EUR")


def _served_area(partner) -> list[str]:
    """Where the partner works, in words: nationwide, its Länder, its regions (by name)."""
    if partner.nationwide:
        return []
    regions = regions_by_id()
    return [land_name(row.land) for row in partner.served_lands] + sorted(
        regions[row.region_id].area for row in partner.served_regions if row.region_id in regions
    )
