"""Controlled vocabularies shared by activities and materials (German labels, see the domain guide)."""

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
