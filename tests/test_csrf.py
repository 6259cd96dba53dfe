"""CSRF on every state-changing route: a request without the session's token is refused and changes nothing.

How the routes are found: every rule of ``app.url_map`` that accepts POST, PUT, PATCH or DELETE is a state-changing
route; none is listed by hand, so a new form is covered as soon as it exists. Each is requested as a role that may
use it (the permission matrix's answer, see ``role_for`` in the hostile-input suite), with the URL values of the
permission matrix (objects of school A and coordinator A). Routes that end their session or account, need a
half-finished sign-in, or whose success would take an object away from the routes after them get a client, an
account or an object of their own (``ROUTE_SETUP``). The form fields come from the route's own GET page where
it has one, else from the page that shows the form (found by its ``action``), and carry valid values (the hostile-input
suite's baseline plus ``FIELDS``), so that the request would succeed with a good token. Routes with a link token in
the URL get a freshly minted one; the sign-in steps after the password are sent by a client halfway through signing in.
The guards below also check that no view, blueprint or form is exempt from the check.

Each request goes three ways, each of which must answer 400 with the German "send the form again" page and change
nothing (every table's rows, every file under the instance folder — uploads and the mail outbox — and who the session
is signed in as): without a token, with another session's valid token, and with a garbage token. The positive
control then sends the very same request with the session's token and must change something, so the token is the
only difference between a refused request and one that works.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from courage_hub.extensions import csrf
from courage_hub.extensions import db as _db

from . import factories
from .conftest import PASSWORD, csrf_token, login, totp_code
from .test_hostile_inputs import (
    BASELINE,
    FormParser,
    app_form_classes,
    baseline,
    find_form,
    fresh_token,
    role_for,
)
from .test_hostile_inputs import clients as clients  # the fixture
from .test_permissions import expected, sample_values
from .test_permissions import samples as samples  # the fixture

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_PAGE = "Bitte senden Sie das Formular erneut"
GARBAGE_TOKEN = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.Zz9xyA.ungueltig"


def state_changing_rules(app):
    """(method, rule) for every rule that accepts a state-changing method, in a stable order."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods & STATE_CHANGING):
            found.append((method, rule))
    return found


# --- what "nothing changed" means ---------------------------------------------------------------------------------


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of all its rows (ordered by primary key)."""
    out = {}
    for table in _db.metadata.sorted_tables:
        rows = _db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        out[table.name] = (len(rows), digest)
    _db.session.commit()
    return out


def file_fingerprints(app) -> dict[str, str]:
    """Every file under the instance folder (uploads, previews, the mail outbox) with a checksum of its content."""
    root = Path(app.instance_path)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def signed_in_as(client: FlaskClient) -> tuple[object, object]:
    """Who the session is signed in as, and whose password step is waiting for its second factor."""
    with client.session_transaction() as session:
        pending = session.get("pending_login")
        return session.get("_user_id"), pending.get("uid") if isinstance(pending, dict) else None


@dataclass
class World:
    tables: dict[str, tuple[int, str]]
    files: dict[str, str]
    session: tuple[object, object]

    @classmethod
    def of(cls, app, client: FlaskClient) -> World:
        return cls(table_fingerprints(), file_fingerprints(app), signed_in_as(client))

    def changes_since(self, before: World) -> list[str]:
        changed = [f"table {name}" for name in self.tables if self.tables[name] != before.tables.get(name)]
        files = set(self.files) ^ set(before.files) | {p for p in self.files if self.files[p] != before.files.get(p)}
        changed += [f"file {p}" for p in sorted(files)]
        if self.session != before.session:
            changed.append(f"session {before.session} → {self.session}")
        return changed


# --- building a request that would succeed ----------------------------------------------------------------------


@dataclass
class Prepared:
    role: str
    client: FlaskClient
    path: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    token_field: str = "csrf_token"


def is_token_field(name: str) -> bool:
    """Flask-WTF reads the token from any field whose name ends in ``csrf_token`` (forms with a prefix)."""
    return name.endswith("csrf_token")


def encode(route: Prepared, token: str | None) -> bytes:
    """The route's form body with ``token`` in the form's own token field, or with no token field at all."""
    pairs = [(n, v) for n, v in route.pairs if not is_token_field(n)]
    if token is not None:
        pairs.insert(0, (route.token_field, token))
    return "&".join(f"{quote(n)}={quote(v, safe='')}" for n, v in pairs).encode("ascii")


def forms_on_pages(client: FlaskClient, role: str, app, values: dict) -> dict[str, dict]:
    """The POST forms of every HTML page ``role`` may open, by the endpoint they send to."""
    adapter = app.url_map.bind("localhost")
    forms: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or "." in rule.rule or rule.endpoint == "static":
            continue
        if expected("GET", rule.rule, role) != 200:
            continue
        page = client.get(rule.build({k: values[k] for k in rule.arguments})[1])
        if page.mimetype != "text/html":
            continue
        parser = FormParser()
        parser.feed(page.get_data(as_text=True))
        for form in parser.forms:
            if form["method"] != "post" or not form["action"]:
                continue
            try:
                endpoint, _ = adapter.match(urlsplit(form["action"]).path, method="POST")
            except HTTPException:
                continue
            forms.setdefault(endpoint, form)
    return forms


def test_state_changing_routes_are_found_in_the_url_map(app):
    found = {(method, rule.rule) for method, rule in state_changing_rules(app)}
    assert ("POST", "/schulen/<slug>/abstimmung") in found
    assert ("POST", "/passwort/neu/<token>") in found
    assert len(found) >= 45, sorted(found)


def test_no_view_or_blueprint_is_exempt_from_csrf(app):
    """Flask-WTF checks every POST, PUT, PATCH and DELETE before the view runs; nothing is left out."""
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is True
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(app.config["WTF_CSRF_METHODS"])
    assert app.extensions["csrf"] is csrf
    assert not csrf._exempt_views, sorted(csrf._exempt_views)
    assert not csrf._exempt_blueprints, sorted(csrf._exempt_blueprints)


# --- the routes whose success would change the world for the others get objects and clients of their own --------


@dataclass
class Context:
    app: object
    users: dict
    samples: dict
    clients: dict

    def own_client(self, **user_fields) -> tuple[FlaskClient, object]:
        """A new account (a coordinator unless said otherwise), signed in on a client of its own."""
        user = factories.UserFactory(**user_fields)
        client = self.app.test_client()
        login(client, user)
        return client, user

    def halfway_signed_in(self, user) -> FlaskClient:
        """A client whose password step for ``user`` is done and whose second factor is still missing."""
        client = self.app.test_client()
        token = csrf_token(client, "/anmelden")
        response = client.post("/anmelden", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client

    def material(self, state, **fields):
        return factories.MaterialFactory(
            school=self.users["school_a"], author_id=self.users["coord_a"].id, state=state, **fields
        )


def _logout(ctx: Context) -> dict:
    return {"client": ctx.own_client()[0], "role": "coordinator of its own"}


def _login(ctx: Context) -> dict:
    user = ctx.users["coord_b"]
    return {"client": ctx.app.test_client(), "role": "anonymous", "fields": {"email": user.email, "password": PASSWORD}}


def _second_factor(ctx: Context) -> dict:
    user = ctx.users["ki"]
    return {"client": ctx.halfway_signed_in(user), "role": "halfway", "fields": {"code": lambda: totp_code(user)}}


def _second_factor_enrolment(ctx: Context) -> dict:
    user = factories.UserFactory(role=factories.Role.KI_STAFF, totp_secret=None, totp_confirmed_at=None)
    # The code is read once the GET of the page has created the secret.
    return {"client": ctx.halfway_signed_in(user), "role": "halfway", "fields": {"code": lambda: totp_code(user)}}


def _own_account(with_code: bool = False, **user_fields):
    def setup(ctx: Context) -> dict:
        client, user = ctx.own_client(**user_fields)
        # A code is read once the GET of the form's page has created the secret where there was none.
        fields = {"code": lambda: totp_code(user)} if with_code else {}
        return {"client": client, "role": "coordinator of its own", "fields": fields}

    return setup


def _values(**make):
    def setup(ctx: Context) -> dict:
        return {"values": {name: factory(ctx) for name, factory in make.items()}}

    return setup


def _new_pending_school(ctx: Context) -> int:
    school = factories.SchoolFactory(approval=factories.Approval.PENDING, status=factories.SchoolStatus.INTERESSE)
    return school.id


def _new_coordinator_of_school_a(ctx: Context) -> int:
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, school=ctx.users["school_a"])
    return user.id


def _new_invitation_of_school_a(ctx: Context) -> int:
    from datetime import timedelta

    from courage_hub.core.db import utcnow
    from courage_hub.schools.models import SchoolInvitation

    invitation = SchoolInvitation(
        school_id=ctx.users["school_a"].id,
        email="noch.offen@schule.example",
        token_hash=hashlib.sha256(str(id(ctx)).encode() + str(utcnow()).encode()).hexdigest(),
        invited_by_id=ctx.users["coord_a"].id,
        expires_at=utcnow() + timedelta(days=7),
    )
    _db.session.add(invitation)
    _db.session.commit()
    return invitation.id


def _material_in(state):
    def make(ctx: Context) -> int:
        from courage_hub.materials.models import MaterialState

        return ctx.material(MaterialState(state)).id

    return make


def _published_activity(ctx: Context) -> int:
    return factories.ActivityFactory(school=ctx.users["school_a"]).id


def _new_school_slug(ctx: Context) -> str:
    return factories.SchoolFactory(status=factories.SchoolStatus.VORBEREITUNG).slug


def _new_draft(ctx: Context) -> int:
    from courage_hub.activities.models import ActivityState

    return factories.ActivityFactory(school=ctx.users["school_a"], state=ActivityState.DRAFT, published_at=None).id


def _new_event(state: str = "published", registered: bool = False):
    """A fresh event of Kreis Soest (optionally with school A's registration) for a route that changes it."""

    def make(ctx: Context) -> int:
        from courage_hub.events.models import EventState

        event = factories.EventFactory(state=EventState(state))
        if registered:
            factories.EventRegistrationFactory(event=event, school=ctx.users["school_a"])
        return event.id

    return make


def _reminder(ctx: Context) -> dict:
    school = str(ctx.users["school_a"].id)
    return {"fields": {"schule": school, "preview_school": school, "action": "send"}}


def _second_factor_off(ctx: Context) -> dict:
    return {**_own_account(with_code=True, totp_secret=factories.TOTP_SECRET)(ctx), "page": "/konto"}


def _report_problem(ctx: Context) -> dict:
    from courage_hub.materials.models import MaterialState

    return {
        "client": ctx.clients["anonymous"],
        "role": "anonymous",
        "values": {"material_id": ctx.material(MaterialState.PUBLISHED).id},
    }


def _accept_invitation(ctx: Context) -> dict:
    """Accepting signs the new coordinator in: a client of its own, so the public client stays signed out."""
    return {"client": ctx.app.test_client(), "role": "anonymous"}


def _staff_account_without_region(ctx: Context) -> dict:
    user = factories.UserFactory(role=factories.Role.KI_STAFF, regions=[])
    return {"fields": {"add-user_id": str(user.id)}}  # the form shows once there is someone to add


def _staff_of_soest(ctx: Context) -> int:
    return factories.UserFactory(role=factories.Role.KI_STAFF).id


def _unhide(ctx: Context) -> dict:
    return {"role": "ki", "values": {"material_id": _material_in("hidden")(ctx)}}


def _school_to_hand_over(ctx: Context) -> dict:
    """A Soest school and a second office (Kreis Unna) to hand it over to."""
    from sqlalchemy import select

    from courage_hub.extensions import db
    from courage_hub.regions.models import Region

    if db.session.scalar(select(Region.id).where(Region.slug == "kreis-unna")) is None:
        factories.RegionFactory(area="Kreis Unna", slug="kreis-unna", municipalities=["Unna"])
    school = factories.SchoolFactory()
    return {
        "role": "ki",
        "values": {"school_id": school.id},
        "fields": {"region": "kreis-unna", "municipality": "Unna", "reason": "Neue Zuständigkeit"},
    }


def _attendance(ctx: Context) -> dict:
    """A Soest event that began yesterday, with school A registered: its attendance form is on the list's page."""
    from datetime import timedelta

    from .test_events_staff import make_event, register

    event = make_event(starts_in=timedelta(days=-1))
    register(event, ctx.users["school_a"])
    return {
        "role": "ki",
        "values": {"event_id": event.id},
        "page": f"/koordination/veranstaltungen/{event.id}/teilnehmende",
        "fields": {"attended": "1"},
    }


def _partner_area(ctx: Context) -> dict:
    """The sample partner's own account, signed in on a client of its own."""
    client = ctx.app.test_client()
    login(client, ctx.users["partner"])
    return {"client": client, "role": "partner"}


def _new_partner(archived: bool = False, proposal: bool = False):
    """A fresh partner of Kreis Soest (archived, or with proposed changes) for a route that changes it."""

    def make(ctx: Context) -> int:
        from courage_hub.core.db import utcnow

        partner = factories.PartnerFactory(archived_at=utcnow() if archived else None)
        if proposal:
            partner.proposal, partner.proposed_at = {"summary": "Vorgeschlagen"}, utcnow()
            _db.session.commit()
        return partner.id

    return make


def _new_offer(state: str = "published", proposal: bool = False):
    def make(ctx: Context) -> int:
        from courage_hub.core.db import utcnow

        offer = factories.OfferFactory(partner=ctx.samples["partner"], state=factories.OfferState(state))
        if proposal:
            offer.proposal, offer.proposed_at = {"title": "Vorgeschlagen"}, utcnow()
            _db.session.commit()
        return offer.id

    return make


def _new_partner_account(ctx: Context) -> int:
    return factories.partner_account(ctx.samples["partner"]).id


# Routes that end their session or account, need a half-finished sign-in, or whose success would take an object away
# from the routes after them: a client, an account or an object of their own, made just before their requests.
ROUTE_SETUP = {
    "auth.logout": _logout,
    "auth.login": _login,
    "auth.second_factor": _second_factor,
    "auth.second_factor_enrolment": _second_factor_enrolment,
    "auth.account": _own_account(),
    "auth.delete_account": _own_account(),
    "auth.second_factor_setup": _own_account(with_code=True),
    "auth.second_factor_off": _second_factor_off,
    "activities.publish": _values(activity_id=_new_draft),
    "coordination.reminder": _reminder,
    "schools.change_status": _values(slug=_new_school_slug),
    "activities.unpublish": _values(activity_id=_published_activity),
    "coordination.approve": _values(school_id=_new_pending_school),
    "material_review.review": _values(material_id=_material_in("review")),
    "material_review.hide": _values(material_id=_material_in("published")),
    "material_review.unhide": _unhide,
    "materials.resubmit": _values(material_id=_material_in("withdrawn")),
    "materials.withdraw": _values(material_id=_material_in("review")),
    "materials.report_problem": _report_problem,
    "schools.remove_coordinator": _values(user_id=_new_coordinator_of_school_a),
    "schools.accept_invitation": _accept_invitation,
    "schools.resend_invitation": _values(invitation_id=_new_invitation_of_school_a),
    "schools.withdraw_invitation": _values(invitation_id=_new_invitation_of_school_a),
    "region_admin.add_staff": _staff_account_without_region,
    "region_admin.remove_staff": _values(user_id=_staff_of_soest),
    "coordination.move_school": _school_to_hand_over,
    "event_participants.attendance": _attendance,
    "event_staff.edit": _values(event_id=_new_event()),
    "event_staff.publish": _values(event_id=_new_event("draft")),
    "event_staff.cancel": _values(event_id=_new_event()),
    "event_registration.unregister": _values(event_id=_new_event(registered=True)),
    "partner_staff.archive": _values(partner_id=_new_partner()),
    "partner_staff.reactivate": _values(partner_id=_new_partner(archived=True)),
    "partner_staff.archive_offer": _values(offer_id=_new_offer()),
    "partner_staff.remove_account": _values(user_id=_new_partner_account),
    "partner_staff.review_partner": _values(partner_id=_new_partner(proposal=True)),  # the page carries its stamp
    "partner_staff.review_offer": _values(offer_id=_new_offer("review")),
    "partner_area.profile": _partner_area,
    "partner_area.new_offer": _partner_area,
    "partner_area.edit_offer": _partner_area,
}
EVENT_FIELDS = {
    "start_date": "2031-05-05",
    "start_time": "14:00",
    "end_time": "17:00",
    "end_date": "",
    "place_name": "Kreishaus Soest",
    "online_url": "",
    "capacity": "40",
    "max_seats_per_school": "",
    "deadline_date": "",
    "contact_email": "",
}
# Values for fields whose baseline would not be accepted; a name also matches a prefixed field ("off-password").
FIELDS = {
    "auth.account": {"current_password": PASSWORD, "password": "ein neues Testpasswort 43"},
    "auth.delete_account": {"password": PASSWORD, "confirm": "y"},
    "auth.new_recovery_codes": {"password": PASSWORD},
    "coordination.region_settings": {"contact_phone": "02921 30-0"},
    "event_participants.message": {"subject": "Raumänderung", "text": "Wir treffen uns in Raum 2.14."},
    "auth.second_factor_off": {"password": PASSWORD},
    "admin.create_account": {
        "name": "Neue Kollegin",
        "email": "neue.kollegin@kreis-soest.example",
        "role": "ki_staff",
        "regions": lambda: str(factories.default_region().id),
    },
    "activities.unpublish": {"reason": "Ein sachlicher Grund"},
    "material_review.hide": {"reason": "Ein sachlicher Grund"},
    "material_review.review": {"decision": "reject"},  # approving needs every point of the checklist ticked
    "materials.report_problem": {"reason": "other"},
    "materials.share": {"source": "link"},
    "schools.change_status": {"status": "abstimmung_erfolgreich", "note": "Die Abstimmung liegt vor."},
    "schools.contact_coordination": {"message": "Wer kann uns beim Aktionstag beraten?"},
    "region_admin.create": {"name": "KI Kreis Unna", "area": "Kreis Unna", "land": "NW"},
    "region_admin.edit": {"introduction": "Das KI berät Schulen im Kreis."},
    "region_admin.invite_staff": {"name": "Neuer Kollege", "email": "neuer.kollege@kreis-soest.example"},
    "events.subscription": {"action": "create"},  # without an action the page is only shown again
    "event_staff.create": EVENT_FIELDS,
    "event_staff.edit": {**EVENT_FIELDS, "title": "Regionaltreffen mit neuem Titel"},
    "event_staff.cancel": {"reason": "Der Saal ist nicht frei."},
    "event_registration.register": {"pupils": "5", "adults": "1", "adult_names": "", "note": ""},
    "partner_staff.invite": {"name": "Neue Kontaktperson", "email": "kontakt@partner.example"},
    "partner_staff.new_offer": {"places": "school"},
    "partner_area.new_offer": {"places": "school"},
}


# Requests for offers: a fresh offer to ask for (school A has an open request for the sample one), and a request of
# its own in the state each action needs, its form read from the request's page.
def _fresh_offer(ctx: Context) -> int:
    return factories.OfferFactory(partner=ctx.users["partner_soest"]).id


def _offer_request(status: str, role: str):
    def setup(ctx: Context) -> dict:
        from courage_hub.partners.models import RequestStatus

        offer = factories.OfferFactory(partner=ctx.users["partner_soest"])
        found = factories.OfferRequestFactory(offer=offer, school=ctx.users["school_a"], status=RequestStatus(status))
        return {"role": role, "values": {"request_id": found.id}, "page": f"/anfragen/{found.id}"}

    return setup


ROUTE_SETUP["offer_requests.new"] = _values(offer_id=_fresh_offer)
ROUTE_SETUP["offer_requests.answer"] = _offer_request("requested", "ki")
ROUTE_SETUP["offer_requests.mark_done"] = _offer_request("accepted", "ki")
ROUTE_SETUP["offer_requests.withdraw"] = _offer_request("requested", "coord_a")
FIELDS["offer_requests.new"] = {"preferred_dates": "Im Mai, vormittags"}
FIELDS["offer_requests.answer"] = {"decision": "accept"}


def with_fields(pairs: list[tuple[str, str]], fields: dict) -> list[tuple[str, str]]:
    """``pairs`` with the given fields set (added where the form had none); callables are read now."""
    values = {name: value() if callable(value) else value for name, value in fields.items()}

    def override(name: str) -> str | None:
        for key, value in values.items():
            if (
                name == key
                or name.endswith("-" + key)
                or name == key + "_confirm"
                or name.endswith("-" + key + "_confirm")
            ):
                return value
        return None

    # A text area's content starts with the line break after its tag; an empty one gets the baseline's value.
    pairs = [(n, v if v.strip() else BASELINE.get(n, v)) for n, v in pairs]
    out = [(n, override(n) if override(n) is not None else v) for n, v in pairs]
    names = {n for n, _ in pairs}
    out += [(k, v) for k, v in values.items() if not any(n == k or n.endswith("-" + k) for n in names)]
    return out


def prepare(ctx: Context, rule, base_values: dict, page_forms: dict) -> Prepared:
    """Client, path and valid form fields for one route, as a role that may use it."""
    setup = ROUTE_SETUP.get(rule.endpoint, lambda ctx: {})(ctx)
    role = setup.get("role") or role_for(rule.rule)
    assert role is not None, f"{rule.rule}: no role may use it; give it a ROUTE_SETUP"
    client = setup.get("client") or ctx.clients[role]
    args = {**base_values, **setup.get("values", {})}
    token = fresh_token(rule.endpoint, ctx.users)
    if token is not None:
        args["token"] = token
    path = rule.build({k: args[k] for k in rule.arguments})[1]
    if "page" in setup:
        parser = FormParser()
        parser.feed(client.get(setup["page"]).get_data(as_text=True))
        form = next(f for f in parser.forms if urlsplit(f["action"]).path == path)
    elif "GET" in rule.methods:
        form = find_form(client.get(path).get_data(as_text=True), path)
    else:
        if role not in page_forms:
            page_forms[role] = forms_on_pages(client, role, ctx.app, base_values)
        form = page_forms[role].get(rule.endpoint)
    pairs = baseline(form) if form else []
    fields = {**FIELDS.get(rule.endpoint, {}), **setup.get("fields", {})}
    token_field = next((n for n, _ in pairs if is_token_field(n)), "csrf_token")
    return Prepared(role, client, path, with_fields(pairs, fields), token_field)


def send(route: Prepared, method: str, body: bytes):
    return route.client.open(route.path, method=method, data=body, content_type="application/x-www-form-urlencoded")


def test_every_state_changing_route_refuses_a_request_without_the_sessions_token(app, users, samples, clients):
    ctx = Context(app, users, samples, clients)
    base_values = sample_values(users, samples, file="removable_file")
    other_token = csrf_token(app.test_client())  # valid, but for another session
    page_forms: dict[str, dict] = {}
    failures, idle, checked = [], [], 0
    effects: dict[str, list[str]] = {}
    for method, rule in state_changing_rules(app):
        route = prepare(ctx, rule, base_values, page_forms)
        own_token = csrf_token(route.client)
        where = f"{route.role} {method} {route.path}"
        before = World.of(app, route.client)
        for label, body in (
            ("without a token", encode(route, None)),
            ("with another session's token", encode(route, other_token)),
            ("with a garbage token", encode(route, GARBAGE_TOKEN)),
        ):
            response = send(route, method, body)
            page = response.get_data(as_text=True)
            checked += 1
            if response.status_code != 400 or CSRF_PAGE not in page or '<html lang="de"' not in page:
                failures.append(f"{where} {label}: {response.status_code} instead of the German 400 page")
            changes = World.of(app, route.client).changes_since(before)
            if changes:
                failures.append(f"{where} {label}: changed {changes}")
                before = World.of(app, route.client)
        # The positive control: the same request with the session's own token does change something.
        response = send(route, method, encode(route, own_token))
        effects[rule.endpoint] = World.of(app, route.client).changes_since(before)
        if not effects[rule.endpoint]:
            idle.append(f"{where}: {response.status_code} {response.headers.get('Location')} {route.pairs}")
    assert checked >= 3 * 45, checked
    assert not failures, "\n".join(failures)
    assert not idle, "with a valid token these changed nothing:\n" + "\n".join(idle)
    # What a few of them changed, so that "something" is the effect the form is for.
    assert "table ballots" in effects["schools.ballot"]
    assert "table schools" in effects["schools.register"]
    assert any(e.startswith("file outbox/") for e in effects["schools.register"]), effects["schools.register"]
    assert any(e.startswith("file uploads/") for e in effects["activities.remove_file"])
    assert any(e.startswith("session") for e in effects["auth.login"] + effects["auth.second_factor"])
    assert any(e.startswith("session") for e in effects["auth.logout"])


def test_no_form_switches_its_own_csrf_check_off(app):
    """A form with ``Meta.csrf = False`` would accept any request once its view were exempt; none has one."""
    forms = app_form_classes()
    assert len(forms) >= 25
    off = [f"{c.__module__}.{c.__name__}" for c in forms if getattr(c.Meta, "csrf", True) is False]
    assert not off
