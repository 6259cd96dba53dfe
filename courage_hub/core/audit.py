"""The audit log: every data-changing action of KI staff and admins, recorded in the same transaction.

Call :func:`record` inside the service that makes the change, before its commit; the entry is then written if and
only if the change is. Entries are never edited or deleted through the app.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from ..extensions import db
from .models import AuditEntry


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy (dates, enums and other objects as strings)."""
    if values is None:
        return None
    return {
        key: (value if isinstance(value, int | float | bool | str) or value is None else str(value))
        for key, value in values.items()
    }


def record(
    action: str,
    obj: Any = None,
    *,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    user: Any = None,
    region_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for ``action`` (e.g. "school.status") on ``obj`` by ``user`` (default: who is signed in).

    The entry belongs to ``region_id``, by default the region of ``obj`` when it has one (schools, materials): staff
    of that region see it. Entries without a region (accounts, regions) are for admins only.
    """
    actor = user if user is not None else (current_user if current_user and current_user.is_authenticated else None)
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        user_email=getattr(actor, "email", "") or "",
        action=action,
        object_type=getattr(obj, "__tablename__", "") if obj is not None else "",
        object_id=getattr(obj, "id", None),
        summary=summary[:500],
        region_id=region_id if region_id is not None else getattr(obj, "region_id", None),
        before=_plain(before),
        after=_plain(after),
    )
    db.session.add(entry)
    return entry
