"""The public event pages (upcoming events, archive, one event), the calendars (.ics of one event, the public feed,
a coordinator's private subscription) and the page where a coordinator makes or deletes that subscription."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access.policy import is_coordinator
from ..core.forms import FlaskForm
from ..core.links import external_url
from ..core.pagination import page_count, requested_page
from ..core.permissions import require
from ..regions.services import site_scope
from . import public, subscriptions
from .calendar import ics
from .models import AUDIENCE_LABELS, KIND_LABELS, Event, EventState, RegistrationStatus
from .policy import can_manage_event, can_view_event, is_past, is_public, registration_open

bp = Blueprint("events", __name__)
PER_PAGE = 20
PUBLIC_CACHE = "public, max-age=300"
NEW_URL_KEY = "events.new_calendar_url"


def _event_or_404(event_id: int) -> Event:
    """A public event, or a draft for the staff who manage it; anything else is not found."""
    event = public.get_event(event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return event


def _list_page(template: str, upcoming: bool):
    filters = public.EventFilter.from_args(request.args)
    page = requested_page()
    listing = public.upcoming_page if upcoming else public.archive_page
    events, total = listing(filters, page, PER_PAGE)
    months = public.month_choices(upcoming)
    if filters.month and filters.month.strftime("%Y-%m") not in dict(months):
        months.append((filters.month.strftime("%Y-%m"), filters.month.strftime("%m/%Y")))
    return render_template(
        template,
        events=events,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        place=filters.place,
        kinds=[(kind.value, str(label)) for kind, label in KIND_LABELS.items()],
        audiences=[(audience.value, str(label)) for audience, label in AUDIENCE_LABELS.items()],
        months=months,
        seats=public.seats_taken([event.id for event in events if event.capacity is not None]) if upcoming else {},
        upcoming=upcoming,
    )


@bp.get("/veranstaltungen/")
def index():
    """Upcoming events of the network (meetings, trainings, workshops, action days), soonest first, filtered by
    office, Land, kind, audience and month; every filter is in the URL."""
    return _list_page("events/index.html", upcoming=True)


@bp.get("/veranstaltungen/archiv")
def archive():
    """Events that are over, newest first, with the same filters."""
    return _list_page("events/archive.html", upcoming=False)


@bp.get("/veranstaltungen/<int:event_id>")
def detail(event_id: int):
    """One event: when and where, what it is about, for whom, seats left, deadline and contact; registered schools
    also see the online link, and coordinators whose school may take part find the way to register."""
    event = _event_or_404(event_id)
    coordinator = public.coordinator_view(current_user, event)
    return render_template(
        "events/detail.html",
        event=event,
        when=public.when(event),
        organiser=public.organiser(event),
        region=public.region_of(event),
        map_url=public.map_url(event),
        address_lines=[line.strip() for line in event.address.splitlines() if line.strip()],
        seats=public.seats(event),
        past=is_past(event),
        open_for_registration=registration_open(event),
        coordinator=coordinator,
        online_link=event.online_url if public.shows_online_link(current_user, event, coordinator) else None,
        register_url=url_for("event_registration.register", event_id=event.id),
        manages=can_manage_event(current_user, event),
        jsonld=public.jsonld(event) if is_public(event) else None,
        description=public.description(event),
        cancelled=event.state == EventState.CANCELLED,
        draft=event.state == EventState.DRAFT,
        statuses=RegistrationStatus,
    )


def _calendar(body: bytes, cache: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/veranstaltungen/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event as a calendar file to add it to one's own calendar."""
    event = _event_or_404(event_id)
    return _calendar(ics([event], name=event.title), PUBLIC_CACHE if is_public(event) else "private, no-store")


@bp.get("/veranstaltungen/feed.ics")
def feed():
    """The public calendar to subscribe to: upcoming (and recently past) events, with the list's filters."""
    filters = public.EventFilter.from_args(request.args)
    name = _("Events – %(site)s", site=site_scope().title)
    return _calendar(ics(public.feed_events(filters), name=name), PUBLIC_CACHE)


@bp.get("/kalender/<token>.ics")
def private_feed(token: str):
    """A coordinator's private calendar: the events their schools are registered for, with the online links.
    An unknown or revoked token is not found."""
    user = subscriptions.user_for_token(token)
    if user is None:
        abort(404)
    body = ics(subscriptions.registered_events(user), with_online_link=True, name=_("My school's events"))
    response = _calendar(body, "private, no-store")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/konto/kalender", methods=["GET", "POST"])
@require(is_coordinator)
def subscription():
    """The private calendar URL: make one (a new one replaces the old), see when it was made, or delete it.

    The URL holds a secret that is stored only as a hash, so it is shown once: the page after making it takes it
    from the session (this account's own cookie) and forgets it there."""
    user = current_user._get_current_object()
    form = FlaskForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        if action == "create":
            session[NEW_URL_KEY] = external_url("events.private_feed", token=subscriptions.issue_token(user))
            flash(_("Your new calendar subscription URL is ready."), "success")
            return redirect(url_for("events.subscription"))
        if action == "delete":
            if subscriptions.revoke_token(user):
                flash(
                    _("Your calendar subscription URL has been deleted. Calendars using it get nothing more."),
                    "success",
                )
            return redirect(url_for("events.subscription"))
    new_url = session.pop(NEW_URL_KEY, None)
    response = Response(
        render_template("events/subscription.html", form=form, token=subscriptions.token_of(user), new_url=new_url)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- what event cards on other pages (start page, office page) need ------------------------------------------------


@bp.app_template_global("event_iso")
def event_iso(event: Event) -> str:
    """The start as a valid HTML ``datetime``: the date for all-day events, else the Berlin time to the minute."""
    return public.local(event.starts_at).date().isoformat() if event.all_day else public.iso(event.starts_at)


bp.add_app_template_global(public.iso, "event_iso_moment")
bp.add_app_template_global(public.short_when, "event_short_when")
bp.add_app_template_global(public.organiser, "event_organiser")
