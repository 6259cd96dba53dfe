"""Vocabularies of partners and offers.

Like the shared topics (core/vocab.py), the labels of kinds and formats are German in every interface language:
they are stored as they are and appear in filter URLs and exports. Audiences, places and costs are codes with
translated labels.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PARTNER_KINDS = (
    "Gedenkstätte/Erinnerungsort",
    "Politische Bildung",
    "Beratungsstelle",
    "Verein/Initiative",
    "Theater/Film/Medien",
    "Jugendarbeit",
    "Referent*in",
    "Sonstige",
)

FORMATS = (
    "Workshop",
    "Vortrag",
    "Ausstellung",
    "Projekttag",
    "Fortbildung für Lehrkräfte",
    "Theater/Film",
    "Gedenkstättenfahrt",
    "Sonstiges",
)

# Who an offer is for (codes stored; labels translated).
AUDIENCES = {
    "pupils": _l("Pupils"),
    "teachers": _l("Teachers"),
    "both": _l("Pupils and teachers"),
}

# Where it takes place; an offer may name several.
PLACES = {
    "school": _l("At the school"),
    "partner": _l("At the partner's"),
    "online": _l("Online"),
}

COSTS = {
    "free": _l("Free of charge"),
    "amount": _l("Fee"),
    "on_request": _l("Cost on request"),
}

GRADES = tuple(range(1, 14))  # school grades 1–13

LANGUAGES = ("Deutsch", "Englisch", "Türkisch", "Arabisch", "Ukrainisch", "Russisch", "Polnisch", "Leichte Sprache")
