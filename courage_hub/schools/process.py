"""The rules of the joining process, free of storage: the 70 % ballot rule, impossible ballot totals and which
step a coordinator may take next. ``services`` applies them inside its transactions; ``make mutate`` mutates them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .models import STATUS_ORDER, SchoolStatus

if TYPE_CHECKING:
    from .models import School

# The self-commitment needs the signatures of at least 70 % of everyone who learns and works at the school.
BALLOT_THRESHOLD_PERCENT = 70


def ballot_passes(yes: int, eligible: int) -> bool:
    """True when ``yes`` is at least 70 % of all eligible people (exact integer arithmetic, no rounding)."""
    return eligible > 0 and yes * 100 >= BALLOT_THRESHOLD_PERCENT * eligible


def ballot_problem(eligible: int, yes: int, no: int, invalid: int, held_on: date, today: date) -> str | None:
    """A German explanation of why these ballot totals are impossible, or None."""
    if min(eligible, yes, no, invalid) < 0:
        return _("Numbers must not be negative.")
    if eligible == 0:
        return _("The number of eligible people must be greater than zero.")
    if yes + no + invalid > eligible:
        return _(
            "Yes, no and invalid votes together (%(total)d) exceed the number of eligible people (%(eligible)d).",
            total=yes + no + invalid,
            eligible=eligible,
        )
    if held_on > today:
        return _("The date of the ballot must not be in the future.")
    return None


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
