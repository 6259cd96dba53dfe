"""Handing a school over to another regional office: the school, its materials and from then on its internal pages
belong to the new office; both offices see the move in their audit log.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..auth.models import User
from ..core import audit
from ..core.db import write_transaction
from ..extensions import db
from ..materials.models import Material
from ..regions.models import Region, RegionMunicipality
from .models import EventKind, School
from .services import RuleViolation, _log


def move_problem(school: School, region: Region, municipality: str) -> str | None:
    """Why ``school`` cannot move to ``region`` with ``municipality`` (its own when empty), or None."""
    if region.id == school.region_id:
        return _("The school already belongs to %(office)s.", office=region.name)
    town = municipality or school.municipality
    covered = db.session.scalar(
        select(RegionMunicipality.id).where(RegionMunicipality.region_id == region.id, RegionMunicipality.name == town)
    )
    if covered is None:
        return _(
            "%(office)s does not cover %(municipality)s: choose the school's municipality among the office's "
            "municipalities.",
            office=region.name,
            municipality=town,
        )
    return None


def move_school(school: School, region: Region, actor: User, reason: str, municipality: str = "") -> None:
    """Hand ``school`` to ``region`` (with ``municipality`` when the school's own is not covered there) in one write
    transaction: the school and the materials it shared move, the timeline keeps an internal entry with the reason,
    and the audit logs of both the old and the new office record the move."""
    problem = move_problem(school, region, municipality)
    if problem is not None:
        raise RuleViolation(problem)
    with write_transaction():
        old_region_id = school.region_id
        old_region = db.session.get(Region, old_region_id)
        old_municipality = school.municipality
        new_municipality = municipality or school.municipality
        school.region_id = region.id
        school.municipality = new_municipality
        db.session.execute(
            update(Material).where(Material.school_id == school.id).values(region_id=region.id),
            execution_options={"synchronize_session": "fetch"},
        )
        note = _(
            "Handed over from %(old)s to %(new)s: %(reason)s",
            old=old_region.name if old_region else "–",
            new=region.name,
            reason=reason.strip(),
        )
        _log(school, EventKind.REGION, actor, note, internal=True)
        values = {
            "before": {"region": old_region.name if old_region else None, "municipality": old_municipality},
            "after": {"region": region.name, "municipality": new_municipality, "reason": reason.strip()},
        }
        for region_id in (old_region_id, region.id):
            audit.record("school.move", school, summary=school.name, user=actor, region_id=region_id, **values)
