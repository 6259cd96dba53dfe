"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# Verifying against this keeps the time of a login for an unknown e-mail like that of a known one.
_DUMMY_PASSWORD = "not-a-real-password-for-timing"  # noqa: S105


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return _cached_hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


@cache
def _cached_hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still costs one verification."""
    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(_dummy_hash(), password + _DUMMY_PASSWORD)
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cfg = current_app.config
    return _cached_dummy(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


@cache
def _cached_dummy(time_cost: int, memory_cost: int) -> str:
    return _cached_hasher(time_cost, memory_cost).hash(_DUMMY_PASSWORD)


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """A German explanation of why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return str(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return str(_l("This password is too common and easy to guess. Please choose another one."))
    if email and lowered == email.lower():
        return str(_l("The password must not be your e-mail address."))
    return None
