"""Managing regions: the area and municipalities an office covers, its public contact, its own settings and its staff.

Admins manage every region, Land staff those of their own Land (the views pass the Länder a person may manage, from
``access.policy.managed_lands``). Every change is audited with the region, so that the region's staff and its Land's
staff find it in their audit log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from flask import g
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select, true
from sqlalchemy.exc import IntegrityError

from ..auth.models import Role, User
from ..core import audit
from ..core.db import write_transaction
from ..extensions import db
from ..schools.models import School
from .models import Region, RegionMunicipality, RegionStaff
from .services import create_region

MAX_MUNICIPALITIES = 500


class RegionRefused(Exception):
    """A change the rules do not allow; ``messages`` say why in German (nothing has been saved)."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class RegionData:
    """What the region form edits."""

    name: str
    area: str
    land: str
    municipalities: tuple[str, ...]
    contact_address: str = ""
    contact_email: str | None = None
    contact_phone: str = ""
    opening_hours: str = ""
    introduction: str = ""
    contact_deadline: str | None = None
    reply_to_email: str | None = None

    def public_fields(self) -> dict[str, str | None]:
        values = asdict(self)
        for key in ("name", "area", "land", "municipalities"):
            values.pop(key)
        return values


def parse_municipalities(text: str | None) -> tuple[str, ...]:
    """One municipality per line: trimmed, inner spaces collapsed, empty lines and repetitions dropped."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


@dataclass(frozen=True)
class RegionRow:
    """One line of the regions list."""

    region: Region
    municipalities: int
    staff: int


def _land_condition(lands: frozenset[str] | None):
    return Region.land.in_(sorted(lands)) if lands is not None else true()


def region_rows(lands: frozenset[str] | None) -> list[RegionRow]:
    """The regions of ``lands`` (``None``: every Land) with their counts of municipalities and staff, in one query."""
    towns = (
        select(RegionMunicipality.region_id, func.count().label("n")).group_by(RegionMunicipality.region_id).subquery()
    )
    staff = (
        select(RegionStaff.region_id, func.count().label("n"))
        .join(User, User.id == RegionStaff.user_id)
        .where(User.role == Role.KI_STAFF)
        .group_by(RegionStaff.region_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Region, func.coalesce(towns.c.n, 0), func.coalesce(staff.c.n, 0))
        .outerjoin(towns, towns.c.region_id == Region.id)
        .outerjoin(staff, staff.c.region_id == Region.id)
        .where(_land_condition(lands))
        .order_by(Region.land, Region.name)
    )
    return [RegionRow(region, towns_n, staff_n) for region, towns_n, staff_n in rows]


def municipality_names_of(region_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(RegionMunicipality.name)
            .where(RegionMunicipality.region_id == region_id)
            .order_by(RegionMunicipality.name)
        )
    )


def _snapshot(region: Region, municipalities: list[str] | tuple[str, ...]) -> dict[str, str | None]:
    """The audited values of a region (municipalities as one sorted line)."""
    return {
        "name": region.name,
        "area": region.area,
        "land": region.land,
        "municipalities": "; ".join(sorted(municipalities)),
        "contact_address": region.contact_address,
        "contact_email": region.contact_email,
        "contact_phone": region.contact_phone,
        "opening_hours": region.opening_hours,
        "introduction": region.introduction,
        "contact_deadline": region.contact_deadline,
        "reply_to_email": region.reply_to_email,
    }


def _refuse_covered_elsewhere(region_id: int | None, names: tuple[str, ...] | list[str]) -> None:
    """Refuse municipalities that another region already covers (in any spelling of upper and lower case), naming
    that region."""
    if not names:
        return
    clashes = db.session.execute(
        select(RegionMunicipality.name, Region.name)
        .join(Region, Region.id == RegionMunicipality.region_id)
        .where(
            func.lower(RegionMunicipality.name).in_(sorted({name.lower() for name in names})),
            RegionMunicipality.region_id != (region_id or 0),
        )
        .order_by(RegionMunicipality.name)
    ).all()
    if clashes:
        raise RegionRefused(
            *(
                _("%(municipality)s already belongs to the region %(region)s.", municipality=town, region=other)
                for town, other in clashes
            )
        )


def _refuse_removing_towns_with_schools(region: Region, removed: set[str]) -> None:
    """Refuse taking municipalities away from a region while schools there are still looked after by it."""
    if not removed:
        return
    counts = db.session.execute(
        select(School.municipality, func.count())
        .where(School.region_id == region.id, School.municipality.in_(sorted(removed)))
        .group_by(School.municipality)
        .order_by(School.municipality)
    ).all()
    if counts:
        raise RegionRefused(
            *(
                ngettext(
                    "%(municipality)s cannot be removed: %(num)d school there still belongs to this region. "
                    "Move it to another region first.",
                    "%(municipality)s cannot be removed: %(num)d schools there still belong to this region. "
                    "Move them to another region first.",
                    n,
                    municipality=town,
                )
                for town, n in counts
            )
        )


def _flush_or_refuse() -> None:
    """Write now; a municipality taken at the same moment by another region trips the unique constraint."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise RegionRefused(_("A municipality was just added to another region. Please check the list.")) from error


def create(data: RegionData) -> Region:
    """A new region with its municipalities (audited)."""
    with write_transaction():
        _refuse_covered_elsewhere(None, data.municipalities)
        region = create_region(data.name, data.area, data.land, list(data.municipalities), **data.public_fields())
        _flush_or_refuse()
        audit.record(
            "region.create",
            region,
            region_id=region.id,
            summary=region.name,
            after=_snapshot(region, data.municipalities),
        )
    return region


def update(region: Region, data: RegionData) -> bool:
    """Save the form's values on ``region`` (audited with what changed); False when nothing changed."""
    with write_transaction():
        old_towns = municipality_names_of(region.id)
        before = _snapshot(region, old_towns)
        added = [town for town in data.municipalities if town not in old_towns]
        removed = set(old_towns) - set(data.municipalities)
        _refuse_covered_elsewhere(region.id, added)
        _refuse_removing_towns_with_schools(region, removed)
        region.name, region.area, region.land = data.name, data.area, data.land
        for key, value in data.public_fields().items():
            setattr(region, key, value)
        if removed:
            db.session.execute(
                delete(RegionMunicipality).where(
                    RegionMunicipality.region_id == region.id, RegionMunicipality.name.in_(sorted(removed))
                )
            )
        db.session.add_all(RegionMunicipality(region_id=region.id, name=town) for town in added)
        _flush_or_refuse()
        after = _snapshot(region, data.municipalities)
        changed = [key for key in after if after[key] != before[key]]
        if not changed:
            return False
        audit.record(
            "region.edit",
            region,
            region_id=region.id,
            summary=region.name,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
        g.pop("_all_regions", None)
    return True


# --- staff -------------------------------------------------------------------------------------------------------


def staff_of(region_id: int) -> list[User]:
    """The regional staff accounts of a region, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(RegionStaff, RegionStaff.user_id == User.id)
            .where(RegionStaff.region_id == region_id, User.role == Role.KI_STAFF)
            .order_by(User.name, User.id)
        )
    )


def staff_candidates(region: Region, lands: frozenset[str] | None) -> list[User]:
    """Active regional staff accounts that could join ``region``: for admins every one, for Land staff those already
    working in a region of their Land (the names and addresses of other Länder's staff stay with them)."""
    query = (
        select(User)
        .where(
            User.role == Role.KI_STAFF,
            User.is_active.is_(True),
            ~select(RegionStaff.id).where(RegionStaff.user_id == User.id, RegionStaff.region_id == region.id).exists(),
        )
        .order_by(User.name, User.id)
    )
    if lands is not None:
        query = query.where(
            select(RegionStaff.id)
            .join(Region, Region.id == RegionStaff.region_id)
            .where(RegionStaff.user_id == User.id, Region.land.in_(sorted(lands)))
            .exists()
        )
    return list(db.session.scalars(query))


def add_staff(region: Region, user: User) -> None:
    """Let a regional staff account work in ``region`` (audited with the region)."""
    with write_transaction():
        place_staff(region, user)


def place_staff(region: Region, user: User) -> None:
    """Record that ``user`` works in ``region``, audited with the region, within the caller's transaction (adding
    staff to a region, or creating a staff account with its regions)."""
    db.session.add(RegionStaff(user_id=user.id, region_id=region.id))
    audit.record(
        "region.staff_add",
        user,
        region_id=region.id,
        summary=f"{user.email}: {region.name}",
        after={"region": region.name},
    )


def remove_staff(region: Region, user: User) -> bool:
    """End a staff account's work in ``region`` (audited); False when it did not work there."""
    with write_transaction():
        removed = db.session.execute(
            delete(RegionStaff).where(RegionStaff.user_id == user.id, RegionStaff.region_id == region.id)
        ).rowcount
        if not removed:
            return False
        audit.record(
            "region.staff_remove",
            user,
            region_id=region.id,
            summary=f"{user.email}: {region.name}",
            before={"region": region.name},
        )
    return True


def region_names_by_user(user_ids: list[int]) -> dict[int, list[str]]:
    """The names of the regions each of ``user_ids`` works in, in one query (for the accounts list)."""
    names: dict[int, list[str]] = defaultdict(list)
    if not user_ids:
        return names
    rows = db.session.execute(
        select(RegionStaff.user_id, Region.name)
        .join(Region, Region.id == RegionStaff.region_id)
        .where(RegionStaff.user_id.in_(user_ids))
        .order_by(Region.name)
    )
    for user_id, name in rows:
        names[user_id].append(name)
    return names
