"""A regional office's own settings, kept by its staff: public contact, short introduction, the day from which a
member school without a project needs contact, and the Reply-To of its mails to schools."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import g

from ..core import audit
from ..core.db import write_transaction
from ..extensions import db
from .models import Region

SETTING_FIELDS = (
    "contact_address",
    "contact_email",
    "contact_phone",
    "opening_hours",
    "introduction",
    "contact_deadline",
    "reply_to_email",
)
OPTIONAL_FIELDS = {"contact_email", "contact_deadline", "reply_to_email"}  # empty means "not set" (NULL)
DEADLINE_RE = re.compile(r"^(\d{2})-(\d{2})$")


def valid_deadline(value: str) -> bool:
    """ "MM-DD" naming a day that exists (29 February counts: it falls back to the 28th in other years)."""
    match = DEADLINE_RE.match(value)
    if not match:
        return False
    try:
        date(2000, int(match.group(1)), int(match.group(2)))
    except ValueError:
        return False
    return True


def settings_of(region: Region) -> dict[str, Any]:
    return {name: getattr(region, name) for name in SETTING_FIELDS}


def update_settings(region: Region, values: dict[str, str | None], actor: Any) -> bool:
    """Save the settings that changed, with an audit entry of the old and new values; False if nothing changed."""
    cleaned = {}
    for name in SETTING_FIELDS:
        value = (values.get(name) or "").strip()
        cleaned[name] = (value or None) if name in OPTIONAL_FIELDS else value
    before = settings_of(region)
    changes = {name: value for name, value in cleaned.items() if before[name] != value}
    if not changes:
        return False
    with write_transaction():
        for name, value in changes.items():
            setattr(region, name, value)
        audit.record(
            "region.edit",
            region,
            summary=region.name,
            before={name: before[name] for name in changes},
            after=changes,
            user=actor,
            region_id=region.id,
        )
    g.pop("_all_regions", None)  # the cached list carries the deadline
    db.session.refresh(region)
    return True
