"""The 16 Länder (ISO 3166-2:DE codes) and the demo regions of the domain guide."""

from __future__ import annotations

LAENDER = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}
LAND_CHOICES = tuple(sorted(LAENDER.items(), key=lambda item: item[1]))


def land_name(code: str | None) -> str:
    return LAENDER.get(code or "", "")
