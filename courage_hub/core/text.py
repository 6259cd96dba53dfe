"""Small text helpers."""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def slugify(text: str, max_length: int = 200, fallback: str = "schule") -> str:
    """A readable URL part: lower case ASCII words joined by hyphens (umlauts spelled out)."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:max_length].rstrip("-") or fallback


def download_name(title: str, extension: str, fallback: str = "datei") -> str:
    """The file name of a download, made from a title (never from the uploaded file's own name).

    ``download_name("Flucht & Migration: Übung", ".pdf") == "flucht-migration-uebung.pdf"``.
    """
    extension = extension if not extension or extension.startswith(".") else "." + extension
    return slugify(title, max_length=80, fallback=fallback) + extension.lower()


# Characters that make a spreadsheet program read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_text(value: str) -> str:
    """Text for a CSV or XLSX cell that Excel and LibreOffice show as typed, never evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
