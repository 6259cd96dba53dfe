"""The permission matrix: every URL rule of the app × every role → the expected outcome.

A new route that is not listed here fails ``test_every_route_is_in_the_matrix``: whoever adds a route decides
who may use it.

An outcome is more than a status code. Every POST is sent with valid form data where the route has a small form
(``FORM_DATA``), and the database rows and stored files are compared before and after: ``DONE`` means a redirect
that changed something, ``REFUSED_REDIRECT`` a redirect with an error message that changed nothing, and every other
expectation (403, 404, 400, a form shown again, a plain redirect) must leave everything as it was. Pages answered
with 200 must show their object, and no page shows a role the title of a report or material it may not see.

Object routes run against several samples (``VARIANTS``): school A's draft and material in review (the default, in
``MATRIX``), published reports and approved materials of schools A and B with files, and school B's draft and
material in review.

Regions: every sample belongs to Kreis Soest. ``ki_unna`` (regional staff of Kreis Unna) is the other region's
staff, ``land_nrw`` / ``land_sn`` Land staff of the samples' Land and of another, ``bund`` the Bundeskoordination,
``partner`` the account of the cooperation partner that Kreis Soest keeps (the sample offer's partner; school A's
sample request is addressed to it).
``ALL`` covers them unless an entry names them; the groups ``KI_OBJECT``, ``KI_LIST``, ``FIGURES``, ``EXPORTS``
say the usual answers once. Lists that answer 200 are read by
``test_lists_of_the_other_region_show_nothing_of_kreis_soest``, and the mirror test puts Kreis Soest's staff in
front of Kreis Unna's objects.
"""

from __future__ import annotations

import pytest

from .conftest import csrf_token

# Every sample object belongs to Kreis Soest (school A, B, their reports and materials, the pending registration).
# ``ki`` works there; ``ki_unna`` is regional staff of Kreis Unna, the other region; ``land_nrw`` and ``land_sn``
# are Land staff of Nordrhein-Westfalen (Kreis Soest's Land) and Sachsen; ``bund`` is the Bundeskoordination.
ROLES = ("anonymous", "coord_a", "coord_b", "ki", "admin", "ki_unna", "land_nrw", "land_sn", "bund", "partner")
LOGIN = "login"  # a redirect to /anmelden


class Outcome(int):
    """A redirect (302) that also says what it did; equal to 302 for readers that compare status codes only."""

    def __new__(cls, name: str) -> Outcome:
        outcome = super().__new__(cls, 302)
        outcome.name = name
        return outcome

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__


DONE = Outcome("DONE")  # a redirect after a success message, and rows or files changed
REFUSED_REDIRECT = Outcome("REFUSED_REDIRECT")  # a redirect after an error message, and nothing changed

# (method, rule) → {role: expected status}; ALL applies to every role not named, the new roles included: a route
# whose ALL is wrong for another region's staff, Land or Bund names them (the groups below say it once).
ALL = "*"
SCHOOL_A_INTERNAL = {"anonymous": LOGIN, "coord_a": 200, "ki": 200, ALL: 403}
# Regional staff's pages about school A's things: staff of another region are refused like other coordinators.
KI_ONLY = {"anonymous": LOGIN, "ki": 200, ALL: 403}
# … and those that look the object up within the staff member's own regions: another region's is not found.
KI_OBJECT = {**KI_ONLY, "ki_unna": 404}
# Regional staff's lists and forms, narrowed to their own regions: ``ki_unna`` sees its own region's rows (and none
# of Kreis Soest's: test_lists_of_the_other_region_show_nothing_of_kreis_soest).
KI_LIST = {**KI_ONLY, "ki_unna": 200}
STAFF = ("ki", "admin", "ki_unna", "land_nrw", "land_sn", "bund")  # accounts that must have a second factor
# Figures (dashboard, annual report): regional staff of their regions, Land staff of their Land's, admins and
# the Bund of every region.
FIGURES = {"anonymous": LOGIN, **dict.fromkeys(STAFF, 200), ALL: 403}
# Exports of the schools table and the activities: regional and Land staff, each for the regions they see.
EXPORTS = {**KI_LIST, "land_nrw": 200, "land_sn": 200}
# Material sharing: coordinators of a school and regional staff.
SHARING = {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, "ki": 200, "ki_unna": 200, ALL: 403}
# Managing Kreis Soest (a region of NW): admins and NW's Land staff; another Land's staff do not find it.
REGION_OF_NW = {"anonymous": LOGIN, "admin": 200, "land_nrw": 200, "land_sn": 404, ALL: 403}
DRAFT_OF_A = {"anonymous": 404, "coord_a": 200, "ki": 200, ALL: 404}
DRAFT_EDIT = {**DRAFT_OF_A, "anonymous": LOGIN}
MATERIAL_OF_A = DRAFT_OF_A
# Registering for Kreis Soest's event: coordinators of its schools; staff have no school to register.
EVENT_REGISTRATION = {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 403}
# The staff's event pages: regional staff and Land staff (admins and the Bund organise no events).
EVENT_STAFF = {"anonymous": LOGIN, "ki": 200, "ki_unna": 200, "land_nrw": 200, "land_sn": 200, ALL: 403}
EVENT_OF_SOEST = {**EVENT_STAFF, "ki_unna": 404, "land_nrw": 404, "land_sn": 404}
MATERIAL_EDIT = DRAFT_EDIT
# The partner's own area: accounts of the sample partner only (``partner``); staff and schools are refused.
PARTNER_AREA = {"anonymous": LOGIN, "partner": 200, ALL: 403}
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
    ("POST", "/abmelden"): {"anonymous": 302, ALL: DONE},  # ends the sessions on every device
    # The second sign-in step needs a recent password step in this session; without one it leads back.
    ("GET", "/anmelden/code"): {"anonymous": LOGIN, ALL: 302},
    ("POST", "/anmelden/code"): {"anonymous": LOGIN, ALL: 302},
    ("GET", "/anmelden/zweiter-faktor-einrichten"): {"anonymous": LOGIN, ALL: 302},
    ("POST", "/anmelden/zweiter-faktor-einrichten"): {"anonymous": LOGIN, ALL: 302},
    ("GET", "/konto/zweiter-faktor"): {"anonymous": LOGIN, **dict.fromkeys(STAFF, 302), ALL: 200},  # staff have one
    ("POST", "/konto/zweiter-faktor"): {"anonymous": LOGIN, **dict.fromkeys(STAFF, 302), ALL: 200},
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
    ("POST", "/verwaltung/konten/<int:user_id>/status"): {"anonymous": LOGIN, "admin": DONE, ALL: 403},
    ("POST", "/verwaltung/konten/<int:user_id>/zweiter-faktor"): {"anonymous": LOGIN, "admin": DONE, ALL: 403},
    # Regions: admins manage every one (the sample is Kreis Soest), Land staff those of their Land (test_regions_admin).
    # Regions: admins all; Land staff the regions of their Land (the sample, Kreis Soest, is NW: another Land's staff
    # do not find it), and a new region of their own Land.
    ("GET", "/verwaltung/regionen"): {"anonymous": LOGIN, "admin": 200, "land_nrw": 200, "land_sn": 200, ALL: 403},
    ("GET", "/verwaltung/regionen/neu"): {"anonymous": LOGIN, "admin": 200, "land_nrw": 200, "land_sn": 200, ALL: 403},
    # empty: the form again
    ("POST", "/verwaltung/regionen/neu"): {"anonymous": LOGIN, "admin": 200, "land_nrw": 200, "land_sn": 200, ALL: 403},
    ("GET", "/verwaltung/regionen/<int:region_id>/bearbeiten"): REGION_OF_NW,
    ("POST", "/verwaltung/regionen/<int:region_id>/bearbeiten"): REGION_OF_NW,
    ("POST", "/verwaltung/regionen/<int:region_id>/mitarbeitende"): REGION_OF_NW,
    ("POST", "/verwaltung/regionen/<int:region_id>/einladen"): REGION_OF_NW,
    ("POST", "/verwaltung/regionen/<int:region_id>/mitarbeitende/<int:user_id>/entfernen"): {
        **REGION_OF_NW,
        "admin": DONE,
        "land_nrw": DONE,
    },
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
    # A coordinator may only move forward; KI staff may set any status.
    ("POST", "/schulen/<slug>/status"): {**SCHOOL_A_INTERNAL, "coord_a": REFUSED_REDIRECT, "ki": DONE},
    # Coordinator A is the school's last coordinator: they must hand over first, KI staff may remove them.
    ("GET", "/schulen/<slug>/koordination/<int:user_id>/entfernen"): SCHOOL_A_INTERNAL,  # asks first
    ("POST", "/schulen/<slug>/koordination/<int:user_id>/entfernen"): {
        **SCHOOL_A_INTERNAL,
        "coord_a": REFUSED_REDIRECT,
        "ki": DONE,
    },
    # School A's open invitation: its coordination and the KI may send it anew (new link) or withdraw it.
    ("POST", "/schulen/<slug>/koordination/einladungen/<int:invitation_id>/erneut-senden"): {
        **SCHOOL_A_INTERNAL,
        "coord_a": DONE,
        "ki": DONE,
    },
    ("POST", "/schulen/<slug>/koordination/einladungen/<int:invitation_id>/zurueckziehen"): {
        **SCHOOL_A_INTERNAL,
        "coord_a": DONE,
        "ki": DONE,
    },
    ("GET", "/schulen/<slug>/aufnahmefeier"): KI_ONLY,
    ("POST", "/schulen/<slug>/aufnahmefeier"): {**KI_ONLY, "ki": DONE},
    ("POST", "/schulen/<slug>/kontakt"): {**KI_ONLY, "ki": DONE},
    # "Kontakt zur Koordination": the school's own coordinators write to the KI (mail and a timeline copy).
    ("GET", "/schulen/<slug>/kontakt-koordination"): {**SCHOOL_A_INTERNAL, "ki": 403},
    ("POST", "/schulen/<slug>/kontakt-koordination"): {**SCHOOL_A_INTERNAL, "coord_a": DONE, "ki": 403},
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
    ("POST", "/aktivitaeten/<int:activity_id>/loeschen"): {**DRAFT_EDIT, "coord_a": DONE, "ki": DONE},
    ("POST", "/aktivitaeten/<int:activity_id>/veroeffentlichen"): {**DRAFT_EDIT, "coord_a": DONE, "ki": DONE},
    ("POST", "/aktivitaeten/<int:activity_id>/dateien/<int:file_id>/entfernen"): {
        **DRAFT_EDIT,
        "coord_a": DONE,
        "ki": DONE,
    },
    # A draft: staff of another region do not see it at all.
    ("GET", "/aktivitaeten/<int:activity_id>/sperren"): KI_OBJECT,
    ("POST", "/aktivitaeten/<int:activity_id>/sperren"): {**KI_OBJECT, "ki": DONE},
    # Coordination (KI); the sample school_id is a pending registration.
    ("GET", "/koordination/"): FIGURES,
    ("GET", "/koordination/registrierungen"): KI_LIST,
    ("GET", "/koordination/schulen"): KI_LIST,
    ("POST", "/koordination/registrierungen/<int:school_id>/freigeben"): {**KI_OBJECT, "ki": DONE},
    ("GET", "/koordination/registrierungen/<int:school_id>/ablehnen"): KI_OBJECT,
    ("POST", "/koordination/registrierungen/<int:school_id>/ablehnen"): {**KI_OBJECT, "ki": DONE},
    ("GET", "/koordination/schulen/<int:school_id>"): KI_OBJECT,
    ("POST", "/koordination/schulen/<int:school_id>/notizen"): {**KI_OBJECT, "ki": DONE},
    ("GET", "/koordination/kontakt"): KI_LIST,
    ("GET", "/koordination/erinnerungen"): KI_LIST,
    ("POST", "/koordination/erinnerungen"): KI_LIST,  # no school selected: the form again with an error
    ("GET", "/koordination/export/schulen.<any(csv, xlsx):fmt>"): EXPORTS,
    ("GET", "/koordination/export/aktivitaeten.<any(csv, xlsx):fmt>"): EXPORTS,
    ("GET", "/koordination/jahresbericht.pdf"): FIGURES,
    # Entries of the reader's regions (Land staff: their Land's); entries without a region only for admins.
    ("GET", "/verwaltung/protokoll/"): {**KI_LIST, "admin": 200, "land_nrw": 200, "land_sn": 200},
    # Undelivered mails name coordinators' addresses: admins and regional staff (of their own regions' mails).
    ("GET", "/koordination/postausgang"): {**KI_LIST, "admin": 200},
    ("POST", "/koordination/postausgang/<int:mail_id>/erneut"): {**KI_OBJECT, "ki": DONE, "admin": DONE},
    # A region's settings: its regional staff (each their own), Land staff of its Land, admins; the Bund reads only.
    ("GET", "/koordination/region"): {**KI_LIST, "admin": 200, "land_nrw": 200, "land_sn": 404},
    ("POST", "/koordination/region"): {
        **KI_LIST,
        "ki": DONE,
        "ki_unna": DONE,
        "admin": DONE,
        "land_nrw": DONE,
        "land_sn": 404,
    },
    # Materials: the sample is school A's material in review, shared by coordinator A, with a problem report.
    ("GET", "/materialien/"): {ALL: 200},
    ("GET", "/materialien/amb.json"): {ALL: 200},
    ("GET", "/materialien/<int:material_id>"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>.jsonld"): {ALL: 404},
    ("GET", "/materialien/<int:material_id>/datei"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>/vorschau"): MATERIAL_OF_A,
    ("GET", "/materialien/<int:material_id>/problem"): {ALL: 404},
    ("POST", "/materialien/<int:material_id>/problem"): {ALL: 404},
    ("GET", "/materialien/teilen"): SHARING,
    ("POST", "/materialien/teilen"): SHARING,
    ("GET", "/materialien/meine"): SHARING,
    ("GET", "/materialien/<int:material_id>/bearbeiten"): MATERIAL_EDIT,
    ("POST", "/materialien/<int:material_id>/bearbeiten"): MATERIAL_EDIT,
    ("POST", "/materialien/<int:material_id>/zurueckziehen"): {**MATERIAL_EDIT, "coord_a": DONE, "ki": DONE},
    # Already in review: nothing to do.
    ("POST", "/materialien/<int:material_id>/erneut-einreichen"): {**MATERIAL_EDIT, "coord_a": 302, "ki": 302},
    ("GET", "/koordination/pruefung/"): KI_LIST,
    ("GET", "/koordination/pruefung/<int:material_id>"): KI_OBJECT,
    ("POST", "/koordination/pruefung/<int:material_id>"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/pruefung/<int:material_id>/ausblenden"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/pruefung/<int:material_id>/einblenden"): {**KI_OBJECT, "ki": 404},
    ("POST", "/koordination/pruefung/meldungen/<int:report_id>/erledigt"): {**KI_OBJECT, "ki": DONE},
    # Regional offices: public pages (the sample slug is Kreis Soest's, see overrides_for); the finder redirects.
    ("GET", "/regionen/"): {ALL: 200},
    ("GET", "/regionen/finden"): {ALL: 302},
    ("GET", "/regionen/<slug>"): {ALL: 200},
    # Handing a school over: its region's staff and admins.
    ("GET", "/koordination/schulen/<int:school_id>/uebergeben"): {**KI_OBJECT, "admin": 200},
    ("POST", "/koordination/schulen/<int:school_id>/uebergeben"): {**KI_OBJECT, "admin": 200},  # the form again
    # Events: public pages (the sample is Kreis Soest's published meeting, school A registered); the private feed's
    # sample token is unknown; the subscription page is the coordinators' (without an action: the page again).
    ("GET", "/veranstaltungen/"): {ALL: 200},
    ("GET", "/veranstaltungen/archiv"): {ALL: 200},
    ("GET", "/veranstaltungen/<int:event_id>"): {ALL: 200},
    ("GET", "/veranstaltungen/<int:event_id>.ics"): {ALL: 200},
    ("GET", "/veranstaltungen/feed.ics"): {ALL: 200},
    ("GET", "/kalender/<token>.ics"): {ALL: 404},
    ("GET", "/konto/kalender"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 403},
    ("POST", "/konto/kalender"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 403},
    # Events, the staff's side: participants, exports, sign-in sheet, a message to the schools, attendance.
    ("GET", "/koordination/veranstaltungen/<int:event_id>/teilnehmende"): EVENT_OF_SOEST,
    ("GET", "/koordination/veranstaltungen/<int:event_id>/teilnehmende.<any(csv, xlsx):fmt>"): EVENT_OF_SOEST,
    ("GET", "/koordination/veranstaltungen/<int:event_id>/unterschriften.pdf"): EVENT_OF_SOEST,
    ("GET", "/koordination/veranstaltungen/<int:event_id>/nachricht"): EVENT_OF_SOEST,
    ("POST", "/koordination/veranstaltungen/<int:event_id>/nachricht"): {**EVENT_OF_SOEST, "ki": DONE},
    # The sample event has not begun: attendance is refused with a message.
    ("POST", "/koordination/veranstaltungen/<int:event_id>/anwesenheit"): {**EVENT_OF_SOEST, "ki": REFUSED_REDIRECT},
    # School A changes its registration, school B registers (empty forms: shown again); nobody else has a school.
    ("GET", "/veranstaltungen/<int:event_id>/anmelden"): EVENT_REGISTRATION,
    ("POST", "/veranstaltungen/<int:event_id>/anmelden"): EVENT_REGISTRATION,
    ("POST", "/veranstaltungen/<int:event_id>/abmelden"): {**EVENT_REGISTRATION, "coord_a": DONE, "coord_b": 404},
    # Staff's events: regional staff their regions', Land staff their Land's; another's event is not found.
    ("GET", "/koordination/veranstaltungen/"): EVENT_STAFF,
    ("GET", "/koordination/veranstaltungen/neu"): EVENT_STAFF,
    ("POST", "/koordination/veranstaltungen/neu"): EVENT_STAFF,  # empty: the form again
    ("GET", "/koordination/veranstaltungen/<int:event_id>/bearbeiten"): EVENT_OF_SOEST,
    ("POST", "/koordination/veranstaltungen/<int:event_id>/bearbeiten"): EVENT_OF_SOEST,  # empty: the form again
    ("POST", "/koordination/veranstaltungen/<int:event_id>/veroeffentlichen"): {**EVENT_OF_SOEST, "ki": 302},  # already
    ("GET", "/koordination/veranstaltungen/<int:event_id>/absagen"): EVENT_OF_SOEST,
    ("POST", "/koordination/veranstaltungen/<int:event_id>/absagen"): EVENT_OF_SOEST,  # no reason: the form again
    # Cooperation partners – part A: the public offer list, offer page, partner list and partner page (the samples are
    # Kreis Soest's partner and its published offer). The sample partner has no logo: not found for anyone (logos,
    # and offers and partners that are not public, per role: test_partners_public.py).
    ("GET", "/angebote/"): {ALL: 200},
    ("GET", "/angebote/<int:offer_id>"): {ALL: 200},
    ("GET", "/angebote/partner/"): {ALL: 200},
    ("GET", "/angebote/partner/<int:partner_id>"): {ALL: 200},
    ("GET", "/angebote/partner/<int:partner_id>/logo"): {ALL: 404},
    # Cooperation partners – part B: the staff's partner pages (the sample partner and offer are Kreis Soest's: staff
    # of another region do not find them; empty forms are shown again) and the partner's own area (``partner`` keeps
    # the sample partner). Nothing waits for review in the samples, and the partner is not archived.
    ("GET", "/koordination/partner/"): KI_LIST,
    ("GET", "/koordination/partner/neu"): KI_LIST,
    ("POST", "/koordination/partner/neu"): KI_LIST,
    ("GET", "/koordination/partner/<int:partner_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/<int:partner_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/<int:partner_id>/archivieren"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/partner/<int:partner_id>/reaktivieren"): {**KI_OBJECT, "ki": 302},
    ("GET", "/koordination/partner/<int:partner_id>/angebote/neu"): KI_OBJECT,
    ("POST", "/koordination/partner/<int:partner_id>/angebote/neu"): KI_OBJECT,
    ("GET", "/koordination/partner/angebote/<int:offer_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/angebote/<int:offer_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/angebote/<int:offer_id>/archivieren"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/partner/<int:partner_id>/einladen"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/partner/<int:partner_id>/konten/<int:user_id>/entfernen"): {**KI_OBJECT, "ki": DONE},
    ("GET", "/koordination/partner/pruefung/<int:partner_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/pruefung/<int:partner_id>"): {**KI_OBJECT, "ki": 302},
    ("GET", "/koordination/partner/pruefung/angebote/<int:offer_id>"): KI_OBJECT,
    ("POST", "/koordination/partner/pruefung/angebote/<int:offer_id>"): {**KI_OBJECT, "ki": 302},
    ("GET", "/partnerbereich/"): PARTNER_AREA,
    ("GET", "/partnerbereich/profil/<int:partner_id>"): PARTNER_AREA,
    ("POST", "/partnerbereich/profil/<int:partner_id>"): PARTNER_AREA,
    ("GET", "/partnerbereich/angebote/neu"): PARTNER_AREA,
    ("POST", "/partnerbereich/angebote/neu"): PARTNER_AREA,
    ("GET", "/partnerbereich/angebote/<int:offer_id>"): PARTNER_AREA,
    ("POST", "/partnerbereich/angebote/<int:offer_id>"): PARTNER_AREA,
    # Cooperation partners – part C: requests for offers. The sample is school A's open request to Kreis Soest's
    # partner (whose account is ``partner``) for its published offer. Coordinators of a school the partner serves
    # ask (school A's second request for the same offer is refused: the form again; school B's goes through); the
    # request is seen by school A's coordination, Kreis Soest's staff and the partner's account, and by nobody else.
    ("GET", "/angebote/<int:offer_id>/anfragen"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 403},
    ("POST", "/angebote/<int:offer_id>/anfragen"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": DONE, ALL: 403},
    ("GET", "/anfragen/"): {"anonymous": LOGIN, "coord_a": 200, "coord_b": 200, ALL: 403},
    ("GET", "/anfragen/<int:request_id>"): {"anonymous": LOGIN, "coord_a": 200, "ki": 200, "partner": 200, ALL: 404},
    # The partner answers, Kreis Soest's staff on its behalf; school A's coordination may read, not answer.
    ("POST", "/anfragen/<int:request_id>/antworten"): {
        "anonymous": LOGIN,
        "coord_a": 403,
        "ki": DONE,
        "partner": DONE,
        ALL: 404,
    },
    # Not accepted yet: refused with a message to everyone who sees it.
    ("POST", "/anfragen/<int:request_id>/durchgefuehrt"): {
        "anonymous": LOGIN,
        "coord_a": REFUSED_REDIRECT,
        "ki": REFUSED_REDIRECT,
        "partner": REFUSED_REDIRECT,
        ALL: 404,
    },
    ("POST", "/anfragen/<int:request_id>/zurueckziehen"): {
        "anonymous": LOGIN,
        "coord_a": DONE,
        "ki": 403,
        "partner": 403,
        ALL: 404,
    },
    # Not carried out yet: back to the request with a message; a partner never writes a school's report.
    ("GET", "/anfragen/<int:request_id>/bericht"): {
        "anonymous": LOGIN,
        "coord_a": 302,
        "ki": 302,
        "partner": 403,
        ALL: 404,
    },
    ("GET", "/partnerbereich/anfragen"): {"anonymous": LOGIN, "partner": 200, ALL: 403},
    ("GET", "/koordination/anfragen/"): KI_LIST,
    ("GET", "/koordination/anfragen/export.<any(csv, xlsx):fmt>"): KI_LIST,
    # Open data API: public reading, the same answer for every role (it reads no session). The samples of the object
    # routes are private (school_id: a pending registration, activity_id: a draft, material_id: a material in
    # review): not found, also for their school and the KI; the region and the published event are public.
    ("GET", "/api/"): {ALL: 200},
    ("GET", "/api/v1/openapi.json"): {ALL: 200},
    ("GET", "/api/v1/regions"): {ALL: 200},
    ("GET", "/api/v1/regions/<int:region_id>"): {ALL: 200},
    ("GET", "/api/v1/schools"): {ALL: 200},
    ("GET", "/api/v1/schools/<int:school_id>"): {ALL: 404},
    ("GET", "/api/v1/activities"): {ALL: 200},
    ("GET", "/api/v1/activities/<int:activity_id>"): {ALL: 404},
    ("GET", "/api/v1/materials"): {ALL: 200},
    ("GET", "/api/v1/materials/<int:material_id>"): {ALL: 404},
    ("GET", "/api/v1/events"): {ALL: 200},
    ("GET", "/api/v1/events/<int:event_id>"): {ALL: 200},
    ("GET", "/api/v1/offers"): {ALL: 200},
    ("GET", "/api/v1/offers/<int:offer_id>"): {ALL: 200},
}


def url_values(users) -> dict[str, object]:
    """Sample values for URL arguments: objects that belong to school A / coordinator A where it matters."""
    from .factories import default_region

    return {
        "filename": "css/site.css",
        "token": "kein-gueltiger-token",
        "user_id": users["coord_b"].id,
        "slug": users["school_a"].slug,
        "school_id": users["school_pending"].id,
        "variant": "vorschau",
        "fmt": "xlsx",
        "lang": "en",
        "region_id": default_region().id,
    }


def sample_values(users, samples, file: str = "file") -> dict[str, object]:
    """URL values with the default sample objects (school A's draft, material in review, …) for every route.

    ``file`` names the sample file: suites that may delete it pass "removable_file".
    """
    return {
        **url_values(users),
        "activity_id": samples["draft"].id,
        "file_id": samples[file].id,
        "material_id": samples["material"].id,
        "report_id": samples["report"].id,
        "mail_id": samples["mail"].id,
        "invitation_id": samples["invitation"].id,
        "event_id": samples["event"].id,
        "partner_id": samples["partner"].id,
        "offer_id": samples["offer"].id,
        "request_id": samples["offer_request"].id,
    }


def overrides_for(rule: str, users, samples) -> dict:
    """Destructive routes get objects of their own, so that later requests still find the sample objects."""
    if rule.startswith("/regionen/<"):
        return {"slug": "kreis-soest"}
    if rule.startswith("/schulen/") and "entfernen" in rule:
        return {"user_id": users["coord_a"].id}
    if rule.startswith("/verwaltung/regionen/") and rule.endswith("/entfernen"):
        return {"user_id": users["ki"].id}
    if rule.endswith("/loeschen"):
        return {"activity_id": samples["doomed"].id}
    if rule.endswith("/konten/<int:user_id>/entfernen"):  # an account of the sample partner that may go
        from .factories import partner_account

        return {"user_id": partner_account(samples["partner"]).id}
    if rule.endswith("/entfernen"):
        return {"file_id": samples["removable_file"].id}
    return {}


@pytest.fixture
def samples(users, db, app):
    """School A's objects: a draft report with two files and a second draft to delete, a material in review with a
    problem report, an open invitation; and a failed mail of Kreis Soest."""
    return sample_objects(db, users["school_a"], users["coord_a"], mail_to="kaputt@example.org")


def sample_objects(db, school, coordinator, mail_to: str) -> dict:
    """The sample objects of one school and its coordinator (and a failed mail of the school's region)."""
    import uuid

    from courage_hub.activities.models import ActivityFile, ActivityState
    from courage_hub.core.uploads import upload_root

    from .factories import ActivityFactory

    draft = ActivityFactory(school=school, state=ActivityState.DRAFT, published_at=None)
    doomed = ActivityFactory(school=school, state=ActivityState.DRAFT, published_at=None)
    files = []
    for n in range(2):
        name = uuid.uuid4().hex + ".pdf"
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
    return {
        "draft": draft,
        "doomed": doomed,
        "file": files[0],
        "removable_file": files[1],
        "mail": _sample_failed_mail(db, school.region_id, mail_to),
        "invitation": _sample_invitation(db, school, coordinator),
        **_sample_material(db, school, coordinator),
        **_sample_event(db, school),
        **_sample_offer(db, school),
    }


def _sample_offer(db, school) -> dict:
    """The cooperation partner kept by ``school``'s region (it has a partner account, see ``users``), a published
    offer of it, and ``school``'s open request for that offer."""
    from sqlalchemy import select

    from courage_hub.partners.models import Partner

    from .factories import OfferFactory, OfferRequestFactory

    partner = db.session.scalars(
        select(Partner).where(Partner.region_id == school.region_id).order_by(Partner.id)
    ).first()
    offer = OfferFactory(partner=partner, title=f"Workshop von {partner.name}")
    request = OfferRequestFactory(offer=offer, school=school)
    return {"partner": partner, "offer": offer, "offer_request": request}


def _sample_event(db, school) -> dict:
    """A published event of ``school``'s region with the school's confirmed registration."""
    from courage_hub.regions.models import Region

    from .factories import EventFactory, EventRegistrationFactory

    region = db.session.get(Region, school.region_id)
    event = EventFactory(
        region=region, title=f"Regionaltreffen {region.area}", place_name=f"Forum {school.municipality}"
    )
    registration = EventRegistrationFactory(event=event, school=school)
    return {"event": event, "event_registration": registration}


def _sample_invitation(db, school, coordinator):
    """An open invitation to coordinate ``school``."""
    import secrets
    from datetime import timedelta

    from courage_hub.core.db import utcnow
    from courage_hub.schools.models import SchoolInvitation

    invitation = SchoolInvitation(
        school_id=school.id,
        email=f"eingeladen-{school.id}@schule.example",
        token_hash=secrets.token_hex(32),
        invited_by_id=coordinator.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _sample_failed_mail(db, region_id: int, to: str):
    from courage_hub.core.models import OutboxMail, OutboxStatus

    mail = OutboxMail(to_addr=to, subject="Test", body="Hallo", status=OutboxStatus.FAILED, region_id=region_id)
    db.session.add(mail)
    db.session.commit()
    return mail


def _sample_material(db, school, author) -> dict:
    """``school``'s material in review with a file and a preview, shared by ``author``, with a problem report."""
    import uuid

    from courage_hub.core.uploads import upload_root
    from courage_hub.materials.models import MaterialReport, MaterialState

    from .factories import MaterialFactory

    stem = uuid.uuid4().hex
    for name in (stem + ".pdf", stem + ".webp"):
        (upload_root() / name).write_bytes(b"%PDF-1.4 test" if name.endswith(".pdf") else b"RIFF0000WEBP")
    material = MaterialFactory(
        school=school,
        author_id=author.id,
        state=MaterialState.REVIEW,
        published_at=None,
        link_url=None,
        storage_name=stem + ".pdf",
        preview_name=stem + ".webp",
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


# --- outcomes ----------------------------------------------------------------------------------------------------

# Valid input for the routes with a small form, so that a permitted role really acts and a refused one really tries.
FORM_DATA: dict[str, dict[str, str]] = {
    "schools.change_status": {"status": "antrag_gestellt", "note": "Urkunde noch nicht da"},  # one step back
    "schools.contact_flag": {"flagged": "1", "reason": "Seit zwei Jahren kein Bericht"},
    "schools.contact_coordination": {"subject": "Frage zum Aktionstag", "message": "Wer kann uns beraten?"},
    "coordination.add_note": {"text": "Rueckruf vereinbart"},
    "event_participants.message": {"subject": "Raumaenderung", "text": "Wir treffen uns in Raum 2.14."},
    "coordination.region_settings": {"contact_phone": "02921 30-0", "contact_deadline": "04-15"},
    "coordination.reject": {"reason": "Diese Schule liegt nicht im Kreis."},
    "activities.unpublish": {"reason": "Ein Foto ohne Einwilligung"},
    "materials.report_problem": {"reason": "broken_link", "text": "Der Link geht ins Leere"},
    "material_review.review": {"decision": "reject", "reason": "Bitte die Quelle nennen"},
    "material_review.hide": {"reason": "Der Link geht ins Leere"},
    "material_review.resolve": {"resolution": "Geprueft"},
    "partner_staff.invite": {"invite-name": "Neue Kontaktperson", "invite-email": "kontakt@partner.example"},
    "partner_staff.review_partner": {"decision": "approve"},
    "partner_staff.review_offer": {"decision": "approve"},
}
FORM_DATA["offer_requests.new"] = {"preferred_dates": "Im Maerz", "group_size": "25", "grade": "9"}
FORM_DATA["offer_requests.answer"] = {"decision": "accept", "note": "Gern", "version": "1"}
FORM_DATA["offer_requests.mark_done"] = {"version": "1"}
FORM_DATA["offer_requests.withdraw"] = {"version": "1"}
# Tables that change without an action on purpose: failed sign-ins and hits are counted for throttling.
IGNORED_TABLES = {"throttle_events"}
SUCCESS_CATEGORIES = {"success"}
ERROR_CATEGORIES = {"error", "warning"}
# Routes that destroy their object get a fresh copy of the sample for every request.
DESTRUCTIVE_ENDPOINTS = {"activities.delete", "activities.remove_file"}


def snapshot(app) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of all rows per table, and the stored files (uploads and delivered mails)."""
    import hashlib
    from pathlib import Path

    from sqlalchemy import select

    from courage_hub.extensions import db

    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in IGNORED_TABLES:
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    files = sorted(
        (str(p.relative_to(app.instance_path)), p.stat().st_size)
        for p in Path(app.instance_path).rglob("*")
        if p.is_file()
    )
    state["files"] = (len(files), hashlib.sha256(repr(files).encode()).hexdigest())
    return state


def changed_parts(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def take_flashes(client) -> set[str]:
    """The categories of the messages waiting for the next page (and forget them)."""
    with client.session_transaction() as session:
        return {category for category, _message in session.pop("_flashes", [])}


def judge_post(response, want, before: dict, after: dict, flashes: set[str]) -> str | None:
    """Why the response and its effect do not fit the expected outcome, or None."""
    if not matches(response, want):
        return f"expected {want!r}, got {response.status_code}"
    changed = changed_parts(before, after)
    if want is DONE:
        if not changed:
            return "DONE expected, but nothing changed"
        if not flashes & SUCCESS_CATEGORIES or flashes & ERROR_CATEGORIES:
            return f"DONE expected, but the messages were {sorted(flashes)}"
        return None
    if changed:
        return f"{want!r} expected, so nothing may change; changed: {changed}"
    if want is REFUSED_REDIRECT and (not flashes & ERROR_CATEGORIES or flashes & SUCCESS_CATEGORIES):
        return f"a refusal with an error message expected, got messages {sorted(flashes)}"
    return None


def judge_page(response, role: str, shows: str | None, secrets: dict[str, set[str]]) -> str | None:
    """A page that answers 200 shows its object and no title that this role may not see."""
    if response.status_code != 200 or not response.mimetype.startswith(("text/", "application/")):
        return None
    if response.mimetype in ("application/pdf", "application/octet-stream") or "spreadsheet" in response.mimetype:
        return None
    body = response.get_data(as_text=True)
    if shows is not None and response.mimetype in ("text/html", "application/ld+json") and shows not in body:
        return f"answers 200 but does not show “{shows}”"
    leaked = sorted(title for title, allowed in secrets.items() if role not in allowed and title in body)
    return f"shows what {role} may not see: {leaked}" if leaked else None


# --- samples of both schools -------------------------------------------------------------------------------------

PUBLIC = {ALL: 200}
EDIT_OF_A = {"anonymous": LOGIN, "coord_a": 200, "ki": 200, ALL: 403}


def mirrored(entry: dict) -> dict:
    """The same expectations for school B: coordinators A and B swap places."""
    swap = {"coord_a": "coord_b", "coord_b": "coord_a"}
    return {swap.get(role, role): want for role, want in entry.items()}


PUBLISHED_REPORT_OF_A: dict[tuple[str, str], dict] = {
    ("GET", "/aktivitaeten/<int:activity_id>"): PUBLIC,
    ("GET", "/aktivitaeten/dateien/<int:file_id>"): PUBLIC,
    ("GET", "/aktivitaeten/dateien/<int:file_id>/<variant>"): PUBLIC,
    ("GET", "/aktivitaeten/<int:activity_id>/bearbeiten"): EDIT_OF_A,
    ("POST", "/aktivitaeten/<int:activity_id>/bearbeiten"): EDIT_OF_A,  # no fields: the form again
    ("GET", "/aktivitaeten/<int:activity_id>/loeschen"): EDIT_OF_A,
    ("POST", "/aktivitaeten/<int:activity_id>/loeschen"): {**EDIT_OF_A, "coord_a": DONE, "ki": DONE},
    ("POST", "/aktivitaeten/<int:activity_id>/veroeffentlichen"): {**EDIT_OF_A, "coord_a": 302, "ki": 302},  # already
    ("POST", "/aktivitaeten/<int:activity_id>/dateien/<int:file_id>/entfernen"): {
        **EDIT_OF_A,
        "coord_a": DONE,
        "ki": DONE,
    },
    # A public report: staff of another region see it, but may not take it offline.
    ("GET", "/aktivitaeten/<int:activity_id>/sperren"): KI_ONLY,
    ("POST", "/aktivitaeten/<int:activity_id>/sperren"): {**KI_ONLY, "ki": DONE},
    ("GET", "/api/v1/activities/<int:activity_id>"): PUBLIC,
}
APPROVED_MATERIAL_OF_A: dict[tuple[str, str], dict] = {
    ("GET", "/materialien/<int:material_id>"): PUBLIC,
    ("GET", "/materialien/<int:material_id>.jsonld"): PUBLIC,
    ("GET", "/materialien/<int:material_id>/datei"): PUBLIC,
    ("GET", "/materialien/<int:material_id>/vorschau"): PUBLIC,
    ("GET", "/materialien/<int:material_id>/problem"): PUBLIC,
    ("POST", "/materialien/<int:material_id>/problem"): {ALL: DONE},
    ("GET", "/materialien/<int:material_id>/bearbeiten"): EDIT_OF_A,
    ("POST", "/materialien/<int:material_id>/bearbeiten"): EDIT_OF_A,  # no fields: the form again
    ("POST", "/materialien/<int:material_id>/zurueckziehen"): {**EDIT_OF_A, "coord_a": DONE, "ki": DONE},
    ("POST", "/materialien/<int:material_id>/erneut-einreichen"): {**EDIT_OF_A, "coord_a": 302, "ki": 302},  # public
    ("GET", "/koordination/pruefung/<int:material_id>"): KI_OBJECT,
    ("POST", "/koordination/pruefung/<int:material_id>"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/pruefung/<int:material_id>/ausblenden"): {**KI_OBJECT, "ki": DONE},
    ("POST", "/koordination/pruefung/<int:material_id>/einblenden"): {**KI_OBJECT, "ki": 404},  # not hidden
    ("GET", "/api/v1/materials/<int:material_id>"): PUBLIC,
}


def _object_entries(argument: str) -> dict[tuple[str, str], dict]:
    """The default (school A's unpublished) sample's entries of the routes that take ``argument``."""
    return {key: entry for key, entry in MATRIX.items() if f"<int:{argument}>" in key[1]}


# Variant → (its expectations per route, the samples' keys for the URL arguments).
VARIANTS: dict[str, tuple[dict[tuple[str, str], dict], dict[str, str]]] = {
    "published report of A": (PUBLISHED_REPORT_OF_A, {"activity_id": "published_a", "file_id": "published_a_file"}),
    "published report of B": (
        {key: mirrored(entry) for key, entry in PUBLISHED_REPORT_OF_A.items()},
        {"activity_id": "published_b", "file_id": "published_b_file"},
    ),
    "draft of B": (
        {
            key: mirrored(entry)
            for key, entry in {**_object_entries("activity_id"), **_object_entries("file_id")}.items()
        },
        {"activity_id": "draft_b", "file_id": "draft_b_file"},
    ),
    "approved material of A": (APPROVED_MATERIAL_OF_A, {"material_id": "material_published_a"}),
    "approved material of B": (
        {key: mirrored(entry) for key, entry in APPROVED_MATERIAL_OF_A.items()},
        {"material_id": "material_published_b"},
    ),
    "material in review of B": (
        {key: mirrored(entry) for key, entry in _object_entries("material_id").items()},
        {"material_id": "material_review_b"},
    ),
}


def make_report(school, state, title: str):
    """A report of ``school`` in ``state`` with one PDF attachment; returns the report and the file."""
    import uuid

    from courage_hub.activities.models import ActivityFile, ActivityState
    from courage_hub.core.db import utcnow
    from courage_hub.core.uploads import upload_root
    from courage_hub.extensions import db

    from .factories import ActivityFactory

    published = state == ActivityState.PUBLISHED
    activity = ActivityFactory(school=school, state=state, published_at=utcnow() if published else None, title=title)
    name = uuid.uuid4().hex + ".pdf"
    (upload_root() / name).write_bytes(b"%PDF-1.4 test")
    row = ActivityFile(
        activity_id=activity.id,
        kind="attachment",
        storage_name=name,
        original_name="plan.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    db.session.add(row)
    db.session.commit()
    return activity, row


def make_material(school, author, state, title: str):
    """A material of ``school`` by ``author`` in ``state`` with a stored PDF and a preview image."""
    import uuid

    from courage_hub.core.db import utcnow
    from courage_hub.core.uploads import upload_root
    from courage_hub.materials.models import MaterialState

    from .factories import MaterialFactory

    stem = uuid.uuid4().hex
    (upload_root() / f"{stem}.pdf").write_bytes(b"%PDF-1.4 test")
    (upload_root() / f"{stem}.webp").write_bytes(b"RIFF0000WEBP")
    return MaterialFactory(
        school=school,
        author_id=author.id,
        title=title,
        state=state,
        published_at=utcnow() if state == MaterialState.PUBLISHED else None,
        link_url=None,
        storage_name=f"{stem}.pdf",
        preview_name=f"{stem}.webp",
        original_name="blatt.pdf",
        content_type="application/pdf",
        size=13,
    )


@pytest.fixture
def both_schools_samples(users, samples, db) -> dict:
    """``samples`` plus published and unpublished reports and materials of both schools, with distinct titles.

    ``secrets`` maps each unpublished object's title to the roles that may see it.
    """
    from courage_hub.activities.models import Activity, ActivityState
    from courage_hub.materials.models import Material, MaterialState

    a, b = users["school_a"], users["school_b"]
    extra = {}
    for key, school, state, title in (
        ("published_a", a, ActivityState.PUBLISHED, "Bericht Lindenhof oeffentlich"),
        ("published_b", b, ActivityState.PUBLISHED, "Bericht am Wall oeffentlich"),
        ("draft_b", b, ActivityState.DRAFT, "Entwurf am Wall geheim"),
    ):
        extra[key], extra[f"{key}_file"] = make_report(school, state, title)
    for key, school, author, state, title in (
        ("material_published_a", a, users["coord_a"], MaterialState.PUBLISHED, "Blatt Lindenhof oeffentlich"),
        ("material_published_b", b, users["coord_b"], MaterialState.PUBLISHED, "Blatt am Wall oeffentlich"),
        ("material_review_b", b, users["coord_b"], MaterialState.REVIEW, "Blatt am Wall in Pruefung"),
    ):
        extra[key] = make_material(school, author, state, title)
    db.session.get(Activity, samples["draft"].id).title = "Entwurf Lindenhof geheim"
    db.session.get(Material, samples["material"].id).title = "Blatt Lindenhof in Pruefung"
    db.session.commit()
    secrets = {
        "Entwurf Lindenhof geheim": {"coord_a", "ki"},
        "Blatt Lindenhof in Pruefung": {"coord_a", "ki"},
        "Entwurf am Wall geheim": {"coord_b", "ki"},
        "Blatt am Wall in Pruefung": {"coord_b", "ki"},
    }
    return {**samples, **extra, "secrets": secrets}


def reset_samples(all_samples: dict, users) -> None:
    """Put every sample back into its first state after an action changed one, so later requests see the same world."""
    from sqlalchemy import select, update

    from courage_hub.activities.models import Activity, ActivityState
    from courage_hub.events.models import EventRegistration, RegistrationStatus
    from courage_hub.extensions import db
    from courage_hub.materials.models import Material, MaterialReport, MaterialState
    from courage_hub.partners.models import Offer, OfferState, Partner
    from courage_hub.schools.models import Approval, Membership, School, SchoolInvitation, SchoolStatus

    for key in ("draft", "draft_b"):
        db.session.execute(
            update(Activity)
            .where(Activity.id == all_samples[key].id)
            .values(state=ActivityState.DRAFT, moderation_reason="")
        )
    for key in ("published_a", "published_b"):
        db.session.execute(
            update(Activity)
            .where(Activity.id == all_samples[key].id)
            .values(state=ActivityState.PUBLISHED, moderation_reason="")
        )
    for key, state in (
        ("material", MaterialState.REVIEW),
        ("material_review_b", MaterialState.REVIEW),
        ("material_published_a", MaterialState.PUBLISHED),
        ("material_published_b", MaterialState.PUBLISHED),
    ):
        db.session.execute(
            update(Material).where(Material.id == all_samples[key].id).values(state=state, review_reason="")
        )
    db.session.execute(
        update(MaterialReport)
        .where(MaterialReport.id == all_samples["report"].id)
        .values(resolved_at=None, resolved_by_id=None, resolution="")
    )
    db.session.execute(update(School).where(School.id == users["school_a"].id).values(status=SchoolStatus.AUFGENOMMEN))
    if not db.session.scalar(
        select(Membership).where(
            Membership.user_id == users["coord_a"].id, Membership.school_id == users["school_a"].id
        )
    ):
        db.session.add(Membership(user_id=users["coord_a"].id, school_id=users["school_a"].id))
    db.session.execute(update(School).where(School.id == users["school_pending"].id).values(approval=Approval.PENDING))
    db.session.execute(
        update(EventRegistration)
        .where(EventRegistration.id == all_samples["event_registration"].id)
        .values(status=RegistrationStatus.CONFIRMED, cancelled_at=None)
    )
    db.session.execute(
        update(SchoolInvitation)
        .where(SchoolInvitation.id == all_samples["invitation"].id)
        .values(used_at=None, withdrawn_at=None)
    )
    # The sample partner listed and its offer published (archived by part B's actions).
    db.session.execute(update(Partner).where(Partner.id == all_samples["partner"].id).values(archived_at=None))
    db.session.execute(update(Offer).where(Offer.id == all_samples["offer"].id).values(state=OfferState.PUBLISHED))
    reset_offer_request(all_samples)
    db.session.commit()


def reset_offer_request(all_samples: dict) -> None:
    """School A's request open and unanswered again (version 1), and no other request."""
    from sqlalchemy import delete, update

    from courage_hub.extensions import db
    from courage_hub.partners.models import OfferRequest, RequestStatus

    sample = all_samples["offer_request"].id
    db.session.execute(delete(OfferRequest).where(OfferRequest.id != sample))
    db.session.execute(
        update(OfferRequest)
        .where(OfferRequest.id == sample)
        .values(
            status=RequestStatus.REQUESTED,
            version=1,
            response_note="",
            answered_at=None,
            answered_by_id=None,
            done_at=None,
            activity_id=None,
        )
    )


def fresh_copy(values: dict, all_samples: dict) -> dict:
    """For a destructive route: a new report like the one in ``values`` (same school and state), with its file."""
    from courage_hub.activities.models import Activity
    from courage_hub.extensions import db
    from courage_hub.schools.models import School

    template = db.session.get(Activity, values["activity_id"])
    school = db.session.get(School, template.school_id)
    activity, row = make_report(school, template.state, "Bericht zum Loeschen")
    return {"activity_id": activity.id, "file_id": row.id}


def requests_for(app, users, all_samples):
    """(variant, rule, method, expectations per role, URL values): every route, then the object routes per variant."""
    default = {
        **url_values(users),
        "activity_id": all_samples["draft"].id,
        "file_id": all_samples["file"].id,
        "material_id": all_samples["material"].id,
        "report_id": all_samples["report"].id,
        "mail_id": all_samples["mail"].id,
        "invitation_id": all_samples["invitation"].id,
        "event_id": all_samples["event"].id,
        "partner_id": all_samples["partner"].id,
        "offer_id": all_samples["offer"].id,
        "request_id": all_samples["offer_request"].id,
    }
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield "school A's unpublished sample", rule, method, MATRIX[(method, rule.rule)], default
    for variant, (entries, keys) in VARIANTS.items():
        values = {**default, **{name: all_samples[key].id for name, key in keys.items()}}
        for rule in rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if (method, rule.rule) in entries:
                    yield variant, rule, method, entries[(method, rule.rule)], values


def test_every_object_route_has_an_expectation_for_every_sample(app):
    """A new route that takes a report, a file or a material must say what happens with each sample."""
    for variant, (entries, keys) in VARIANTS.items():
        object_routes = {key for key in route_keys(app) if any(f"<int:{name}>" in key[1] for name in keys)}
        missing = object_routes - set(entries)
        assert not missing, f"{variant}: no expectation for {sorted(missing)}"


# Pages about one report or material: when they answer 200, they show its title.
ACTIVITY_PAGES = {"activities.detail", "activities.edit", "activities.delete", "activities.unpublish"}
MATERIAL_PAGES = {"materials.detail", "materials.jsonld", "materials.edit", "materials.report_problem"}
MATERIAL_PAGES |= {"material_review.review"}


def title_shown(endpoint: str, values: dict) -> str | None:
    """The title an object page must show when it answers 200."""
    from courage_hub.activities.models import Activity
    from courage_hub.extensions import db
    from courage_hub.materials.models import Material

    if endpoint in ACTIVITY_PAGES:
        return db.session.get(Activity, values["activity_id"]).title
    if endpoint in MATERIAL_PAGES:
        return db.session.get(Material, values["material_id"]).title
    if endpoint == "offers.detail":
        from courage_hub.partners.models import Offer

        return db.session.get(Offer, values["offer_id"]).title
    if endpoint == "offers.partner":
        from courage_hub.partners.models import Partner

        return db.session.get(Partner, values["partner_id"]).name
    if endpoint == "events.detail":
        from courage_hub.events.models import Event

        return db.session.get(Event, values["event_id"]).title
    return None


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, users, both_schools_samples, login_as, role):
    """Every route × this role, against each sample: the status, the effect on rows and files, what the page shows."""
    all_samples = both_schools_samples
    client = login_as(role)
    token = csrf_token(client)
    failures = []
    for variant, rule, method, entry, values in requests_for(app, users, all_samples):
        want = entry.get(role, entry.get(ALL))
        args = {**values, **overrides_for(rule.rule, users, all_samples)}
        if rule.endpoint in DESTRUCTIVE_ENDPOINTS:
            args.update(fresh_copy(values, all_samples))
        path = rule.build({k: args[k] for k in rule.arguments})[1]
        where = f"{role} {method} {path} ({variant})"
        if method == "GET":
            response = client.get(path)
            problem = None if matches(response, want) else f"expected {want!r}, got {response.status_code}"
            problem = problem or judge_page(response, role, title_shown(rule.endpoint, args), all_samples["secrets"])
        else:
            if role == "anonymous":
                token = csrf_token(client)  # public pages keep no session, so the token is fetched anew
            take_flashes(client)
            before = snapshot(app)
            response = client.post(path, data={"csrf_token": token, **FORM_DATA.get(rule.endpoint, {})})
            after = snapshot(app)
            problem = judge_post(response, want, before, after, take_flashes(client))
            problem = problem or judge_page(response, role, None, all_samples["secrets"])
            if changed_parts(before, after):
                reset_samples(all_samples, users)
        if problem:
            failures.append(f"{where}: {problem}")
        if method == "POST" and rule.rule == "/abmelden" and role != "anonymous":
            client = login_as(role)
            token = csrf_token(client)
        if method == "POST" and rule.endpoint == "admin.set_account_active" and response.status_code == 302:
            # Reactivate the target so later requests in this loop see the same world.
            client.post(path, data={"csrf_token": token, "active": "1"})
            take_flashes(client)
    assert not failures, "\n".join(failures)


# --- own and other region ----------------------------------------------------------------------------------------

# Words that only Kreis Soest's data contain, and only Kreis Unna's: school names, towns, a mail address, titles.
SOEST_MARKERS = ("Lindenhof", "Gymnasium am Wall", "Realschule an der Aue", "Lippstadt", "kaputt@example.org")
UNNA_MARKERS = ("Königsborn", "Mühlbach", "Kamen", "postfach-unna@example.org")
SOEST_MARKERS += ("Gedenkstätte Möhnetal",)  # the cooperation partner each office keeps
UNNA_MARKERS += ("Theater Courage Unna",)
# A query that asks for Kreis Soest's data: its town, its schools for a reminder, the contact list.
HOSTILE_QUERY = "?gemeinde=Lippstadt&kontakt=1&schule={a}&schule={b}"


@pytest.fixture
def two_regions(users, both_schools_samples, db) -> dict:
    """The samples of Kreis Soest plus the same kinds of rows in Kreis Unna: school C's report of this year, its
    material in review, a failed mail, a contact flag and an audit entry in each region."""
    from courage_hub.activities.models import ActivityState
    from courage_hub.core import audit
    from courage_hub.materials.models import MaterialState

    from .factories import EventFactory, OfferFactory, OfferRequestFactory

    a, c = users["school_a"], users["school_c"]
    make_report(c, ActivityState.PUBLISHED, "Bericht Königsborn öffentlich")
    make_material(c, users["coord_c"], MaterialState.REVIEW, "Blatt Königsborn in Prüfung")
    _sample_failed_mail(db, c.region_id, "postfach-unna@example.org")
    EventFactory(region=users["region_unna"], title="Regionaltreffen Unna", place_name="Stadthalle Kamen")
    OfferRequestFactory(offer=OfferFactory(partner=users["partner_unna"]), school=c)  # Kreis Unna's own request
    for school, who in ((a, users["ki"]), (c, users["ki_unna"])):
        school.needs_contact, school.needs_contact_reason = True, "Seit langem nichts gehört"
        audit.record("school.approve", school, summary=school.name, user=who)
    db.session.commit()
    return both_schools_samples


def page_text(response) -> str:
    """What a page or download says: HTML and CSV as text, a PDF's extracted text; without the links back to the
    page itself (the language switch repeats the query the test wrote)."""
    import re

    if response.mimetype == "application/pdf":
        import io

        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return re.sub(r'next=[^"]*"', 'next="', response.get_data(as_text=True))


def staff_lists(role: str) -> list[str]:
    """The staff pages and downloads without an object in their URL that ``role`` may open (exports as CSV)."""
    rules = []
    for (method, rule), entry in sorted(MATRIX.items()):
        if method != "GET" or not rule.startswith(("/koordination", "/verwaltung/protokoll")):
            continue
        if rule in ("/koordination/region", "/koordination/veranstaltungen/neu", "/koordination/partner/neu"):  # forms
            continue
        if "<" in rule.replace("<any(csv, xlsx):fmt>", "") or entry.get(role, entry.get(ALL)) != 200:
            continue
        rules.append(rule.replace("<any(csv, xlsx):fmt>", "csv"))
    return rules


@pytest.mark.parametrize(
    ("role", "shows", "hides"),
    [
        ("ki", SOEST_MARKERS, UNNA_MARKERS),
        ("ki_unna", UNNA_MARKERS, SOEST_MARKERS),
        ("land_sn", (), SOEST_MARKERS + UNNA_MARKERS),  # a Land without regions: figures of nothing
    ],
)
def test_lists_of_the_other_region_show_nothing_of_kreis_soest(users, two_regions, login_as, role, shows, hides):
    """Every staff list, queue, export, report and log a role may open shows its own region's rows and none of
    another region's, even when the query names the other region's town and schools."""
    client = login_as(role)
    query = HOSTILE_QUERY.format(a=users["school_a"].id, b=users["school_b"].id)
    pages = staff_lists(role)
    assert len(pages) >= (4 if role == "land_sn" else 11), pages
    failures = []
    for path in pages:
        response = client.get(path + query)
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code}")
            continue
        text = page_text(response)
        leaked = [word for word in hides if word in text]
        if leaked:
            failures.append(f"{path} shows {leaked}")
        if shows and not any(word in text for word in shows):
            failures.append(f"{path} shows none of its own region's rows {shows}")
    assert not failures, "\n".join(failures)


# The mirror direction: Kreis Unna's objects, with Kreis Soest's staff (``ki``) as the outsider.
OBJECT_ARGUMENTS = ("<slug>", "<int:activity_id>", "<int:file_id>", "<int:material_id>", "<int:school_id>")
OBJECT_ARGUMENTS += ("<int:report_id>", "<int:mail_id>", "<int:invitation_id>", "<int:event_id>")
OBJECT_ARGUMENTS += ("<int:request_id>",)  # a school's request for a partner's offer
OUTSIDER = {"ki": "ki_unna", "ki_unna": "ki"}  # who plays whom in the mirror world


def object_routes() -> list[tuple[str, str]]:
    """Every route about one school, report, file, material, registration, problem report, mail or invitation."""
    return sorted(key for key in MATRIX if any(argument in key[1] for argument in OBJECT_ARGUMENTS))


@pytest.fixture
def unna_samples(users, samples, db) -> dict:
    """School C's objects (Kreis Unna), like school A's, plus a published report of C; beside Kreis Soest's."""
    from courage_hub.activities.models import ActivityState

    objects = sample_objects(db, users["school_c"], users["coord_c"], mail_to="postfach-unna@example.org")
    objects["published"], _file = make_report(users["school_c"], ActivityState.PUBLISHED, "Bericht Königsborn")
    return objects


@pytest.mark.parametrize("role", ["ki", "ki_unna"])
def test_kreis_unnas_objects_are_out_of_reach_of_kreis_soests_staff(app, users, unna_samples, login_as, role):
    """Mirror of the matrix: each object route with Kreis Unna's objects. Kreis Soest's staff get what Kreis Unna's
    staff get for Kreis Soest's objects (403/404, nothing changes); Kreis Unna's staff open every page that Kreis
    Soest's staff open for their own objects."""
    objects = unna_samples
    values = {
        **url_values(users),
        "slug": users["school_c"].slug,
        "school_id": users["school_pending_unna"].id,
        "activity_id": objects["draft"].id,
        "file_id": objects["file"].id,
        "material_id": objects["material"].id,
        "report_id": objects["report"].id,
        "mail_id": objects["mail"].id,
        "event_id": objects["event"].id,
        "invitation_id": objects["invitation"].id,
        "partner_id": objects["partner"].id,
        "offer_id": objects["offer"].id,
        "request_id": objects["offer_request"].id,
    }
    rules = {(method, rule.rule): rule for rule in app.url_map.iter_rules() for method in rule.methods}
    client = login_as(role)
    token = csrf_token(client)
    failures = []
    checked = 0
    for method, rule_text in object_routes():
        entry = MATRIX[(method, rule_text)]
        want = entry.get(OUTSIDER[role], entry.get(ALL))
        if role == "ki_unna" and method == "POST":
            continue  # their actions are the matrix's, with Kreis Soest's staff and objects
        rule = rules[(method, rule_text)]
        args = {**values, **overrides_for(rule_text, users, objects)}
        if rule_text.startswith("/schulen/") and "entfernen" in rule_text:
            args["user_id"] = users["coord_c"].id
        path = rule.build({k: args[k] for k in rule.arguments})[1]
        if method == "GET":
            response = client.get(path)
            problem = None if matches(response, want) else f"expected {want!r}, got {response.status_code}"
        else:
            take_flashes(client)
            before = snapshot(app)
            response = client.post(path, data={"csrf_token": token, **FORM_DATA.get(rule.endpoint, {})})
            problem = judge_post(response, want, before, snapshot(app), take_flashes(client))
        checked += 1
        if problem:
            failures.append(f"{role} {method} {path}: {problem}")
    # Taking Kreis Unna's public report offline, and writing a report for school C: refused to Kreis Soest's staff.
    for path in (
        f"/aktivitaeten/{objects['published'].id}/sperren",
        f"/aktivitaeten/neu?schule={users['school_c'].slug}",
    ):
        response = client.get(path)
        if response.status_code != (200 if role == "ki_unna" else 403):
            failures.append(f"{role} GET {path}: got {response.status_code}")
    assert checked >= (20 if role == "ki_unna" else 45), checked
    assert not failures, "\n".join(failures)


def test_reminders_silently_leave_out_schools_of_another_region(app, users, login_as):
    """A reminder names schools by id in the form: ids of another region's schools are dropped without a word, so
    neither their names nor their coordinators are shown, and no mail goes to them."""
    from sqlalchemy import func, select

    from courage_hub.coordination.models import ReminderDelivery
    from courage_hub.core.mail import outbox_messages
    from courage_hub.core.models import OutboxMail
    from courage_hub.extensions import db

    from .conftest import post_form

    a, c = users["school_a"], users["school_c"]
    client = login_as("ki")
    page = client.get(f"/koordination/erinnerungen?schule={c.id}&schule={a.id}").get_data(as_text=True)
    assert a.name in page and c.name not in page and users["coord_c"].name not in page

    form = {
        "kind": "obligation",
        "subject": "{schule}: Projekt {schuljahr}",
        "body": "Liebe {koordination},\nbitte melden Sie Ihr Projekt: {link}",
        "preview_school": str(c.id),
    }
    only_c = post_form(client, "/koordination/erinnerungen", {**form, "schule": [str(c.id)], "action": "preview"})
    text = only_c.get_data(as_text=True)
    assert only_c.status_code == 200 and "Bitte wählen Sie mindestens eine Schule aus." in text
    assert c.name not in text and users["coord_c"].name not in text

    both = post_form(client, "/koordination/erinnerungen", {**form, "schule": [str(c.id), str(a.id)], "action": "send"})
    assert both.status_code == 302
    assert set(db.session.scalars(select(ReminderDelivery.school_id))) == {a.id}
    assert set(db.session.scalars(select(OutboxMail.to_addr))) == {users["coord_a"].email}
    assert len(outbox_messages()) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.region_id != a.region_id)) == 0
    )
