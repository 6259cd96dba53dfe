"""The demo's regional offices: Kreis Soest (the first region), four more offices of the domain guide in NRW and
Sachsen, and for benchmarks as many generated offices as asked for, spread over the 16 Länder.

Idempotent: an office is found again by the area it covers, so running the demo again adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from .models import Region
from .services import create_region, ensure_default_region


@dataclass(frozen=True)
class DemoRegion:
    """An office of the demo, its public contact and how many schools it has in the five-region demo."""

    name: str
    area: str
    land: str
    municipalities: tuple[str, ...]
    postcode: str
    contact_address: str
    contact_email: str | None
    contact_phone: str
    opening_hours: str
    introduction: str
    schools: int = 0

    @property
    def public(self) -> dict[str, str | None]:
        """The fields of the office's public page."""
        return {
            "contact_address": self.contact_address,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "opening_hours": self.opening_hours,
            "introduction": self.introduction,
        }


# Kreis Soest is built from the settings (``ensure_default_region``); the demo adds its public page where it is
# still empty. Its e-mail address stays the installation's setting, so that messages reach the office as before.
SOEST_PUBLIC = {
    "contact_address": "Kommunales Integrationszentrum Kreis Soest\nHoher Weg 1–3\n59494 Soest",
    "contact_phone": "02921 30-0000",
    "opening_hours": "Montag bis Donnerstag 8:30–15:30 Uhr, Freitag 8:30–12:00 Uhr",
    "introduction": (
        "Das Kommunale Integrationszentrum begleitet seit 2018 die Schulen im Kreis Soest auf dem Weg zu "
        "„Schule ohne Rassismus – Schule mit Courage“: Wir beraten, vernetzen die Courage-AGs beim Regionaltreffen "
        "und überreichen bei der Aufnahmefeier Urkunde und Schild."
    ),
}

# The four other offices of the demo (domain guide, "Regions and Länder"); contacts are fictional.
DEMO_REGIONS = (
    DemoRegion(
        name="KI Kreis Unna",
        area="Kreis Unna",
        land="NW",
        municipalities=(
            "Bergkamen",
            "Bönen",
            "Fröndenberg/Ruhr",
            "Holzwickede",
            "Kamen",
            "Lünen",
            "Schwerte",
            "Selm",
            "Unna",
            "Werne",
        ),
        postcode="59423",
        contact_address="Kommunales Integrationszentrum Kreis Unna\nFriedrich-Ebert-Straße 17\n59425 Unna",
        contact_email="ki-unna@example.org",
        contact_phone="02303 27-0000",
        opening_hours="Montag bis Freitag 9–13 Uhr, Donnerstag zusätzlich 14–17 Uhr",
        introduction=(
            "Im Kreis Unna machen Schulen von Lünen bis Fröndenberg mit. Wir beraten Schulen, die Courage-Schule "
            "werden wollen, laden zweimal im Jahr zum Regionaltreffen ein und vermitteln Workshops mit unseren "
            "Kooperationspartnern."
        ),
        schools=12,
    ),
    DemoRegion(
        name="KI Hochsauerlandkreis",
        area="Hochsauerlandkreis",
        land="NW",
        municipalities=(
            "Arnsberg",
            "Bestwig",
            "Brilon",
            "Eslohe (Sauerland)",
            "Hallenberg",
            "Marsberg",
            "Medebach",
            "Meschede",
            "Olsberg",
            "Schmallenberg",
            "Sundern (Sauerland)",
            "Winterberg",
        ),
        postcode="59872",
        contact_address="Kommunales Integrationszentrum Hochsauerlandkreis\nSteinstraße 27\n59872 Meschede",
        contact_email="ki-hsk@example.org",
        contact_phone="0291 94-0000",
        opening_hours="Montag bis Donnerstag 8–16 Uhr, Freitag 8–12 Uhr",
        introduction=(
            "Lange Wege, kleine Schulen, viel Engagement: Wir bringen die Courage-Schulen zwischen Arnsberg und "
            "Winterberg zusammen – beim Markt der Möglichkeiten in Meschede und in Online-Treffen für die "
            "Courage-AGs."
        ),
        schools=14,
    ),
    DemoRegion(
        name="KI Stadt Hamm",
        area="Stadt Hamm",
        land="NW",
        municipalities=("Hamm",),
        postcode="59065",
        contact_address="Kommunales Integrationszentrum Hamm\nTheodor-Heuss-Platz 16\n59065 Hamm",
        contact_email="ki-hamm@example.org",
        contact_phone="02381 17-0000",
        opening_hours="Dienstag und Donnerstag 9–15 Uhr und nach Vereinbarung",
        introduction=(
            "Das Kommunale Integrationszentrum der Stadt Hamm begleitet die Courage-Schulen der Stadt, von der "
            "Grundschule bis zum Berufskolleg, und organisiert jedes Jahr im März die Aktionswochen gegen Rassismus."
        ),
        schools=9,
    ),
    DemoRegion(
        name="Koordinierungsstelle Leipzig",
        area="Stadt Leipzig",
        land="SN",
        municipalities=("Leipzig",),
        postcode="04109",
        contact_address="Koordinierungsstelle Leipzig\nSchule ohne Rassismus – Schule mit Courage\n"
        "Markt 11\n04109 Leipzig",
        contact_email="sor-leipzig@example.org",
        contact_phone="0341 123-0000",
        opening_hours="Montag bis Mittwoch 10–16 Uhr",
        introduction=(
            "Wir koordinieren das Netzwerk in Leipzig: Wir beraten Schulen auf dem Weg zum Titel, vermitteln "
            "Patinnen und Paten und laden zu Fortbildungen und zum Leipziger Courage-Tag ein."
        ),
        schools=10,
    ),
)
SOEST_POSTCODE = "59494"
DEMO_REGION_COUNT = 1 + len(DEMO_REGIONS)

# Generated offices go to the Länder roughly in proportion to their school networks (NRW has about a quarter).
LAND_WEIGHTS = {
    "NW": 24,
    "BY": 14,
    "BW": 12,
    "NI": 9,
    "HE": 7,
    "SN": 5,
    "RP": 5,
    "BE": 4,
    "SH": 3,
    "BB": 3,
    "ST": 3,
    "TH": 3,
    "HH": 3,
    "MV": 2,
    "SL": 1,
    "HB": 1,
}
# The first digit of postcodes in each Land (roughly), for believable generated addresses.
POSTCODE_DIGIT = {
    "BB": "1",
    "BE": "1",
    "BW": "7",
    "BY": "8",
    "HB": "2",
    "HE": "6",
    "HH": "2",
    "MV": "1",
    "NI": "3",
    "NW": "4",
    "RP": "5",
    "SH": "2",
    "SL": "6",
    "SN": "0",
    "ST": "3",
    "TH": "9",
}


def generated_lands(count: int) -> list[str]:
    """The Länder of the first ``count`` generated offices: a smooth weighted round robin, so that a few offices
    already lie in several Länder and many follow the weights. The sequence does not depend on ``count``, so an
    office keeps its Land when the demo is seeded again with more offices."""
    total = sum(LAND_WEIGHTS.values())
    current = dict.fromkeys(LAND_WEIGHTS, 0)
    lands = []
    for _ in range(count):
        for land, weight in LAND_WEIGHTS.items():
            current[land] += weight
        chosen = max(current, key=lambda land: current[land])
        current[chosen] -= total
        lands.append(chosen)
    return lands


def generated_region(index: int, land: str) -> DemoRegion:
    """The fictional office number ``index`` (5, 6, …) with three municipalities named after it."""
    area = f"Musterkreis {index}"
    office = f"KI {area}" if land == "NW" else f"Koordinierungsstelle {area}"
    town = f"Musterstadt {index}"
    postcode = f"{POSTCODE_DIGIT[land]}{(index * 7393) % 10000:04d}"
    return DemoRegion(
        name=office,
        area=area,
        land=land,
        municipalities=(town, f"Musterdorf {index}", f"Beispielheim {index}"),
        postcode=postcode,
        contact_address=f"{office}\nRathausplatz {1 + index % 20}\n{postcode} {town}",
        contact_email=f"kontakt-musterkreis-{index}@example.org",
        contact_phone=f"0{1000 + index:04d} 55-0000",
        opening_hours="Montag bis Donnerstag 9–15 Uhr",
        introduction=f"Wir begleiten die Courage-Schulen im {area} und laden zweimal im Jahr zum Regionaltreffen ein.",
    )


def other_region_specs(count: int) -> list[DemoRegion]:
    """The offices of a demo of ``count`` offices after Kreis Soest (which is built from the settings)."""
    specs = list(DEMO_REGIONS[: max(count - 1, 0)])
    extra = count - DEMO_REGION_COUNT
    if extra > 0:
        specs += [generated_region(DEMO_REGION_COUNT + k, land) for k, land in enumerate(generated_lands(extra))]
    return specs


def ensure_demo_regions(count: int) -> list[tuple[Region, DemoRegion | None]]:
    """The first ``count`` demo offices, Kreis Soest first, created where missing (call inside a write
    transaction); each with the spec it was made from (``None`` for Kreis Soest)."""
    specs = other_region_specs(count)
    soest = ensure_default_region()
    for field, value in SOEST_PUBLIC.items():
        if not getattr(soest, field):
            setattr(soest, field, value)
    areas = [spec.area for spec in specs]
    existing = {region.area: region for region in db.session.scalars(select(Region).where(Region.area.in_(areas)))}
    regions: list[tuple[Region, DemoRegion | None]] = [(soest, None)]
    for spec in specs:
        region = existing.get(spec.area) or create_region(
            spec.name, spec.area, spec.land, list(spec.municipalities), **spec.public
        )
        regions.append((region, spec))
    return regions
