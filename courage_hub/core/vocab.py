"""Controlled vocabularies shared by activities and materials (German labels, see the domain guide).

The labels of the vocabularies (topics, activity and material types, levels, school types) are intentionally German
in every interface language: they are stored as they are, filter URLs and exports carry them, and they name the
categories of the German network "Schule ohne Rassismus – Schule mit Courage". The English interface shows them as
proper names, like the names of schools and municipalities.
"""

from __future__ import annotations

TOPICS = (
    "Rassismus",
    "Antisemitismus",
    "Antiziganismus (Rassismus gegen Sinti und Roma)",
    "Muslimfeindlichkeit",
    "Antischwarzer Rassismus",
    "Rechtsextremismus",
    "Homo- und Transfeindlichkeit",
    "Sexismus",
    "Ableismus (Behindertenfeindlichkeit)",
    "Klassismus",
    "Mobbing und Cybermobbing",
    "Flucht und Migration",
    "Erinnerungskultur und Gedenken",
    "Demokratie und Zivilcourage",
    "Hate Speech und Desinformation",
    "Vielfalt und Religionen",
)
