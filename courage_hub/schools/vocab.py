"""Controlled vocabularies for schools (see the domain guide)."""

from __future__ import annotations

import os

SCHOOL_TYPES = (
    "Grundschule",
    "Hauptschule",
    "Realschule",
    "Sekundarschule",
    "Gesamtschule",
    "Gymnasium",
    "Förderschule",
    "Berufskolleg",
    "Weiterbildungskolleg",
    "Primus-Schule",
    "Freie Waldorfschule / Ersatzschule",
)

KREIS_MUNICIPALITIES = {
    "Kreis Soest": (
        "Anröchte",
        "Bad Sassendorf",
        "Ense",
        "Erwitte",
        "Geseke",
        "Lippetal",
        "Lippstadt",
        "Möhnesee",
        "Rüthen",
        "Soest",
        "Warstein",
        "Welver",
        "Werl",
        "Wickede (Ruhr)",
    ),
}


def municipalities(kreis: str) -> tuple[str, ...]:
    """The municipalities of ``kreis``; ``COURAGE_HUB_MUNICIPALITIES`` (comma-separated) sets them for another Kreis."""
    configured = os.environ.get("COURAGE_HUB_MUNICIPALITIES")
    if configured:
        return tuple(sorted(name.strip() for name in configured.split(",") if name.strip()))
    return KREIS_MUNICIPALITIES.get(kreis, KREIS_MUNICIPALITIES["Kreis Soest"])
