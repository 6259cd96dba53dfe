"""Vocabularies of the materials library (German labels from the domain guide) and their open-metadata mapping.

Material types and levels are German names in every interface language (see ``core/vocab.py``); the names of
languages and licences, the licence hints and the reasons of a problem report are interface text and translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

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
    "de": _l("German"),
    "en": _l("English"),
    "tr": _l("Turkish"),
    "ar": _l("Arabic"),
    "uk": _l("Ukrainian"),
    "ru": _l("Russian"),
    "pl": _l("Polish"),
    "fr": _l("French"),
    "ls": "Leichte Sprache",  # the name of German Easy Language, as in the footer link
}


@dataclass(frozen=True)
class Licence:
    code: str
    label: str
    url: str | None
    # What a reader may do with the material, in plain words (shown next to the download button).
    hint: str
    allows_reuse: bool


LICENCES = {
    lic.code: lic
    for lic in (
        Licence(
            "cc0",
            _l("CC0 1.0 (public domain)"),
            "https://creativecommons.org/publicdomain/zero/1.0/",
            _l("You may use, share and adapt the material without conditions."),
            True,
        ),
        Licence(
            "cc-by",
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            _l("You may share and adapt the material if you name the author and the licence."),
            True,
        ),
        Licence(
            "cc-by-sa",
            "CC BY-SA 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            _l(
                "You may share and adapt the material if you name the author and pass on your version under the same "
                "licence."
            ),
            True,
        ),
        Licence(
            "cc-by-nc",
            "CC BY-NC 4.0",
            "https://creativecommons.org/licenses/by-nc/4.0/",
            _l("You may share and adapt the material if you name the author and do not use it commercially."),
            True,
        ),
        Licence(
            "cc-by-nc-sa",
            "CC BY-NC-SA 4.0",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/",
            _l(
                "You may share and adapt the material if you name the author, do not use it commercially and pass on "
                "your version under the same licence."
            ),
            True,
        ),
        Licence(
            "arr",
            _l("All rights reserved"),
            None,
            _l("You may look at the material, show it in class or link to it, but not change or pass it on."),
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
    "copyright": _l("Copyright infringed"),
    "inappropriate": _l("Inappropriate content"),
    "broken_link": _l("Link or file does not work"),
    "other": _l("Something else"),
}
