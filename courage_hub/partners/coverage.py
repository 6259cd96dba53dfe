"""Where a partner works: nationwide, in whole Länder, or in single regions; and which offers are current.

Both as Python checks and as SQL conditions, so that the offer page and the offer list agree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, exists, or_, select

from .models import Offer, OfferState, Partner, PartnerLand, PartnerRegion


def serves_sql(region_id: int, land: str) -> ColumnElement[bool]:
    """SQL: the partner (``Partner``) serves the schools of region ``region_id`` in Land ``land``."""
    return or_(
        Partner.nationwide.is_(True),
        exists(
            select(PartnerRegion.partner_id).where(
                PartnerRegion.partner_id == Partner.id, PartnerRegion.region_id == region_id
            )
        ),
        exists(select(PartnerLand.partner_id).where(PartnerLand.partner_id == Partner.id, PartnerLand.land == land)),
    )


def serves(partner: Partner, region_id: int, land: str, region_ids: set[int], lands: set[str]) -> bool:
    """Python twin of :func:`serves_sql` (``region_ids`` and ``lands``: the partner's served regions and Länder)."""
    return partner.nationwide or region_id in region_ids or land in lands


def current_sql(today: date) -> ColumnElement[bool]:
    """SQL: the offer (``Offer``) is published, not expired, and its partner (joined) is listed."""
    return (
        (Offer.state == OfferState.PUBLISHED)
        & or_(Offer.available_until.is_(None), Offer.available_until >= today)
        & Partner.archived_at.is_(None)
    )


def keywords_for(partner_name: str, topics: list[str], format_: str, languages: str) -> str:
    """What the full-text index reads of an offer besides its title and description."""
    return " ".join([partner_name, format_, *topics, languages.replace(",", " ")])[:1000]
