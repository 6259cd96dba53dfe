"""The full-text index of offers: title, keywords (partner, topics, format, languages) and description."""

from __future__ import annotations

from ..core.fulltext import FullTextIndex
from .models import Offer

OFFERS = FullTextIndex(Offer.__table__, (("title", "A"), ("keywords", "B"), ("description", "D")))
