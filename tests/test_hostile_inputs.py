"""Hostile input against every form: never a 500, a German answer, and nothing changes unless the input was saved.

The forms are found, not listed: every URL rule that accepts POST is sent hostile values, as the role that may use it
(taken from the permission matrix). Where the rule also answers GET, the form on that page gives the field names,
their types and a valid baseline (an edit page shows the stored values; create forms get a baseline below), and
one kind of hostile value replaces the fields of a matching type at a time. Rules with link tokens get fresh valid
tokens. A new form is therefore covered as soon as it exists.

Kinds: very long strings, control characters, SQL and HTML injection, invalid UTF-8 (a lone surrogate, stray
bytes), negative and huge numbers (also in hidden version fields), dates in year 0 and 9999, foreign values in
choice fields.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from sqlalchemy import func, select, text

from courage_hub.extensions import db as _db

from . import factories
from .conftest import csrf_token, login
from .test_permissions import ALL, LOGIN, MATRIX, sample_values
from .test_permissions import samples as samples  # the fixture

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
TEXT_PAYLOADS = {
    "long": "Ä" * 30_000 + XSS,
    "control": "Anfang\x00\x01\x07\x08\x0b\x1b[2J\u202e\ufeff\u200b\r\n\tEnde",
    "sql": "x'); DROP TABLE users; -- \" OR 1=1 /*",
    "html": XSS + "<iframe src=javascript:alert(1)>",
}
# Percent-encoded bytes that are not UTF-8: a lone surrogate (CESU-8) and stray continuation bytes.
INVALID_UTF8 = b"\xed\xa0\x80 \xff\xfe \xc3("
NUMBER_PAYLOADS = ("-1", "-99999999999999999999", "99999999999999999999999999", "1e309", "NaN", "0x10")
DATE_PAYLOADS = ("0000-01-01", "9999-12-31", "0001-01-01", "2025-02-30", "-001-01-01", "99999-01-01")
CHOICE_PAYLOADS = ("<script>", "999999999")
FREE_TEXT_TYPES = {"text", "search", "textarea", "", "file"}
TEXT_TYPES = FREE_TEXT_TYPES | {"email", "url", "tel", "password"}
# Tables that may change without a save: failed sign-ins are counted on purpose.
IGNORED_TABLES = {"throttle_events"}
ROLE_PREFERENCE = ("ki", "coord_a", "admin", "anonymous")
SKIP_ENDPOINTS = {"auth.logout"}  # no input; it ends the session the suite works in
# Valid values for fields of create forms (edit forms show their stored values).
BASELINE = {
    "title": "Projekttag gegen Rassismus",
    "start_date": "2025-10-01",
    "activity_type": "Workshop",
    "topics": "Rassismus",
    "name": "Gesamtschule Testhausen",
    "schulnummer": "123457",
    "school_type": "Gesamtschule",
    "municipality": "Soest",
    "person_name": "Erika Muster",
    "person_email": "erika@schule.example",
    "email": "neu@schule.example",
    "password": "ein langes Testpasswort 42",
    "password_confirm": "ein langes Testpasswort 42",
    "held_on": "2025-09-15",
    "eligible": "500",
    "yes": "400",
    "no": "50",
    "invalid": "10",
    "application_date": "2025-10-01",
    "organisation": "Stadtwerke",
    "attribution": "Kollegium",
    "licence": "CC BY 4.0",
    "material_type": "Arbeitsblatt",
    "link_url": "https://example.org/material",
    "source": "link",
    "description": "Ein Arbeitsblatt zum Thema Zivilcourage.",
    "levels": "Sekundarstufe I",
    "reason": "Ein sachlicher Grund",
    "text": "Eine Notiz",
    "subject": "Erinnerung",
    "body": "Hallo {schule}",
}


class FormParser(HTMLParser):
    """The forms of a page: action and fields (name, type, value, options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if kind == "submit":
                    self._form.setdefault("submit", (a["name"], a.get("value") or ""))
                return
            checked = "checked" in a
            if kind in ("checkbox", "radio") and not checked:
                self._form["fields"].append({"name": a["name"], "type": kind, "value": None, "option": a.get("value")})
                return
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value") or "y"})
            if kind not in ("checkbox", "radio"):
                self._form["fields"][-1]["value"] = a.get("value") or ""
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            self._form.setdefault("submit", (a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "type": "select", "value": None, "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["value"] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def find_form(html: str, path: str) -> dict | None:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and urlsplit(form["action"]).path in ("", path):
            return form
    return None


def baseline(form: dict) -> list[tuple[str, str]]:
    """(name, value) pairs of a valid-looking submission: the page's values, else BASELINE, else the first option."""
    pairs = []
    for field in form["fields"]:
        name, value = field["name"], field["value"]
        if field["type"] in ("checkbox", "radio"):
            if value is None and field["type"] == "radio" and not any(n == name for n, _ in pairs):
                option = field.get("option")
                if BASELINE.get(name) == option or name not in BASELINE:
                    pairs.append((name, option or ""))
                continue
            if value is not None:
                pairs.append((name, value))
            elif field["type"] == "checkbox" and BASELINE.get(name) == field.get("option"):
                pairs.append((name, field["option"]))
            continue
        if field["type"] == "select" and value in (None, ""):
            options = [o for o in field["options"] if o]
            value = BASELINE.get(name) if BASELINE.get(name) in options else (options[0] if options else "")
        if not value and name in BASELINE and field["type"] not in ("hidden",):
            value = BASELINE[name]
        pairs.append((name, value or ""))
    if "submit" in form:
        pairs.append(form["submit"])
    return pairs


def variants(form: dict | None) -> list[tuple[str, list[tuple[str, str | bytes]]]]:
    """(label, fields) submissions, each with one kind of hostile value in the fields of the matching type."""
    if form is None:
        generic = [("name", ""), ("title", ""), ("note", ""), ("reason", ""), ("text", ""), ("status", "")]
        form = {"fields": [{"name": n, "type": "text", "value": v} for n, v in generic]}
    base = baseline(form)
    types = {f["name"]: f["type"] for f in form["fields"]}
    out = []

    def replace(kinds: set[str], value) -> list[tuple[str, str | bytes]]:
        return [(n, value if types.get(n) in kinds and n != "csrf_token" else v) for n, v in base]

    # Free text first (other fields stay valid, so the value can reach the database), then every text-like field.
    for label, payload in TEXT_PAYLOADS.items():
        out.append((label, replace(FREE_TEXT_TYPES, payload)))
        out.append((label + " (all)", replace(TEXT_TYPES, payload)))
    out.append(("invalid-utf8", replace(FREE_TEXT_TYPES, INVALID_UTF8)))
    out.append(("invalid-utf8 (all)", replace(TEXT_TYPES, INVALID_UTF8)))
    if any(t in ("number", "hidden") for n, t in types.items() if n != "csrf_token"):
        for payload in NUMBER_PAYLOADS:
            out.append((f"number {payload}", replace({"number", "hidden"}, payload)))
    if "date" in types.values():
        for payload in DATE_PAYLOADS:
            out.append((f"date {payload}", replace({"date"}, payload)))
    if any(t in ("select", "radio", "checkbox") for t in types.values()):
        for payload in CHOICE_PAYLOADS:
            choice = [(n, payload if types.get(n) in ("select", "radio", "checkbox") else v) for n, v in base]
            out.append((f"choice {payload}", choice))
    return out


def encode(pairs: list[tuple[str, str | bytes]], token: str) -> bytes:
    parts = [f"csrf_token={quote(token)}"]
    for name, value in pairs:
        if name == "csrf_token":
            continue
        encoded = quote_from_bytes(value) if isinstance(value, bytes) else quote(value, safe="")
        parts.append(f"{quote(name)}={encoded}")
    return "&".join(parts).encode("ascii")


def row_counts() -> dict[str, int]:
    tables = [t for t in _db.metadata.sorted_tables if t.name not in IGNORED_TABLES]
    # Names from the models, not from input.
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t.name})" for t in tables)  # noqa: S608
    row = _db.session.execute(text(sql)).one()
    _db.session.commit()
    return dict(zip([t.name for t in tables], row, strict=True))


def role_for(rule: str) -> str | None:
    """Who may use the form: the public where it is theirs (sign-in, registration), else the first role allowed."""
    entry = MATRIX.get(("POST", rule), {})
    if entry.get("anonymous", entry.get(ALL)) in (200, 410):
        return "anonymous"
    for role in ROLE_PREFERENCE:
        want = entry.get(role, entry.get(ALL))
        if want in (200, 302, 400) and want != LOGIN:
            return role
    return None


def fresh_token(endpoint: str, users) -> str | None:
    """A valid single-use token for the routes that need one."""
    from courage_hub.auth.models import Role, TokenPurpose
    from courage_hub.auth.services import issue_token
    from courage_hub.core.db import utcnow
    from courage_hub.core.tokens import new_link_token
    from courage_hub.schools.models import SchoolInvitation

    purposes = {
        "auth.reset_password": TokenPurpose.PASSWORD_RESET,
        "auth.accept_invitation": TokenPurpose.INVITATION,
        "auth.confirm_email": TokenPurpose.EMAIL_CONFIRMATION,
    }
    if endpoint in purposes:
        user = factories.UserFactory(role=Role.KI_STAFF, email_confirmed_at=None)
        raw = issue_token(user, purposes[endpoint], timedelta(hours=1))
        _db.session.commit()
        return raw
    if endpoint == "schools.accept_invitation":
        raw, token_hash = new_link_token()
        _db.session.add(
            SchoolInvitation(
                school_id=users["school_a"].id,
                email=f"eingeladen-{raw[:8].lower()}@schule.example",
                token_hash=token_hash,
                expires_at=utcnow() + timedelta(days=7),
            )
        )
        _db.session.commit()
        return raw
    return None


def check_response(response, label: str, path: str, before: dict, client) -> list[str]:
    problems = []
    body = response.get_data(as_text=True)
    if response.status_code >= 500:
        return [f"{path} [{label}]: {response.status_code}"]
    if XSS in body or "<iframe src=javascript" in body:
        problems.append(f"{path} [{label}]: the injected HTML comes back unescaped")
    if response.mimetype == "text/html" and response.status_code != 302 and '<html lang="de"' not in body:
        problems.append(f"{path} [{label}]: {response.status_code} without a German page")
    if response.status_code in (302, 303):
        target = response.headers["Location"]
        follow = client.get(target)
        if follow.status_code >= 500:
            problems.append(f"{path} [{label}]: saved, but {target} answers {follow.status_code}")
        elif XSS in follow.get_data(as_text=True):
            problems.append(f"{path} [{label}]: saved HTML shows unescaped on {target}")
    else:
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            problems.append(f"{path} [{label}]: answered {response.status_code} but changed {changed}")
    return problems


@pytest.fixture
def clients(app, users):
    """One signed-in client per role (and the anonymous one)."""
    out = {"anonymous": app.test_client()}
    for role in ("ki", "coord_a", "admin"):
        out[role] = app.test_client()
        login(out[role], users[role])
    return out


def test_hostile_input_never_causes_a_500_and_changes_nothing_unless_saved(app, users, samples, clients):
    values = sample_values(users, samples, file="removable_file")
    failures: list[str] = []
    covered = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        role = role_for(rule.rule)
        if role is None:
            continue
        client = clients[role]
        token_endpoint = fresh_token(rule.endpoint, users) is not None
        args = {k: values[k] for k in rule.arguments if k in values}
        if token_endpoint:
            args["token"] = fresh_token(rule.endpoint, users)
        path = rule.build(args)[1]
        form = find_form(client.get(path).get_data(as_text=True), path) if "GET" in rule.methods else None
        covered.append(rule.endpoint)
        for label, pairs in variants(form):
            if token_endpoint:
                args["token"] = fresh_token(rule.endpoint, users)
                path = rule.build(args)[1]
            before = row_counts()
            try:
                response = client.post(
                    path,
                    data=encode(pairs, csrf_token(client)),
                    content_type="application/x-www-form-urlencoded",
                )
            except Exception as error:  # the test app propagates what would be a 500
                failures.append(f"{path} [{label}]: 500 ({type(error).__name__}: {str(error)[:200]})")
                _db.session.rollback()
                continue
            failures.extend(check_response(response, label, path, before, client))
    assert len(covered) >= 30, covered
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("payload", [b"\xed\xa0\x80", b"\xff\xfe\xfd", b"%%%", b"a=1&" * 5000])
def test_undecodable_bodies_on_the_login_form_give_a_german_answer(app, client, payload):
    token = csrf_token(client, "/anmelden")
    body = f"csrf_token={token}&email=".encode() + payload + b"&password=" + payload
    response = client.post("/anmelden", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    assert '<html lang="de"' in response.get_data(as_text=True)


def test_injection_strings_are_stored_as_text(app, db, users, clients):
    """An SQL string in a report title is saved verbatim and changes no other table."""
    from courage_hub.activities.models import Activity

    from .conftest import post_form

    title = "Robert'); DROP TABLE activities;--"
    response = post_form(
        clients["coord_a"],
        "/aktivitaeten/neu",
        {
            "title": title,
            "start_date": "2025-10-01",
            "activity_type": "Workshop",
            "topics": "Rassismus",
            "description": XSS,
            "action": "draft",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = db.session.scalar(select(Activity).where(Activity.title == title))
    assert saved is not None
    page = clients["coord_a"].get(f"/aktivitaeten/{saved.id}").get_data(as_text=True)
    assert "<script>alert" not in page


QUERY_PAYLOADS = (
    "%00",
    "%ED%A0%80",
    "-1",
    "99999999999999999999999",
    "0",
    "%27%20OR%201=1--",
    "%3Cscript%3E",
    "A" * 5000,
)


@pytest.mark.parametrize("path", ["/schulen/", "/aktivitaeten/", "/aktivitaeten/feed.xml", "/materialien/"])
def test_hostile_query_parameters_on_public_lists(app, users, client, path):
    names = ("q", "seite", "page", "thema", "jahr", "gemeinde", "art", "schule", "status", "typ", "stufe", "lizenz")
    for payload in QUERY_PAYLOADS:
        query = "&".join(f"{name}={payload}" for name in names)
        # The library redirects to its one short URL first (dropping what it does not understand); follow it.
        response = client.get(f"{path}?{query}", follow_redirects=True)
        assert response.status_code in (200, 400, 404), (payload, response.status_code)
        assert len(response.history) <= 1, (payload, [r.location for r in response.history])
        assert "<script>" not in response.get_data(as_text=True)


def test_control_characters_are_removed_before_saving(app, db, users, clients):
    from courage_hub.coordination.models import SchoolNote

    from .conftest import post_form

    response = post_form(
        clients["ki"], f"/koordination/schulen/{users['school_a'].id}/notizen", {"text": "Null\x00 Glocke\x07 ok\r\n"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(SchoolNote.text)) in ("Null Glocke ok\r\n", "Null Glocke ok")


# --- numbers and dates beyond what the database holds -----------------------------------------------------------

# Ids are INTEGER columns: 32 bits on PostgreSQL, 64 on SQLite. 2^31 - 1 is the largest id there can be.
MAX_ID = 2**31 - 1
HUGE_IDS = (MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, 10**20)
EXTREME_QUERY_VALUES = (
    "99999999999999999999",
    str(2**63),
    str(2**63 - 1),
    "-9223372036854775809",
    "1e309",
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "99999-01-01",
)


def _login_url(response) -> bool:
    return response.status_code == 302 and "/anmelden" in response.headers.get("Location", "")


def _problem(response, what: str, allowed: tuple[int, ...]) -> str | None:
    if response.status_code >= 500:
        return f"{what}: {response.status_code}"
    if response.status_code not in allowed and not _login_url(response):
        return f"{what}: unexpected {response.status_code}"
    html = response.mimetype == "text/html" and response.status_code != 302
    if html and '<html lang="de"' not in response.get_data(as_text=True):
        return f"{what}: {response.status_code} without a German page"
    return None


def _send(client, method: str, path: str, **kwargs):
    """The response, or the exception the test app propagates where a server would answer 500."""
    try:
        return client.open(path, method=method, **kwargs), None
    except Exception as error:
        _db.session.rollback()
        return None, f"500 ({type(error).__name__}: {str(error)[:150]})"


@pytest.mark.parametrize("role", ("anonymous", "coord_a", "coord_b", "ki", "admin"))
def test_huge_ids_on_every_int_route_are_not_found_for_every_role(app, users, samples, login_as, role):
    """An id beyond any row id is a 404 (the URL converter stops at 2^31 - 1); the largest one finds nothing."""
    client = login_as(role)
    values = sample_values(users, samples)
    failures, checked = [], 0
    for rule in app.url_map.iter_rules():
        int_args = re.findall(r"<int:(\w+)>", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for name in int_args:
                for huge in HUGE_IDS:
                    path = rule.build({**{k: values[k] for k in rule.arguments}, name: huge})[1]
                    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
                    response, error = _send(client, method, path, data=data)
                    checked += 1
                    problem = (
                        f"{role} {method} {path}: {error}"
                        if error
                        else _problem(response, f"{role} {method} {path}", (403, 404))
                    )
                    if problem:
                        failures.append(problem)
                    elif huge > MAX_ID and response.status_code != 404:
                        # Beyond the largest id no rule matches, whatever the role may do.
                        failures.append(f"{role} {method} {path}: {response.status_code} instead of 404")
    assert checked >= 80, checked
    assert not failures, "\n".join(failures)


NAMELESS_PARTS = {
    "no name": b"Content-Disposition: form-data\r\n\r\nwert",
    "empty name": b'Content-Disposition: form-data; name=""\r\n\r\nwert',
    "nameless file": b'Content-Disposition: form-data; filename="a.pdf"\r\n\r\n%PDF-1.4',
}


def _multipart(token: str, part: bytes) -> bytes:
    boundary = b"--grenze"
    token_part = b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()
    return b"".join(boundary + b"\r\n" + p + b"\r\n" for p in (token_part, part)) + boundary + b"--\r\n"


@pytest.mark.parametrize("role", ("anonymous", "coord_a", "ki", "admin"))
def test_a_form_part_without_a_name_is_a_german_400_on_every_post_route(app, users, samples, login_as, role):
    """No browser sends a nameless part; it is refused before the CSRF check, whoever sends it and wherever."""
    client = login_as(role)
    values = sample_values(users, samples, file="removable_file")
    failures, checked = [], 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        path = rule.build({k: values[k] for k in rule.arguments})[1]
        for label, part in NAMELESS_PARTS.items():
            before = row_counts()
            body = _multipart(csrf_token(client), part)
            response, error = _send(
                client, "POST", path, data=body, content_type="multipart/form-data; boundary=grenze"
            )
            checked += 1
            problem = f"{role} POST {path} [{label}]: {error}" if error else None
            if response is not None and response.status_code != 400:
                problem = f"{role} POST {path} [{label}]: {response.status_code} instead of 400"
            elif response is not None and '<html lang="de"' not in response.get_data(as_text=True):
                problem = f"{role} POST {path} [{label}]: 400 without a German page"
            elif response is not None and row_counts() != before:
                problem = f"{role} POST {path} [{label}]: refused, but something changed"
            if problem:
                failures.append(problem)
    assert checked >= 90, checked
    assert not failures, "\n".join(failures)


def query_parameter_names() -> set[str]:
    """Every query parameter the views read: ``args.get("…")``, ``getlist("…")`` and the audit log's filters."""
    from pathlib import Path

    import courage_hub

    pattern = re.compile(r'(?:args\.get|getlist|_filter)\(\s*"([a-z_]+)"')
    names = set()
    for source in Path(courage_hub.__file__).parent.rglob("*.py"):
        names.update(pattern.findall(source.read_text(encoding="utf-8")))
    return names


def test_query_parameter_names_are_found_in_the_views():
    assert {"seite", "schule", "jahr", "von", "bis", "objekt_id", "gemeinde", "q"} <= query_parameter_names()


def test_extreme_dates_and_huge_numbers_in_every_get_filter_give_no_500(app, users, samples, clients):
    """Every GET page, as a role that may open it, with each extreme value in every query parameter at once."""
    from .test_permissions import expected

    values = sample_values(users, samples)
    names = query_parameter_names()
    failures, checked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        role = next((r for r in ROLE_PREFERENCE if expected("GET", rule.rule, r) == 200), None)
        if role is None:
            continue
        client = clients[role]
        path = rule.build({k: values[k] for k in rule.arguments})[1]
        page = client.get(path)
        fields = set()
        if page.mimetype == "text/html":
            parser = FormParser()
            parser.feed(page.get_data(as_text=True))
            fields = {f["name"] for form in parser.forms if form["method"] == "get" for f in form["fields"]}
        for value in EXTREME_QUERY_VALUES:
            query = "&".join(f"{name}={quote(value)}" for name in sorted(names | fields))
            response, error = _send(client, "GET", f"{path}?{query}")
            checked += 1
            problem = f"{role} GET {path}?…={value}: {error}" if error else None
            problem = problem or _problem(response, f"{role} GET {path}?…={value}", (200, 302, 400, 404))
            if problem:
                failures.append(problem)
    assert checked >= 200, checked
    assert not failures, "\n".join(failures)


def test_a_date_outside_the_calendar_in_the_audit_log_is_ignored_with_a_message(app, users, clients):
    for query in ("von=0001-01-01", "bis=9999-12-31", "von=0000-01-01"):
        response = clients["admin"].get(f"/verwaltung/protokoll/?{query}")
        assert response.status_code == 200, query
        assert "Dieser Filter wurde nicht angewendet" in response.get_data(as_text=True), query


def test_a_huge_school_id_on_the_reminder_page_names_no_school(app, users, clients):
    school = users["school_a"]
    response = clients["ki"].get(
        f"/koordination/erinnerungen?schule=99999999999999999999&schule=%C2%B2&schule={school.id}"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert school.name in page


# --- single-line fields -----------------------------------------------------------------------------------------

ONE_LINE = "Bitte geben Sie dies in einer Zeile ein"


def app_form_classes() -> list[type]:
    """Every Flask-WTF form class of the app, after importing each of its modules so that none is missed."""
    import importlib
    import pkgutil

    import flask_wtf

    import courage_hub

    for module in pkgutil.walk_packages(courage_hub.__path__, "courage_hub."):
        importlib.import_module(module.name)

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    forms = [c for c in all_subclasses(flask_wtf.FlaskForm) if c.__module__.startswith("courage_hub.")]
    return forms


def test_every_form_derives_from_the_base_form_that_refuses_line_breaks(app):
    """A form on Flask-WTF's class directly would skip the rule; every form module of the app is checked."""
    from courage_hub.core.forms import FlaskForm

    forms = app_form_classes()
    assert len(forms) >= 25
    stray = [f"{c.__module__}.{c.__name__}" for c in forms if c is not FlaskForm and not issubclass(c, FlaskForm)]
    assert not stray


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\u2028"])
def test_a_school_name_with_a_line_break_is_refused_at_registration(client, users, db, line_break):
    from courage_hub.schools.models import School

    from .conftest import post_form
    from .test_schools import registration

    response = post_form(client, "/schulen/registrieren", registration(name=f"Sekundarschule{line_break}Ense"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ONE_LINE in page
    assert db.session.scalar(select(School).where(School.schulnummer == "123456")) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("street", "Schulweg 1\n2"),
        ("person_name", "Pat\r\nLehrkraft"),
        ("email", "pat@schule.example\r\nBcc: x@example.org"),
    ],
)
def test_other_single_line_fields_of_the_registration_refuse_line_breaks(client, users, db, field, value):
    from courage_hub.schools.models import School

    from .conftest import post_form
    from .test_schools import registration

    response = post_form(client, "/schulen/registrieren", registration(**{field: value}))
    assert response.status_code == 200
    assert ONE_LINE in response.get_data(as_text=True)
    assert db.session.scalar(select(School).where(School.schulnummer == "123456")) is None


def test_patron_name_and_organisation_refuse_line_breaks(client, users, db):
    from courage_hub.schools.models import Patron

    from .conftest import post_form

    login(client, users["coord_a"])
    response = post_form(
        client,
        f"/schulen/{users['school_a'].slug}/pate",
        {"name": "Bürgermeisterin\nBeispiel", "organisation": "Stadt\rLippstadt", "confirmed_on": "2025-10-01"},
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).count(ONE_LINE) >= 2
    assert db.session.scalar(select(func.count()).select_from(Patron)) == 0


def test_an_account_name_with_a_line_break_is_refused(client, users, db):
    from courage_hub.auth.models import User

    from .conftest import post_form

    login(client, users["admin"])
    response = post_form(
        client,
        "/verwaltung/konten/neu",
        {"name": "Neue\nKollegin", "email": "neu@kreis-soest.example", "role": "ki_staff"},
    )
    assert response.status_code == 200 and ONE_LINE in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "neu@kreis-soest.example")) is None


def test_activity_title_refuses_line_breaks_while_the_description_keeps_them(client, users, db):
    from courage_hub.activities.models import Activity

    from .test_activities import create, report

    login(client, users["coord_a"])
    refused = create(client, users["school_a"], report(title="Projekttag\r\nCourage"))
    assert refused.status_code == 200 and ONE_LINE in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    saved = create(client, users["school_a"], report(description="Erster Absatz.\r\n\r\nZweiter Absatz."))
    assert saved.status_code == 302
    assert "\n\n" in db.session.scalars(select(Activity.description)).one().replace("\r", "")
