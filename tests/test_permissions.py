"""The permission matrix: every URL rule of the app × every role → the expected status code.

A new route that is not listed here fails ``test_every_route_is_in_the_matrix``: whoever adds a route decides
who may use it.
"""

from __future__ import annotations

import pytest

from .conftest import csrf_token

ROLES = ("anonymous", "coord_a", "coord_b", "ki", "admin")
LOGIN = "login"  # a redirect to /anmelden

# (method, rule) → {role: expected status}; ALL applies to every role not named.
ALL = "*"
SCHOOL_A_INTERNAL = {"anonymous": LOGIN, "coord_a": 200, "ki": 200, ALL: 403}
KI_ONLY = {"anonymous": LOGIN, "ki": 200, ALL: 403}
DRAFT_OF_A = {"anonymous": 404, "coord_a": 200, "ki": 200, ALL: 404}
DRAFT_EDIT = {**DRAFT_OF_A, "anonymous": LOGIN}
MATERIAL_OF_A = DRAFT_OF_A
MATERIAL_EDIT = DRAFT_EDIT
MATRIX: dict[tuple[str, str], dict[str, int | str]] = {
    ("GET", "/"): {ALL: 200},
    ("GET", "/start"): {"anonymous": LOGIN, ALL: 302},
    ("GET", "/impressum"): {ALL: 200},
    ("GET", "/datenschutz"): {ALL: 200},
    ("GET", "/barrierefreiheit"): {ALL: 200},
    ("GET", "/leichte-sprache"): {ALL: 200},
    ("GET", "/sprache/<lang>"): {ALL: 302},
    ("GET", "/healthz"): {ALL: 200},
    ("GET", "/static/<path:filename>"): {ALL: 200},
    ("GET", "/anmelden"): {"anonymous": 200, ALL: 302},
    ("POST", "/anmelden"): {"anonymous": 200, ALL: 302},
    ("POST", "/abmelden"): {ALL: 302},
    # The second sign-in step needs a recent password step in this session; without one it leads back.
    ("GET", "/anmelden/code"): {"anonymous": LOGIN, ALL: 302},
    ("POST", "/anmelden/code"): {"anonymous": LOGIN, ALL: 302},
    ("GET", "/anmelden/zweiter-faktor-einrichten"): {"anonymous": LOGIN, ALL: 302},
    ("POST", "/anmelden/zweiter-faktor-einrichten"): {"anonymous": LOGIN, ALL: 302},
    ("GET", "/konto/zweiter-faktor"): {"anonymous": LOGIN, "ki": 302, "admin": 302, ALL: 200},  # staff have one
    ("POST", "/konto/zweiter-faktor"): {"anonymous": LOGIN, "ki": 302, "admin": 302, ALL: 200},
    ("POST", "/konto/zweiter-faktor/ausschalten"): {"anonymous": LOGIN, ALL: 200},  # without password: the form
    ("POST", "/konto/wiederherstellungscodes"): {"anonymous": LOGIN, ALL: 200},
    ("GET", "/passwort/vergessen"): {ALL: 200},
    ("POST", "/passwort/vergessen"): {ALL: 200},
    ("GET", "/passwort/neu/<token>"): {ALL: 410},
    ("POST", "/passwort/neu/<token>"): {ALL: 410},
    ("GET", "/einladung/<token>"): {ALL: 410},
    ("POST", "/einladung/<token>"): {ALL: 410},
    ("GET", "/konto"): {"anonymous": LOGIN, ALL: 200},
    ("POST", "/konto"): {"anonymous": LOGIN, ALL: 200},
    ("GET", "/konto/daten.json"): {"anonymous": LOGIN, ALL: 200},
    ("GET", "/konto/loeschen"): {"anonymous": LOGIN, ALL: 200},
    ("POST", "/konto/loeschen"): {"anonymous": LOGIN, ALL: 200},  # without password and confirmation: the form again
    ("GET", "/verwaltung/konten"): {"anonymous": LOGIN, "admin": 200, ALL: 403},
    ("GET", "/verwaltung/konten/neu"): {"anonymous": LOGIN, "admin": 200, ALL: 403},
    ("POST", "/verwaltung/konten/neu"): {"anonymous": LOGIN, "admin": 200, ALL: 403},
    ("POST", "/verwaltung/konten/<int:user_id>/status"): {"anonymous": LOGIN, "admin": 302, ALL: 403},
    ("POST", "/verwaltung/konten/<int:user_id>/zweiter-faktor"): {"anonymous": LOGIN, "admin": 302, ALL: 403},
    ("GET", "/konto/bestaetigen/<token>"): {ALL: 410},
    ("POST", "/konto/bestaetigen/<token>"): {ALL: 410},
    # Schools: the sample school is school A (public, coordinated by coord_a).
    ("GET", "/schulen/"): {ALL: 200},
    ("GET", "/schulen/<slug>"): {ALL: 200},
    ("GET", "/schulen/<slug>/logo"): {ALL: 404},  # school A has no logo; see test_schools for one with a logo
    ("GET", "/schulen/registrieren"): {ALL: 200},
    ("POST", "/schulen/registrieren"): {ALL: 200},  # an empty form is shown again with errors
    ("GET", "/schulen/registriert"): {ALL: 200},
    ("GET", "/meine-schulen"): {"anonymous": LOGIN, "coord_a": 302, "coord_b": 302, ALL: 403},
    ("GET", "/schulen/<slug>/verwalten"): SCHOOL_A_INTERNAL,
    ("GET", "/schulen/<slug>/bearbeiten"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/bearbeiten"): SCHOOL_A_INTERNAL,
    ("GET", "/schulen/<slug>/abstimmung"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/abstimmung"): SCHOOL_A_INTERNAL,
    ("GET", "/schulen/<slug>/pate"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/pate"): SCHOOL_A_INTERNAL,
    ("GET", "/schulen/<slug>/antrag"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/antrag"): SCHOOL_A_INTERNAL,
    ("GET", "/schulen/<slug>/koordination/einladen"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/koordination/einladen"): SCHOOL_A_INTERNAL,
    ("POST", "/schulen/<slug>/status"): {**SCHOOL_A_INTERNAL, "coord_a": 400, "ki": 302},
    ("POST", "/schulen/<slug>/koordination/<int:user_id>/entfernen"): {**SCHOOL_A_INTERNAL, "coord_a": 302, "ki": 302},
    ("GET", "/schulen/<slug>/aufnahmefeier"): KI_ONLY,
    ("POST", "/schulen/<slug>/aufnahmefeier"): {**KI_ONLY, "ki": 302},
    ("POST", "/schulen/<slug>/kontakt"): {**KI_ONLY, "ki": 302},
    ("GET", "/schulen/einladung/<token>"): {ALL: 410},
    ("POST", "/schulen/einladung/<token>"): {ALL: 410},
    # Activities: the sample report is a draft of school A (invisible to everyone but its editors).
    ("GET", "/aktivitaeten/"): {ALL: 200},
    ("GET", "/aktivitaeten/feed.xml"): {ALL: 200},
    ("GET", "/aktivitaeten/<int:activity_id>"): DRAFT_OF_A,
    ("GET", "/aktivitaeten/dateien/<int:file_id>"): DRAFT_OF_A,
    ("GET", "/aktivitaeten/dateien/<int:file_id>/<variant>"): DRAFT_OF_A,
    ("GET", "/aktivitaeten/neu"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 404},
    ("POST", "/aktivitaeten/neu"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 404},
    ("GET", "/aktivitaeten/<int:activity_id>/bearbeiten"): DRAFT_EDIT,
    ("POST", "/aktivitaeten/<int:activity_id>/bearbeiten"): DRAFT_EDIT,
    ("GET", "/aktivitaeten/<int:activity_id>/loeschen"): DRAFT_EDIT,
    ("POST", "/aktivitaeten/<int:activity_id>/loeschen"): {**DRAFT_EDIT, "coord_a": 302, "ki": 302},
    ("POST", "/aktivitaeten/<int:activity_id>/veroeffentlichen"): {**DRAFT_EDIT, "coord_a": 302, "ki": 302},
    ("POST", "/aktivitaeten/<int:activity_id>/dateien/<int:file_id>/entfernen"): {
        **DRAFT_EDIT,
        "coord_a": 302,
        "ki": 302,
    },
    ("GET", "/aktivitaeten/<int:activity_id>/sperren"): KI_ONLY,
    ("POST", "/aktivitaeten/<int:activity_id>/sperren"): KI_ONLY,
    # Coordination (KI); the sample school_id is a pending registration.
    ("GET", "/koordination/"): {"anonymous": LOGIN, "ki": 200, "admin": 200, ALL: 403},
    ("GET", "/koordination/registrierungen"): KI_ONLY,
    ("GET", "/koordination/schulen"): KI_ONLY,
    ("POST", "/koordination/registrierungen/<int:school_id>/freigeben"): {**KI_ONLY, "ki": 302},
    ("GET", "/koordination/registrierungen/<int:school_id>/ablehnen"): KI_ONLY,
    ("POST", "/koordination/registrierungen/<int:school_id>/ablehnen"): KI_ONLY,
    ("GET", "/koordination/schulen/<int:school_id>"): KI_ONLY,
    ("POST", "/koordination/schulen/<int:school_id>/notizen"): {**KI_ONLY, "ki": 302},
    ("GET", "/koordination/kontakt"): KI_ONLY,
    ("GET", "/koordination/erinnerungen"): KI_ONLY,
    ("POST", "/koordination/erinnerungen"): KI_ONLY,  # no school selected: the form again with an error
    ("GET", "/koordination/export/schulen.<any(csv, xlsx):fmt>"): KI_ONLY,
    ("GET", "/koordination/export/aktivitaeten.<any(csv, xlsx):fmt>"): KI_ONLY,
    ("GET", "/koordination/jahresbericht.pdf"): {"anonymous": LOGIN, "ki": 200, "admin": 200, ALL: 403},
    ("GET", "/verwaltung/protokoll/"): {"anonymous": LOGIN, "admin": 200, ALL: 403},
    ("GET", "/koordination/postausgang"): {"anonymous": LOGIN, "ki": 200, "admin": 200, ALL: 403},
    ("POST", "/koordination/postausgang/<int:mail_id>/erneut"): {"anonymous": LOGIN, "ki": 302, "admin": 302, ALL: 403},
    # Materials: the sample is school A's material in review, shared by coordinator A, with a problem report.
    ("GET", "/materialien/"): {ALL: 200},
    ("GET", "/materialien/amb.json"): {ALL: 200},
    ("GET", "/materialien/<int:material_id>"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>.jsonld"): {ALL: 404},
    ("GET", "/materialien/<int:material_id>/datei"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>/vorschau"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>/problem"): {ALL: 404},
    ("POST", "/materialien/<int:material_id>/problem"): {ALL: 404},
    ("GET", "/materialien/teilen"): {"anonymous": LOGIN, "admin": 403, ALL: 200},
    ("POST", "/materialien/teilen"): {"anonymous": LOGIN, "admin": 403, ALL: 200},
    ("GET", "/materialien/meine"): {"anonymous": LOGIN, "admin": 403, ALL: 200},
    ("GET", "/materialien/<int:material_id>/bearbeiten"): MATERIAL_EDIT,
    ("POST", "/materialien/<int:material_id>/bearbeiten"): MATERIAL_EDIT,
    ("POST", "/materialien/<int:material_id>/zurueckziehen"): {**MATERIAL_EDIT, "coord_a": 302, "ki": 302},
    ("POST", "/materialien/<int:material_id>/erneut-einreichen"): {**MATERIAL_EDIT, "coord_a": 302, "ki": 302},
    ("GET", "/koordination/pruefung/"): KI_ONLY,
    ("GET", "/koordination/pruefung/<int:material_id>"): KI_ONLY,
    ("POST", "/koordination/pruefung/<int:material_id>"): KI_ONLY,
    ("POST", "/koordination/pruefung/<int:material_id>/ausblenden"): {**KI_ONLY, "ki": 302},
    ("POST", "/koordination/pruefung/<int:material_id>/einblenden"): {**KI_ONLY, "ki": 404},
    ("POST", "/koordination/pruefung/meldungen/<int:report_id>/erledigt"): {**KI_ONLY, "ki": 302},
}


def url_values(users) -> dict[str, object]:
    """Sample values for URL arguments: objects that belong to school A / coordinator A where it matters."""
    return {
        "filename": "css/site.css",
        "token": "kein-gueltiger-token",
        "user_id": users["coord_b"].id,
        "slug": users["school_a"].slug,
        "school_id": users["school_pending"].id,
        "variant": "vorschau",
        "fmt": "xlsx",
        "lang": "en",
    }


def overrides_for(rule: str, users, samples) -> dict:
    """Destructive routes get objects of their own, so that later requests still find the sample objects."""
    if rule.startswith("/schulen/") and "entfernen" in rule:
        return {"user_id": users["coord_a"].id}
    if rule.endswith("/loeschen"):
        return {"activity_id": samples["doomed"].id}
    if rule.endswith("/entfernen"):
        return {"file_id": samples["removable_file"].id}
    return {}


@pytest.fixture
def samples(users, db, app):
    """A draft report of school A with two files, and a second draft to delete."""
    from courage_hub.activities.models import ActivityFile, ActivityState
    from courage_hub.core.uploads import upload_root

    from .factories import ActivityFactory

    draft = ActivityFactory(school=users["school_a"], state=ActivityState.DRAFT, published_at=None)
    doomed = ActivityFactory(school=users["school_a"], state=ActivityState.DRAFT, published_at=None)
    files = []
    for n in range(2):
        name = f"{n:032x}.pdf"
        (upload_root() / name).write_bytes(b"%PDF-1.4 test")
        row = ActivityFile(
            activity_id=draft.id,
            kind="attachment",
            storage_name=name,
            original_name=f"plan{n}.pdf",
            content_type="application/pdf",
            size=13,
            sha256="0" * 64,
        )
        db.session.add(row)
        files.append(row)
    db.session.commit()
    material = _sample_material(users, db)
    mail = _sample_failed_mail(db)
    return {"draft": draft, "doomed": doomed, "file": files[0], "removable_file": files[1], "mail": mail, **material}


def _sample_failed_mail(db):
    from courage_hub.core.models import OutboxMail, OutboxStatus

    mail = OutboxMail(to_addr="kaputt@example.org", subject="Test", body="Hallo", status=OutboxStatus.FAILED)
    db.session.add(mail)
    db.session.commit()
    return mail


def _sample_material(users, db) -> dict:
    """School A's material in review with a file and a preview, shared by coordinator A, with a problem report."""
    from courage_hub.core.uploads import upload_root
    from courage_hub.materials.models import MaterialReport, MaterialState

    from .factories import MaterialFactory

    for name in ("b" * 32 + ".pdf", "c" * 32 + ".webp"):
        (upload_root() / name).write_bytes(b"%PDF-1.4 test" if name.endswith(".pdf") else b"RIFF0000WEBP")
    material = MaterialFactory(
        school=users["school_a"],
        author_id=users["coord_a"].id,
        state=MaterialState.REVIEW,
        published_at=None,
        link_url=None,
        storage_name="b" * 32 + ".pdf",
        preview_name="c" * 32 + ".webp",
        original_name="blatt.pdf",
        content_type="application/pdf",
        size=13,
    )
    report = MaterialReport(material_id=material.id, reason="other", text="Test")
    db.session.add(report)
    db.session.commit()
    return {"material": material, "report": report}


def restore_review(material) -> None:
    from courage_hub.extensions import db
    from courage_hub.materials.models import Material, MaterialState

    db.session.get(Material, material.id).state = MaterialState.REVIEW
    db.session.commit()


def route_keys(app) -> set[tuple[str, str]]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys.add((method, rule.rule))
    return keys


def test_every_route_is_in_the_matrix(app):
    missing = route_keys(app) - set(MATRIX)
    assert not missing, f"routes without an entry in the permission matrix: {sorted(missing)}"
    stale = set(MATRIX) - route_keys(app)
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def expected(method: str, rule: str, role: str) -> int | str:
    entry = MATRIX[(method, rule)]
    return entry.get(role, entry.get(ALL))


def restore_pending(school) -> None:
    """Put the sample registration back into the queue so that later requests see the same world."""
    from courage_hub.extensions import db
    from courage_hub.schools.models import Approval

    school.approval = Approval.PENDING
    db.session.commit()


def restore_draft(activity) -> None:
    from courage_hub.activities.models import Activity, ActivityState
    from courage_hub.extensions import db

    db.session.get(Activity, activity.id).state = ActivityState.DRAFT
    db.session.commit()


def recreate_draft(users):
    from courage_hub.activities.models import ActivityState

    from .factories import ActivityFactory

    return ActivityFactory(school=users["school_a"], state=ActivityState.DRAFT, published_at=None)


def recreate_file(draft):
    from courage_hub.activities.models import ActivityFile
    from courage_hub.core.uploads import upload_root
    from courage_hub.extensions import db

    name = "f" * 32 + ".pdf"
    (upload_root() / name).write_bytes(b"%PDF-1.4 test")
    row = ActivityFile(
        activity_id=draft.id,
        kind="attachment",
        storage_name=name,
        original_name="neu.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    db.session.add(row)
    db.session.commit()
    return row


def matches(response, want: int | str) -> bool:
    if want == LOGIN:
        return response.status_code == 302 and "/anmelden" in response.headers.get("Location", "")
    return response.status_code == want


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, users, samples, login_as, role):
    client = login_as(role)
    values = {
        **url_values(users),
        "activity_id": samples["draft"].id,
        "file_id": samples["file"].id,
        "material_id": samples["material"].id,
        "report_id": samples["report"].id,
        "mail_id": samples["mail"].id,
    }
    failures = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            want = expected(method, rule.rule, role)
            args = {**values, **overrides_for(rule.rule, users, samples)}
            path = rule.build({k: args[k] for k in rule.arguments})[1]
            if method == "GET":
                response = client.get(path)
            else:
                response = client.open(path, method=method, data={"csrf_token": csrf_token(client)})
            got = response.status_code
            if not matches(response, want):
                failures.append(f"{role} {method} {path}: expected {want}, got {got}")
            if method == "POST" and rule.rule == "/abmelden" and role != "anonymous":
                client = login_as(role)
            if rule.endpoint == "activities.publish" and got == 302:
                restore_draft(samples["draft"])
            if rule.endpoint == "activities.delete" and method == "POST" and got == 302:
                samples["doomed"] = recreate_draft(users)
            if rule.endpoint == "activities.remove_file" and got == 302:
                samples["removable_file"] = recreate_file(samples["draft"])
            if rule.endpoint in ("materials.withdraw", "material_review.hide") and got == 302:
                restore_review(samples["material"])
            if rule.endpoint == "coordination.approve" and got == 302:
                restore_pending(users["school_pending"])
            if method == "POST" and rule.endpoint == "admin.set_account_active" and got == 302:
                # Reactivate the target so later requests in this loop see the same world.
                client.post(path, data={"csrf_token": csrf_token(client), "active": "1"})
    assert not failures, "\n".join(failures)
