"""The full-text index of materials: title, keywords, author and description (see core/fulltext.py)."""

from __future__ import annotations

from ..core.fulltext import FullTextIndex, SearchMatch, include_in_schema_comparison, query_words
from .models import Material

MATERIALS = FullTextIndex(
    Material.__table__, (("title", "A"), ("tags", "B"), ("attribution", "C"), ("description", "D"))
)

__all__ = ["MATERIALS", "SearchMatch", "include_in_schema_comparison", "match", "query_words"]


def match(q: str, dialect: str) -> SearchMatch | None:
    return MATERIALS.match(q, dialect)
