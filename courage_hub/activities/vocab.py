"""Activity types (German labels from the domain guide)."""

from __future__ import annotations

ACTIVITY_TYPES = (
    "Projekttag/Projektwoche",
    "Workshop",
    "Ausstellung",
    "Gedenkveranstaltung",
    "Courage-AG",
    "Fahrt/Exkursion",
    "Zeitzeugengespräch",
    "Theater/Kunst/Musik",
    "Wettbewerb",
    "Schulfest/Aktionstag",
    "Fortbildung",
    "Regionaltreffen",
    "Sonstiges",
)
# Types that usually count as the school year's project (the form's default); training and network meetings don't.
PROJECT_LIKE_TYPES = frozenset(ACTIVITY_TYPES) - {"Fortbildung", "Regionaltreffen", "Sonstiges"}
