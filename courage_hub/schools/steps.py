"""Which step of the joining process a school may move to next, free of storage: the order of the steps and what a
coordinator must have recorded before each. ``services`` applies these rules; ``make mutate`` mutates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .models import STATUS_ORDER, SchoolStatus
from .process import BALLOT_THRESHOLD_PERCENT

if TYPE_CHECKING:
    from .models import School


def is_before(current: SchoolStatus, target: SchoolStatus) -> bool:
    """Is ``current`` an earlier step of the joining process than ``target``?"""
    if current not in STATUS_ORDER or target not in STATUS_ORDER:
        return False
    return STATUS_ORDER.index(current) < STATUS_ORDER.index(target)


def coordinator_move_problem(school: School, target: SchoolStatus) -> str | None:
    """Why a coordinator may not move ``school`` to ``target`` with the data recorded so far (None: allowed)."""
    from .services import passed_ballot

    if target in (SchoolStatus.AUFGENOMMEN, SchoolStatus.AUSGETRETEN):
        return _("Only the KI records admission or leaving the network. Please contact the KI.")
    if not is_before(school.status, target):
        return _("The school is already at this step or further; steps cannot be undone here.")
    if target == SchoolStatus.VORBEREITUNG:
        return None
    missing = []
    if passed_ballot(school) is None:
        missing.append(
            _(
                "a ballot in which at least %(percent)d %% of everyone at the school agreed",
                percent=BALLOT_THRESHOLD_PERCENT,
            )
        )
    if target == SchoolStatus.ANTRAG_GESTELLT:
        patron = school.patron
        if patron is None or patron.confirmed_on is None:
            missing.append(_("the confirmation of the patron"))
        if school.application_date is None:
            missing.append(_("the date of the application"))
    if missing:
        return _("This step needs %(missing)s.", missing=_(" and ").join(str(m) for m in missing))
    return None
