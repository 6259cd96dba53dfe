"""From a request carried out to an activity report, and the partner on the published report.

The activities views call these hooks: the new-report form (``/aktivitaeten/neu?anfrage=<id>``) is prefilled from the
request's offer (title, topics, type of activity, partner, grade, group size, the day it was done); once the report is
saved it names the partner and the offer, and the request points to the report. A request id that the person may not
report from (another school's, not carried out, already reported) is ignored: the form is then a plain new report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select, update

from ..activities.models import Activity
from ..activities.vocab import PROJECT_LIKE_TYPES
from ..core.db import write_transaction
from ..core.requests import id_arg
from ..core.schoolyear import local_today
from ..core.vocab import TOPICS
from ..extensions import db
from ..schools.models import School
from .models import Offer, OfferRequest, OfferTopic, Partner
from .policy import can_report_from_request, offer_is_public

# The type of activity an offer's format becomes (vocab.FORMATS → activities.vocab.ACTIVITY_TYPES).
ACTIVITY_TYPE_OF_FORMAT = {
    "Workshop": "Workshop",
    "Ausstellung": "Ausstellung",
    "Theater/Film": "Theater/Kunst/Musik",
    "Gedenkstättenfahrt": "Fahrt/Exkursion",
    "Projekttag": "Projekttag/Projektwoche",
    "Fortbildung für Lehrkräfte": "Fortbildung",
}


def activity_type_for(format_: str) -> str:
    return ACTIVITY_TYPE_OF_FORMAT.get(format_, "Sonstiges")


def origin_for(school: School) -> OfferRequest | None:
    """The request named by ``anfrage`` (query or form), if the signed-in person may report on it for ``school``."""
    request_id = id_arg(request.values.get("anfrage"))
    if request_id is None:
        return None
    found = db.session.get(OfferRequest, request_id)
    if found is None or not can_report_from_request(current_user, found, school):
        return None
    return found


def prefill(form: Any, origin: OfferRequest | None) -> None:
    """Fill the new-report form from the request's offer and partner."""
    if origin is None:
        return
    offer = db.session.get(Offer, origin.offer_id)
    partner = db.session.get(Partner, origin.partner_id)
    topics = set(db.session.scalars(select(OfferTopic.topic).where(OfferTopic.offer_id == offer.id)))
    form.title.data = offer.title[:200]
    form.activity_type.data = activity_type_for(offer.format)
    form.topics.data = [topic for topic in TOPICS if topic in topics]
    form.partners.data = partner.name[:500]
    form.groups.data = origin.grade
    form.participants.data = origin.group_size
    form.start_date.data = local_today(origin.done_at) if origin.done_at else None
    form.counts_as_project.data = form.activity_type.data in PROJECT_LIKE_TYPES


def link(activity: Activity, origin: OfferRequest | None) -> None:
    """The saved report names the request's partner and offer; the request points to the report (the first one)."""
    if origin is None:
        return
    with write_transaction():
        db.session.execute(
            update(Activity)
            .where(Activity.id == activity.id)
            .values(partner_id=origin.partner_id, offer_id=origin.offer_id)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(OfferRequest)
            .where(OfferRequest.id == origin.id, OfferRequest.activity_id.is_(None))
            .values(activity_id=activity.id, version=OfferRequest.version + 1)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class PartnerMention:
    """The partner (and offer) a report was made with, as the report's page names them; ``*_url`` None: no link."""

    name: str
    url: str | None
    offer_title: str
    offer_url: str | None


def partner_of(activity: Activity) -> PartnerMention | None:
    """The report's partner and offer, linked to their public pages while they are listed."""
    if activity.partner_id is None:
        return None
    partner = db.session.get(Partner, activity.partner_id)
    if partner is None:
        return None
    views = current_app.view_functions
    listed = partner.archived_at is None
    url = url_for("offers.partner", partner_id=partner.id) if listed and "offers.partner" in views else None
    offer = db.session.get(Offer, activity.offer_id) if activity.offer_id else None
    offer_url = None
    if offer is not None and offer_is_public(offer, partner) and "offers.detail" in views:
        offer_url = url_for("offers.detail", offer_id=offer.id)
    return PartnerMention(partner.name, url, offer.title if offer else "", offer_url)
