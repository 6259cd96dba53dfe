"""Rules written once and read twice: as a Python predicate on a loaded object and as an SQL condition.

A rule such as "this school is public" both judges one object (a profile page) and filters lists (the directory).
Two hand-written copies drift apart, and a test of one says nothing about the other. Here a rule is a small tree of
terms; ``test(obj)`` evaluates it in Python and ``clause(cls)`` builds the SQL from the same tree, and
``hybrid_rule`` turns it into a ``hybrid_property`` (``school.is_public`` and ``School.is_public``).

NULL behaves alike on both sides for the terms offered here: a missing value never satisfies a term (there is no
negation, which is where SQL's three-valued logic and Python's would part).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property


class Term:
    """One part of a rule; combine with ``&`` and ``|``."""

    def test(self, obj: Any) -> bool:
        raise NotImplementedError

    def clause(self, cls: type) -> ColumnElement[bool]:
        raise NotImplementedError

    def __and__(self, other: Term) -> Term:
        return AllOf(self, other)

    def __or__(self, other: Term) -> Term:
        return AnyOf(self, other)


class Equals(Term):
    """The column holds ``value``."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value

    def test(self, obj: Any) -> bool:
        return getattr(obj, self.name) == self.value

    def clause(self, cls: type) -> ColumnElement[bool]:
        return getattr(cls, self.name) == self.value

    def __repr__(self) -> str:
        return f"{self.name} == {self.value!r}"


class OneOf(Term):
    """The column holds one of ``values``."""

    def __init__(self, name: str, values: Collection[Any]) -> None:
        self.name, self.values = name, tuple(values)

    def test(self, obj: Any) -> bool:
        return getattr(obj, self.name) in self.values

    def clause(self, cls: type) -> ColumnElement[bool]:
        return getattr(cls, self.name).in_(self.values)

    def __repr__(self) -> str:
        return f"{self.name} in {self.values!r}"


class IsTrue(Term):
    """A boolean column that is true (NULL is not)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, obj: Any) -> bool:
        return getattr(obj, self.name) is True

    def clause(self, cls: type) -> ColumnElement[bool]:
        return getattr(cls, self.name).is_(True)

    def __repr__(self) -> str:
        return f"{self.name} is true"


class IsNull(Term):
    """The column holds no value (e.g. a material shared by the KI has no school)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, obj: Any) -> bool:
        return getattr(obj, self.name) is None

    def clause(self, cls: type) -> ColumnElement[bool]:
        return getattr(cls, self.name).is_(None)

    def __repr__(self) -> str:
        return f"{self.name} is null"


class Holds(Term):
    """Another rule of the same object (a ``hybrid_rule``) holds."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, obj: Any) -> bool:
        return bool(getattr(obj, self.name))

    def clause(self, cls: type) -> ColumnElement[bool]:
        return getattr(cls, self.name)

    def __repr__(self) -> str:
        return self.name


class Related(Term):
    """The object reached through a many-to-one ``relationship`` exists and its rule ``rule_name`` holds.

    In SQL an EXISTS (``relationship.has``), so the condition needs no join in the query that uses it.
    """

    def __init__(self, relationship: str, rule_name: str) -> None:
        self.relationship, self.rule_name = relationship, rule_name

    def test(self, obj: Any) -> bool:
        related = getattr(obj, self.relationship)
        return related is not None and bool(getattr(related, self.rule_name))

    def clause(self, cls: type) -> ColumnElement[bool]:
        attribute = getattr(cls, self.relationship)
        target = attribute.property.mapper.class_
        return attribute.has(getattr(target, self.rule_name))

    def __repr__(self) -> str:
        return f"{self.relationship}.{self.rule_name}"


class AllOf(Term):
    def __init__(self, *terms: Term) -> None:
        self.terms = terms

    def test(self, obj: Any) -> bool:
        return all(term.test(obj) for term in self.terms)

    def clause(self, cls: type) -> ColumnElement[bool]:
        return and_(*(term.clause(cls) for term in self.terms))

    def __repr__(self) -> str:
        return "(" + " and ".join(map(repr, self.terms)) + ")"


class AnyOf(Term):
    def __init__(self, *terms: Term) -> None:
        self.terms = terms

    def test(self, obj: Any) -> bool:
        return any(term.test(obj) for term in self.terms)

    def clause(self, cls: type) -> ColumnElement[bool]:
        return or_(*(term.clause(cls) for term in self.terms))

    def __repr__(self) -> str:
        return "(" + " or ".join(map(repr, self.terms)) + ")"


def hybrid_rule(rule: Term, doc: str) -> hybrid_property:
    """A read-only ``hybrid_property``: ``obj.name`` runs ``rule.test``, ``Model.name`` is ``rule.clause``."""
    prop = hybrid_property(rule.test, expr=rule.clause)
    prop.__doc__ = doc
    prop.rule = rule  # type: ignore[attr-defined]
    return prop
