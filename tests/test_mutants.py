"""Sharp tests for the rule modules that `make mutate` mutates (see [tool.mutmut] in pyproject.toml).

Each test pins a boundary of one rule exactly, without the web stack: a changed comparison, constant, operand or
message in the rule makes one of them fail. The request-level tests in test_permissions.py, test_rules.py and
test_schools.py prove that the views use these rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import Boolean, ForeignKey, Integer, String, column, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from courage_hub.access import policy
from courage_hub.auth.models import Role
from courage_hub.core import permissions, rules, schoolyear
from courage_hub.core.rules import hybrid_rule
from courage_hub.schools import process, services, steps
from courage_hub.schools.models import STATUS_ORDER, SchoolStatus

# --- the access policy -------------------------------------------------------------------------------------------

SCHOOL_A, SCHOOL_B, SCHOOL_C = 1, 2, 3  # A and B in region 1 (Soest), C in region 2 (Unna)
REGION_OF = {SCHOOL_A: 1, SCHOOL_B: 1, SCHOOL_C: 2}


class Anonymous:
    """Like Flask-Login's anonymous user: not authenticated and without any role attribute."""

    is_authenticated = False


ROLES = {"admin": Role.ADMIN, "ki": Role.KI_STAFF, "coord": Role.COORDINATOR, "land": Role.LAND_STAFF}


def account(
    role: str, user_id: int, schools: frozenset[int] = frozenset(), regions: frozenset[int] = frozenset()
) -> SimpleNamespace:
    return SimpleNamespace(
        is_authenticated=True,
        id=user_id,
        role=ROLES[role],
        is_admin=role == "admin",
        is_ki_staff=role == "ki",
        is_coordinator=role == "coord",
        schools=schools,
        regions=regions,
    )


USERS = {
    "anonymous": Anonymous(),
    "admin": account("admin", 10),
    "ki": account("ki", 11, regions=frozenset({1})),
    "ki_other": account("ki", 15, regions=frozenset({2})),
    "land": account("land", 16),
    "coord_a": account("coord", 12, frozenset({SCHOOL_A})),
    "coord_none": account("coord", 13),
    # A role flag without a sign-in never counts (a stale object after logout).
    "signed_out_ki": SimpleNamespace(
        is_authenticated=False,
        id=14,
        role=Role.KI_STAFF,
        regions=frozenset({1}),
        is_admin=True,
        is_ki_staff=True,
        is_coordinator=True,
        schools=frozenset({SCHOOL_A}),
    ),
}


@pytest.fixture
def memberships(monkeypatch):
    """Memberships and staff regions come from the fake users instead of the database."""
    monkeypatch.setattr(policy, "membership_school_ids", lambda user: user.schools)
    monkeypatch.setattr(
        policy, "is_staff_for", lambda user, region_id: permissions.is_signed_in(user) and region_id in user.regions
    )
    monkeypatch.setattr(policy, "_school_region_id", REGION_OF.get)


def school(school_id: int) -> SimpleNamespace:
    return SimpleNamespace(id=school_id, region_id=REGION_OF[school_id])


def test_signed_in_means_authenticated_and_nothing_else():
    assert permissions.is_signed_in(object()) is False
    assert permissions.is_signed_in(Anonymous()) is False
    assert permissions.is_signed_in(USERS["ki"]) is True
    assert permissions.is_signed_in(SimpleNamespace(is_authenticated=1)) is True


@pytest.mark.parametrize(
    ("check", "allowed"),
    [
        (policy.is_admin, {"admin"}),
        (policy.is_ki_staff, {"ki", "ki_other"}),
        (policy.is_coordinator, {"coord_a", "coord_none"}),
        (policy.can_manage_accounts, {"admin"}),
        (policy.can_use_coordination, {"admin", "ki", "ki_other", "land"}),
        (policy.can_use_outbox, {"admin", "ki", "ki_other"}),
        (policy.can_export_figures, {"ki", "ki_other", "land"}),
        (policy.can_read_audit_log, {"admin", "ki", "ki_other", "land"}),
        (policy.can_moderate, {"ki", "ki_other"}),
        (policy.can_review_materials, {"ki", "ki_other"}),
        (policy.can_review_registrations, {"ki", "ki_other"}),
        (policy.can_share_materials, {"ki", "ki_other", "coord_a"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_role_rules_allow_exactly_these_roles(memberships, check, allowed):
    assert {name for name, user in USERS.items() if check(user)} == allowed
    assert all(check(user) in (True, False) for user in USERS.values())


@pytest.mark.parametrize(
    "check",
    [
        policy.is_member_of,
        policy.can_view_school_internals,
        policy.can_edit_school,
        policy.can_manage_process,
        policy.can_report_for,
    ],
    ids=lambda check: check.__name__,
)
def test_school_rules_allow_the_regions_staff_and_that_schools_coordinators(memberships, check):
    staff = set() if check is policy.is_member_of else {"ki"}
    other_staff = set() if check is policy.is_member_of else {"ki_other"}
    assert {name for name, user in USERS.items() if check(user, school(SCHOOL_A))} == staff | {"coord_a"}
    assert {name for name, user in USERS.items() if check(user, school(SCHOOL_B))} == staff
    assert {name for name, user in USERS.items() if check(user, school(SCHOOL_C))} == other_staff
    assert all(check(user, school(SCHOOL_A)) in (True, False) for user in USERS.values())


def test_activity_rules_follow_the_activitys_school(memberships):
    own = SimpleNamespace(school_id=SCHOOL_A, is_public=False)
    other = SimpleNamespace(school_id=SCHOOL_B, is_public=False)
    elsewhere = SimpleNamespace(school_id=SCHOOL_C, is_public=False)
    public = SimpleNamespace(school_id=SCHOOL_B, is_public=True)
    edit, view = policy.can_edit_activity, policy.can_view_activity
    assert {name for name, user in USERS.items() if edit(user, own)} == {"ki", "coord_a"}
    assert {name for name, user in USERS.items() if edit(user, other)} == {"ki"}
    assert {name for name, user in USERS.items() if edit(user, elsewhere)} == {"ki_other"}
    assert {name for name, user in USERS.items() if policy.can_moderate_activity(user, elsewhere)} == {"ki_other"}
    assert {name for name, user in USERS.items() if view(user, own)} == {"ki", "coord_a"}
    assert {name for name, user in USERS.items() if view(user, other)} == {"ki"}
    assert {name for name, user in USERS.items() if view(user, public)} == set(USERS)
    assert all(view(user, own) in (True, False) and edit(user, own) in (True, False) for user in USERS.values())


def test_material_rules_need_the_author_still_coordinating_its_school(memberships):
    coord = USERS["coord_a"]
    edit, view = policy.can_edit_material, policy.can_view_material

    def material(author_id, school_id, is_public=False, region_id=1):
        return SimpleNamespace(author_id=author_id, school_id=school_id, is_public=is_public, region_id=region_id)

    by_coord = material(coord.id, SCHOOL_A)
    assert {name for name, user in USERS.items() if edit(user, by_coord)} == {"ki", "coord_a"}
    assert {name for name, user in USERS.items() if view(user, by_coord)} == {"ki", "coord_a"}
    # Shared by the coordinator for a school they no longer coordinate: only KI staff may edit it now.
    assert {name for name, user in USERS.items() if edit(user, material(coord.id, SCHOOL_B))} == {"ki"}
    # Shared without a school (KI material) by its author: the author keeps it.
    assert {name for name, user in USERS.items() if edit(user, material(coord.id, None))} == {"ki", "coord_a"}
    # Someone else's material of the coordinator's own school is not theirs to edit.
    assert {name for name, user in USERS.items() if edit(user, material(99, SCHOOL_A))} == {"ki"}
    assert {name for name, user in USERS.items() if view(user, material(99, SCHOOL_A, is_public=True))} == set(USERS)
    # A material of another region: only that region's staff review it.
    assert {name for name, user in USERS.items() if edit(user, material(99, SCHOOL_C, region_id=2))} == {"ki_other"}
    # An anonymous visitor has no id: an author_id of None must not match it.
    anonymous = SimpleNamespace(is_authenticated=False, id=None, is_ki_staff=False, regions=frozenset())
    assert edit(anonymous, material(None, None)) is False
    assert all(
        edit(user, by_coord) in (True, False) and view(user, by_coord) in (True, False) for user in USERS.values()
    )


def test_require_sends_the_anonymous_to_sign_in_and_refuses_others_with_403(app, monkeypatch):
    from werkzeug.exceptions import Forbidden

    calls = []
    view = permissions.require(policy.can_moderate)(lambda *args, **kwargs: calls.append((args, kwargs)) or "ok")
    assert view.permission is policy.can_moderate
    assert view.__name__ == "<lambda>"
    monkeypatch.setattr(permissions, "current_user", USERS["ki"])
    assert view(1, key="value") == "ok" and calls == [((1,), {"key": "value"})]
    monkeypatch.setattr(permissions, "current_user", USERS["coord_a"])
    with pytest.raises(Forbidden):
        view()
    monkeypatch.setattr(permissions, "current_user", Anonymous())
    with app.test_request_context("/koordination"):
        response = view()
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    assert len(calls) == 1


def test_permitted_or_404_returns_only_an_existing_object_the_user_passes_and_hides_the_rest(monkeypatch):
    from werkzeug.exceptions import NotFound

    seen = []

    def check(user, obj):
        seen.append((user, obj))
        return obj == "mine"

    monkeypatch.setattr(permissions, "current_user", USERS["ki"])
    assert permissions.permitted_or_404("mine", check) == "mine"
    assert seen == [(USERS["ki"], "mine")]
    with pytest.raises(NotFound):
        permissions.permitted_or_404("theirs", check)
    with pytest.raises(NotFound):
        permissions.permitted_or_404(None, check)
    assert len(seen) == 2  # a missing object is never handed to the check


# --- the school year ---------------------------------------------------------------------------------------------


def test_months_run_from_august_to_july_across_the_new_year():
    assert schoolyear.months(2025) == [date(2025, month, 1) for month in range(8, 13)] + [
        date(2026, month, 1) for month in range(1, 8)
    ]


def test_calendar_year_of_each_month_of_a_school_year():
    assert [schoolyear.calendar_year(2025, month) for month in range(1, 13)] == [2026] * 7 + [2025] * 5


def test_label_pads_the_second_year_to_two_digits():
    assert schoolyear.label(2009) == "2009/10"
    assert schoolyear.label(2000) == "2000/01"
    assert schoolyear.label(1999) == "1999/00"


def test_school_year_bounds_and_instants():
    assert schoolyear.bounds(2024) == (date(2024, 8, 1), date(2025, 7, 31))
    start, end = schoolyear.utc_bounds(2024)
    assert (start, end) == (datetime(2024, 7, 31, 22, 0, tzinfo=UTC), datetime(2025, 7, 31, 22, 0, tzinfo=UTC))
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_current_school_year_without_a_date_is_that_of_today_in_berlin():
    assert schoolyear.current_school_year() == schoolyear.school_year_of(schoolyear.local_today())
    assert schoolyear.local_today() == datetime.now(schoolyear.BERLIN).date()
    assert schoolyear.current_school_year(date(2030, 8, 1)) == 2030
    assert schoolyear.current_school_year(date(2030, 7, 31)) == 2029


def test_first_month_is_august():
    assert schoolyear.FIRST_MONTH == 8


# --- the joining process -----------------------------------------------------------------------------------------

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("yes", "eligible", "passes"),
    [
        (7, 10, True),
        (6, 10, False),
        (70, 100, True),
        (69, 100, False),
        (699, 999, False),
        (700, 999, True),
        (0, 0, False),
        (1, 0, False),
        (1, 1, True),
        (0, 1, False),
    ],
)
def test_ballot_passes_at_exactly_seventy_percent(yes, eligible, passes):
    assert process.ballot_passes(yes, eligible) is passes
    assert process.BALLOT_THRESHOLD_PERCENT == 70


@pytest.mark.parametrize(
    ("eligible", "yes", "no", "invalid", "held_on", "problem"),
    [
        (10, -1, 0, 0, TODAY, "Numbers must not be negative."),
        (10, 0, -1, 0, TODAY, "Numbers must not be negative."),
        (10, 0, 0, -1, TODAY, "Numbers must not be negative."),
        (-1, 0, 0, 0, TODAY, "Numbers must not be negative."),
        (0, 0, 0, 0, TODAY, "The number of eligible people must be greater than zero."),
        (
            10,
            5,
            5,
            1,
            TODAY,
            "Yes, no and invalid votes together (11) exceed the number of eligible people (10).",
        ),
        (10, 5, 4, 1, TODAY, None),
        (1, 0, 0, 0, TODAY, None),
        (10, 7, 3, 0, date(2026, 3, 3), "The date of the ballot must not be in the future."),
        (10, 7, 3, 0, date(2026, 3, 1), None),
    ],
)
def test_ballot_problem_names_each_impossible_total(eligible, yes, no, invalid, held_on, problem):
    assert process.ballot_problem(eligible, yes, no, invalid, held_on, TODAY) == problem


def test_is_before_follows_the_order_of_the_steps():
    order = list(STATUS_ORDER)
    for i, current in enumerate(order):
        for j, target in enumerate(order):
            assert steps.is_before(current, target) is (i < j), (current, target)
    for status in order:
        assert steps.is_before(SchoolStatus.AUSGETRETEN, status) is False
        assert steps.is_before(status, SchoolStatus.AUSGETRETEN) is False


def step_school(status, *, patron_confirmed=False, application=False, has_patron=True):
    patron = SimpleNamespace(confirmed_on=date(2026, 1, 5) if patron_confirmed else None) if has_patron else None
    return SimpleNamespace(status=status, patron=patron, application_date=date(2026, 2, 1) if application else None)


@pytest.fixture
def ballot(monkeypatch):
    """``ballot(True)``: the school has a passed ballot on record."""

    def set_passed(passed: bool) -> None:
        monkeypatch.setattr(services, "passed_ballot", lambda school: object() if passed else None)

    set_passed(False)
    return set_passed


BALLOT_MISSING = "a ballot in which at least 70 % of everyone at the school agreed"


def test_coordinators_never_record_admission_or_leaving(ballot):
    ballot(True)
    for target in (SchoolStatus.AUFGENOMMEN, SchoolStatus.AUSGETRETEN):
        school_ = step_school(SchoolStatus.ANTRAG_GESTELLT, patron_confirmed=True, application=True)
        assert steps.coordinator_move_problem(school_, target) == (
            "Only the KI records admission or leaving the network. Please contact the KI."
        )


def test_coordinators_cannot_stay_or_go_back(ballot):
    ballot(True)
    already = "The school is already at this step or further; steps cannot be undone here."
    school_ = step_school(SchoolStatus.VORBEREITUNG)
    assert steps.coordinator_move_problem(school_, SchoolStatus.VORBEREITUNG) == already
    assert steps.coordinator_move_problem(school_, SchoolStatus.INTERESSE) == already
    assert steps.coordinator_move_problem(step_school(SchoolStatus.INTERESSE), SchoolStatus.VORBEREITUNG) is None


def test_moving_on_needs_a_passed_ballot(ballot):
    school_ = step_school(SchoolStatus.VORBEREITUNG)
    assert steps.coordinator_move_problem(school_, SchoolStatus.ABSTIMMUNG_ERFOLGREICH) == (
        f"This step needs {BALLOT_MISSING}."
    )
    ballot(True)
    assert steps.coordinator_move_problem(school_, SchoolStatus.ABSTIMMUNG_ERFOLGREICH) is None


def test_the_application_step_needs_ballot_confirmed_patron_and_date(ballot):
    target = SchoolStatus.ANTRAG_GESTELLT
    status = SchoolStatus.ABSTIMMUNG_ERFOLGREICH
    patron, date_ = "the confirmation of the patron", "the date of the application"
    assert steps.coordinator_move_problem(step_school(status, has_patron=False), target) == (
        f"This step needs {BALLOT_MISSING} and {patron} and {date_}."
    )
    ballot(True)
    assert steps.coordinator_move_problem(step_school(status), target) == f"This step needs {patron} and {date_}."
    assert steps.coordinator_move_problem(step_school(status, application=True), target) == (
        f"This step needs {patron}."
    )
    assert steps.coordinator_move_problem(step_school(status, patron_confirmed=True), target) == (
        f"This step needs {date_}."
    )
    assert steps.coordinator_move_problem(step_school(status, patron_confirmed=True, application=True), target) is None


# --- rules written once, read as Python and as SQL ----------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class _Owner(_Base):
    __tablename__ = "rule_owner"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(10))
    flag: Mapped[bool | None] = mapped_column(Boolean)

    is_open = hybrid_rule(rules.Equals("kind", "open") & rules.IsTrue("flag"), "Open and flagged.")


class _Item(_Base):
    __tablename__ = "rule_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(10))
    flag: Mapped[bool | None] = mapped_column(Boolean)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("rule_owner.id"))
    owner: Mapped[_Owner | None] = relationship()

    is_listed = hybrid_rule(
        rules.OneOf("kind", ["a", "b"]) & (rules.IsNull("owner_id") | rules.Related("owner", "is_open")),
        "Listed.",
    )
    is_listed_and_flagged = hybrid_rule(rules.Holds("is_listed") & rules.IsTrue("flag"), "Listed and flagged.")


ITEM_RULES = ("is_listed", "is_listed_and_flagged")


@pytest.fixture
def rule_session():
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        open_owner = _Owner(kind="open", flag=True)
        closed_owner = _Owner(kind="open", flag=None)
        other_owner = _Owner(kind="closed", flag=True)
        for kind in ("a", "b", "c", None):
            for flag in (True, False, None):
                for owner in (None, open_owner, closed_owner, other_owner):
                    session.add(_Item(kind=kind, flag=flag, owner=owner))
        session.commit()
        yield session
    engine.dispose()


def test_each_rule_selects_in_sql_exactly_the_objects_its_python_predicate_accepts(rule_session):
    items = rule_session.scalars(select(_Item)).all()
    assert len(items) == 48
    for name in ITEM_RULES:
        selected = set(rule_session.scalars(select(_Item.id).where(getattr(_Item, name))))
        accepted = {item.id for item in items if getattr(item, name)}
        assert selected == accepted, name
    expected = {
        item.id
        for item in items
        if item.kind in ("a", "b") and (item.owner is None or (item.owner.kind == "open" and item.owner.flag is True))
    }
    assert {item.id for item in items if item.is_listed} == expected
    assert len(expected) == 2 * 3 * 2
    assert {item.id for item in items if item.is_listed_and_flagged} == {
        item.id for item in items if item.id in expected and item.flag is True
    }


def test_rule_predicates_return_booleans_and_missing_values_never_match():
    item = SimpleNamespace(kind=None, flag=None, owner_id=None, owner=None)
    assert rules.Equals("kind", "a").test(item) is False
    assert rules.OneOf("kind", ["a"]).test(item) is False
    assert rules.IsTrue("flag").test(item) is False
    assert rules.IsTrue("flag").test(SimpleNamespace(flag=1)) is False  # only a real True
    assert rules.IsNull("owner_id").test(item) is True
    assert rules.Related("owner", "is_open").test(item) is False
    assert rules.Holds("flag").test(SimpleNamespace(flag=1)) is True
    assert rules.Holds("flag").test(item) is False
    assert (rules.IsNull("kind") & rules.IsNull("flag")).test(item) is True
    assert (rules.IsNull("kind") & rules.IsTrue("flag")).test(item) is False
    assert (rules.IsTrue("flag") | rules.IsNull("kind")).test(item) is True
    assert (rules.IsTrue("flag") | rules.Equals("kind", "a")).test(item) is False


def test_rules_describe_themselves():
    rule = rules.Equals("kind", "a") & (rules.OneOf("kind", ["b"]) | rules.IsTrue("flag"))
    assert repr(rule) == "(kind == 'a' and (kind in ('b',) or flag is true))"
    assert repr(rules.IsNull("owner_id") | rules.Related("owner", "is_open") | rules.Holds("x")) == (
        "((owner_id is null or owner.is_open) or x)"
    )
    assert repr(_Item.__dict__["is_listed"].rule) == "(kind in ('a', 'b') and (owner_id is null or owner.is_open))"
    assert _Item.__dict__["is_listed"].__doc__ == "Listed."


def test_hybrid_rule_reads_one_rule_on_the_object_and_on_the_class():
    rule = rules.IsTrue("flag")

    class Plain:
        flag = column("flag")
        is_flagged = hybrid_rule(rule, "Flagged.")

    prop = Plain.__dict__["is_flagged"]
    assert prop.rule is rule and prop.__doc__ == "Flagged."
    item = Plain()
    item.flag = True
    assert item.is_flagged is True
    item.flag = None
    assert item.is_flagged is False
    assert str(Plain.is_flagged.compile(compile_kwargs={"literal_binds": True})) == "flag IS true"
