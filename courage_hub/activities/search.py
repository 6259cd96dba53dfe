"""The full-text index of activity reports: title and description (see core/fulltext.py)."""

from __future__ import annotations

from ..core.fulltext import FullTextIndex
from .models import Activity

ACTIVITIES = FullTextIndex(Activity.__table__, (("title", "A"), ("description", "C")))
