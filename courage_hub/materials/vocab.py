"""Vocabularies of the materials library (German labels from the domain guide) and their open-metadata mapping."""

from __future__ import annotations

from dataclasses import dataclass

MATERIAL_TYPES = (
    "Arbeitsblatt",
    "Unterrichtsreihe",
    "Methode/Übung",
    "Projektidee",
    "Präsentation",
    "Plakat/Flyer",
    "Broschüre/Themenheft",
    "Video/Audio",
    "Linkliste",
)

LEVELS = (
    "Primarstufe",
    "Sekundarstufe I",
    "Sekundarstufe II",
    "Berufskolleg",
    "Erwachsene/Fortbildung",
)

LANGUAGES = {
    "de": "Deutsch",
    "en": "Englisch",
    "tr": "Türkisch",
    "ar": "Arabisch",
    "uk": "Ukrainisch",
    "ru": "Russisch",
    "pl": "Polnisch",
    "fr": "Französisch",
    "ls": "Leichte Sprache",
}


@dataclass(frozen=True)
class Licence:
    code: str
    label: str
    url: str | None
    # What a reader may do with the material, in plain German (shown next to the download button).
    hint: str
    allows_reuse: bool


LICENCES = {
    lic.code: lic
    for lic in (
        Licence(
            "cc0",
            "CC0 1.0 (gemeinfrei)",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "Sie dürfen das Material ohne Bedingungen nutzen, teilen und bearbeiten.",
            True,
        ),
        Licence(
            "cc-by",
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "Sie dürfen das Material teilen und bearbeiten, wenn Sie die Urheberin oder den Urheber und die Lizenz "
            "nennen.",
            True,
        ),
        Licence(
            "cc-by-sa",
            "CC BY-SA 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            "Sie dürfen das Material teilen und bearbeiten, wenn Sie die Urheberin oder den Urheber nennen und Ihre "
            "Fassung unter derselben Lizenz weitergeben.",
            True,
        ),
        Licence(
            "cc-by-nc",
            "CC BY-NC 4.0",
            "https://creativecommons.org/licenses/by-nc/4.0/",
            "Sie dürfen das Material teilen und bearbeiten, wenn Sie die Urheberin oder den Urheber nennen und es "
            "nicht kommerziell nutzen.",
            True,
        ),
        Licence(
            "cc-by-nc-sa",
            "CC BY-NC-SA 4.0",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/",
            "Sie dürfen das Material teilen und bearbeiten, wenn Sie die Urheberin oder den Urheber nennen, es nicht "
            "kommerziell nutzen und Ihre Fassung unter derselben Lizenz weitergeben.",
            True,
        ),
        Licence(
            "arr",
            "Alle Rechte vorbehalten",
            None,
            "Sie dürfen das Material ansehen und im Unterricht zeigen oder verlinken, aber nicht verändern oder "
            "weiterverbreiten.",
            False,
        ),
    )
}

# Licences that the AMB profile accepts (open licences with a URL); only these materials are open educational
# resources and described in AMB.
OPEN_LICENCES = tuple(code for code, lic in LICENCES.items() if lic.url)

# Levels and types in the vocabularies that the AMB profile (and WirLernenOnline/Mundo) reads; levels without an
# exact counterpart are left out of the metadata rather than guessed.
LEVEL_URIS = {
    "Primarstufe": "https://w3id.org/kim/educationalLevel/level_1",
    "Sekundarstufe I": "https://w3id.org/kim/educationalLevel/level_2",
    "Sekundarstufe II": "https://w3id.org/kim/educationalLevel/level_3",
    "Berufskolleg": "https://w3id.org/kim/educationalLevel/level_3",
}
TYPE_URIS = {
    "Arbeitsblatt": "https://w3id.org/kim/hcrt/worksheet",
    "Unterrichtsreihe": "https://w3id.org/kim/hcrt/lesson_plan",
    "Methode/Übung": "https://w3id.org/kim/hcrt/drill_and_practice",
    "Projektidee": "https://w3id.org/kim/hcrt/other",
    "Präsentation": "https://w3id.org/kim/hcrt/slide",
    "Plakat/Flyer": "https://w3id.org/kim/hcrt/image",
    "Broschüre/Themenheft": "https://w3id.org/kim/hcrt/text",
    "Video/Audio": "https://w3id.org/kim/hcrt/video",
    "Linkliste": "https://w3id.org/kim/hcrt/index",
}
# The school subject that anti-discrimination work belongs to in the KIM subject list (AMB requires one).
SUBJECT = {"id": "http://w3id.org/kim/schulfaecher/s1023", "prefLabel": {"de": "Politik"}, "type": "Concept"}

REPORT_REASONS = {
    "copyright": "Urheberrecht verletzt",
    "inappropriate": "Unangemessener Inhalt",
    "broken_link": "Link oder Datei funktioniert nicht",
    "other": "Etwas anderes",
}
