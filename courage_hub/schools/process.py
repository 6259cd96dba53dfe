"""The ballot rules of the joining process, free of storage and of the models: the 70 % rule and impossible ballot
totals. The models (``Ballot.passed``) and ``services`` apply them; ``make mutate`` mutates them. Which step a school
may move to next is in ``steps``.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

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
