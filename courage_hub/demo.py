"""Demo data: a believable network of fictional schools in Kreis Soest and four more regions (or, for benchmarks,
many generated regions over the 16 Länder), and the demo accounts of every role. This module holds the accounts and
runs the whole seed; each domain's ``demo`` module generates its own rows (regions, schools, activities, materials).

Idempotent: running it again adds only what is missing. Size options fill thousands of rows quickly with bulk
inserts, for benchmarks.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, insert, select, text

from .activities.demo import seed_activities
from .auth.models import Role, User
from .core.db import utcnow, write_transaction
from .core.passwords import hash_password
from .events.demo import seed_events
from .extensions import db
from .materials.demo import seed_materials
from .partners.demo import seed_partners
from .partners.models import Partner, PartnerMember
from .regions.demo import DEMO_REGION_COUNT, DEMO_REGIONS, SOEST_POSTCODE, ensure_demo_regions
from .regions.models import Region, RegionStaff
from .schools.demo import SchoolBatch, school_rows, seed_process
from .schools.models import Membership, School
from .schools.vocab import municipalities

DEFAULT_PASSWORD = "Courage-Demo-2026"  # noqa: S105 - documented demo password
# The demo staff accounts come with their second factor already set up from this (documented) secret.
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - documented demo secret


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    school_index: int | None = None  # coordinators: the n-th school of Kreis Soest
    region_index: int | None = None  # regional staff: the n-th demo office (0: Kreis Soest, 1: Kreis Unna)
    land: str | None = None  # Land staff: the Land's code


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "Alex Admin", Role.ADMIN),
    DemoAccount("ki@example.org", "Kim Integration", Role.KI_STAFF, region_index=0),
    DemoAccount("ki-unna@example.org", "Deniz Kaya", Role.KI_STAFF, region_index=1),
    DemoAccount("land-nrw@example.org", "Ruth Lange", Role.LAND_STAFF, land="NW"),
    DemoAccount("bund@example.org", "Jan Brandt", Role.NATIONAL_STAFF),
    DemoAccount("koordination@example.org", "Sam Schulkoordination", Role.COORDINATOR, 0),
    DemoAccount("koordination2@example.org", "Robin Koordination", Role.COORDINATOR, 1),
    # Keeps a cooperation partner of Kreis Soest (partners/demo.py links it).
    DemoAccount("partner@example.org", "Paula Brenner", Role.PARTNER),
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo account as ``flask demo-logins`` prints it."""

    email: str
    role: str  # in words, e.g. "Landeskoordination"
    covers: str  # the region, Land or schools it works for
    second_factor: bool


def demo_accounts() -> list[DemoLogin]:
    """The demo accounts that exist in the database, with the region, Land or school each one covers."""
    from .regions.vocab import LAENDER, land_name

    emails = [account.email for account in DEMO_ACCOUNTS]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    offices: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(RegionStaff.user_id, Region.name).join(Region).order_by(Region.id)
    ).all():
        offices.setdefault(user_id, []).append(name)
    schools: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(Membership.user_id, School.name).join(School).order_by(School.id)
    ).all():
        schools.setdefault(user_id, []).append(name)
    partners: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(PartnerMember.user_id, Partner.name).join(Partner).order_by(Partner.name)
    ).all():
        partners.setdefault(user_id, []).append(name)
    logins = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.email)
        if user is None:
            continue
        covers = {
            Role.ADMIN: "alle Regionen",
            Role.KI_STAFF: ", ".join(offices.get(user.id, [])),
            Role.LAND_STAFF: f"alle Regionen in {land_name(user.land)}",
            Role.NATIONAL_STAFF: f"bundesweit, alle {len(LAENDER)} Länder",
            Role.COORDINATOR: ", ".join(schools.get(user.id, [])),
            Role.PARTNER: ", ".join(partners.get(user.id, [])),
        }[user.role]
        logins.append(DemoLogin(user.email, str(user.role.label), covers, user.second_factor_required))
    return logins


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_totp_secret() -> str:
    """The second-factor secret of the demo staff accounts (base32, for an authenticator app)."""
    return (os.environ.get("DEMO_TOTP_SECRET") or DEFAULT_TOTP_SECRET).replace(" ", "").upper()


SOEST_FIRST_NUMBER, REGION_FIRST_NUMBER, REGION_NUMBERS = 190000, 200000, 1000
MAX_REGIONS = (1_000_000 - REGION_FIRST_NUMBER) // REGION_NUMBERS


def school_counts(schools: int, regions: int) -> list[int]:
    """How many schools each of the first ``regions`` demo offices gets.

    Up to the five offices of the demo, Kreis Soest gets ``schools`` and the others their own handful; with more
    offices the ``schools`` spread evenly over all of them (the five keep at least their handful, Kreis Soest at
    least the two demo coordinators' schools)."""
    if regions <= DEMO_REGION_COUNT:
        return [max(schools, 2), *(spec.schools for spec in DEMO_REGIONS[: regions - 1])]
    share, extra = divmod(schools, regions)
    counts = [share + (k < extra) for k in range(regions)]
    counts[0] = max(counts[0], 2)
    for k, spec in enumerate(DEMO_REGIONS, start=1):
        counts[k] = max(counts[k], spec.schools)
    return counts


def _school_batches(schools: int, regions: int) -> list[SchoolBatch]:
    """One batch per office; each office has its own range of Schulnummern, so that seeding again finds them."""
    counts = school_counts(schools, regions)
    if counts[0] > REGION_FIRST_NUMBER - SOEST_FIRST_NUMBER or max(counts[1:], default=0) > REGION_NUMBERS:
        raise ValueError(f"at most {REGION_NUMBERS} demo schools per region")
    batches = []
    for k, ((region, spec), count) in enumerate(zip(ensure_demo_regions(regions), counts, strict=True)):
        if spec is None:
            towns = municipalities(current_app.config["KREIS_NAME"])
            batches.append(SchoolBatch(region.id, towns, count, SOEST_FIRST_NUMBER, SOEST_POSTCODE, True))
        else:
            first = REGION_FIRST_NUMBER + (k - 1) * REGION_NUMBERS
            batches.append(SchoolBatch(region.id, spec.municipalities, count, first, spec.postcode))
    return batches


def _seed_accounts(demo_schools: dict[str, School], region_ids: list[int]) -> tuple[int, int]:
    """The demo accounts (those whose region exists) and the coordinators' memberships; returns how many of each
    were added."""
    accounts = memberships = 0
    password_hash = hash_password(demo_password())
    for account in DEMO_ACCOUNTS:
        if account.region_index is not None and account.region_index >= len(region_ids):
            continue
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(
                email=account.email,
                name=account.name,
                role=account.role,
                land=account.land,
                password_hash=password_hash,
                email_confirmed_at=utcnow(),
            )
            if user.second_factor_required:
                user.totp_secret, user.totp_confirmed_at = demo_totp_secret(), utcnow()
            db.session.add(user)
            db.session.flush()
            if account.region_index is not None:
                db.session.add(RegionStaff(user_id=user.id, region_id=region_ids[account.region_index]))
            accounts += 1
        if account.school_index is not None:
            school = demo_schools[f"{SOEST_FIRST_NUMBER + account.school_index:06d}"]
            exists = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id, Membership.school_id == school.id)
            )
            if exists is None:
                db.session.add(Membership(user_id=user.id, school_id=school.id))
                memberships += 1
    return accounts, memberships


def seed_demo(
    schools: int = 35,
    seed: int = 2026,
    activities: int = 0,
    materials: int = 0,
    regions: int = DEMO_REGION_COUNT,
    offers: int = 60,
) -> dict[str, int]:
    """Fill the demo network of ``regions`` offices (Kreis Soest first, see ``school_counts`` for ``schools``) with
    its cooperation partners (``offers`` in all: the demo's own, then generated ones); returns how many rows of
    each kind were added."""
    if not 1 <= regions <= MAX_REGIONS:
        raise ValueError(f"the demo has 1 to {MAX_REGIONS} regions")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    kinds = ("regions", "accounts", "schools", "process_rows", "memberships", "activities", "materials", "events")
    kinds += ("partners", "offers")
    added = dict.fromkeys(kinds, 0)
    with write_transaction():
        regions_before = db.session.scalar(select(func.count()).select_from(Region)) or 0
        batches = _school_batches(schools, regions)
        added["regions"] = (db.session.scalar(select(func.count()).select_from(Region)) or 0) - regions_before
        existing = set(db.session.scalars(select(School.schulnummer)))
        used_slugs = set(db.session.scalars(select(School.slug)))
        rows = []
        for batch in batches:
            # Kreis Soest draws from the main generator, as before there were regions; each other office from
            # its own, so that its schools do not depend on how many the others have.
            own = rng if batch.demo_coordinators else random.Random(f"{seed}:{batch.first_number}")  # noqa: S311
            rows += school_rows(batch, existing, used_slugs, own)
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(School), rows[chunk : chunk + 2000])
        if rows:
            added["schools"] = len(rows)
            added["process_rows"] = seed_process(rows, rng)
        demo_schools = {
            s.schulnummer: s
            for s in db.session.scalars(select(School).where(School.schulnummer.in_(["190000", "190001"])))
        }
        added["accounts"], added["memberships"] = _seed_accounts(demo_schools, [b.region_id for b in batches])
        added["activities"] = seed_activities(activities, rng)
        added["materials"] = seed_materials(materials, rng)
        added["events"] = seed_events([b.region_id for b in batches])
        added["partners"], added["offers"] = seed_partners([b.region_id for b in batches], offers, rng)
    if any(added.values()):
        # Fresh statistics after bulk loads, so that the planners pick the feed and listing indexes.
        with write_transaction():
            db.session.execute(text("ANALYZE"))
    return added
