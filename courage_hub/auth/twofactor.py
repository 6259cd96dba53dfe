"""The second sign-in factor: TOTP codes (RFC 6238) from an authenticator app, and single-use recovery codes.

- The secret is created when enrolment starts and counts once a first code has confirmed it.
- A code is accepted only for a later time step than the last accepted one, so an overheard code cannot be replayed.
- Ten recovery codes are shown once at enrolment; only their SHA-256 hashes are stored.
- Wrong codes count toward the same throttling as wrong passwords: per account and per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, or_, update

from ..core import audit
from ..core.db import utcnow, write_transaction
from ..core.passwords import verify_password
from ..core.ratelimit import RateLimited, hashed_key, limiter
from ..extensions import db
from ..regions.services import site_scope
from .models import RecoveryCode, User

ISSUER = "Courage Hub"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy from paper


class _TOTP(pyotp.TOTP):
    # Enrolment makes 160-bit secrets; the documented demo secret (JBSWY3DPEHPK3PXP, as in many app examples) has
    # 80 bits, which pyotp refuses by default.
    min_secret_length_bits = 80


def totp(secret: str) -> pyotp.TOTP:
    """RFC 6238 defaults that every authenticator app understands: SHA-1, six digits, 30 seconds."""
    return _TOTP(secret)


def new_secret() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    area = site_scope().area
    issuer = f"{ISSUER} ({area})" if area else ISSUER
    return totp(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str, label: str) -> Markup:
    """The QR code as inline SVG, drawn by the app itself (no external service, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The secret in blocks of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalize(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (now ± 1, for clock drift) whose code is ``code``, or None."""
    code = _normalize(code)
    if len(code) != 6 or not code.isdigit():
        return None
    generator = totp(secret)
    current = generator.timecode(_datetime(now))
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(generator.generate_otp(step), code):
            return step
    return None


def _datetime(now: float | None):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(time.time() if now is None else now, UTC)


def _accept_step(user: User, step: int, secret: str) -> bool:
    """Remember ``step`` as the last accepted one, unless it (or a later one) was accepted before: no replay.

    One conditional UPDATE, so that two requests with the same code cannot both pass.
    """
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.totp_secret == secret,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _use_recovery_code(user: User, code: str) -> bool:
    normalized = _normalize(code)
    if len(normalized) != 10:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(normalized),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _throttle_keys(user: User, ip: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    return [
        (hashed_key("second-factor-account", str(user.id)), cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (hashed_key("login-ip", ip or "unknown"), cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    ]


def check_code(user: User, code: str, ip: str, *, allow_recovery: bool = True) -> bool:
    """Accept a current TOTP code of ``user`` (or an unused recovery code) once.

    Raises RateLimited after too many wrong codes for this account or from this address.
    """
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    keys = _throttle_keys(user, ip)
    wait = max(limiter().retry_after(key, limit, window) for key, limit in keys)
    if wait:
        raise RateLimited(wait)
    accepted = False
    with write_transaction():
        secret = user.totp_secret
        step = _matching_step(secret, code) if secret and user.totp_confirmed_at else None
        if step is not None:
            accepted = _accept_step(user, step, secret)
        elif allow_recovery and user.has_second_factor:
            accepted = _use_recovery_code(user, code)
    if not accepted:
        for key, _limit in keys:
            limiter().hit(key, window)
        return False
    limiter().clear(keys[0][0])
    db.session.refresh(user)
    return True


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes of ``user``; returns the raw codes (to show once). The caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    return codes


def enrolment_secret(user: User) -> str:
    """The secret being enrolled for ``user`` (created on first call; it counts only once confirmed)."""
    if user.totp_secret is None or user.totp_confirmed_at is not None:
        with write_transaction():
            user.totp_secret = new_secret()
            user.totp_confirmed_at = None
            user.totp_last_step = None
    return user.totp_secret


def confirm_enrolment(user: User, code: str, ip: str) -> list[str] | None:
    """Switch the factor on with a first code from the app; returns the recovery codes, or None for a wrong code."""
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    keys = _throttle_keys(user, ip)
    wait = max(limiter().retry_after(key, limit, window) for key, limit in keys)
    if wait:
        raise RateLimited(wait)
    secret = user.totp_secret
    step = _matching_step(secret, code) if secret and user.totp_confirmed_at is None else None
    if step is None:
        for key, _limit in keys:
            limiter().hit(key, window)
        return None
    with write_transaction():
        user.totp_confirmed_at = utcnow()
        user.totp_last_step = step
        codes = _new_recovery_codes(user)
        if not user.is_coordinator:
            audit.record("account.second_factor_on", user, summary=user.email, user=user)
    limiter().clear(keys[0][0])
    return codes


def new_recovery_codes(user: User, password: str) -> list[str] | None:
    """Replace the recovery codes after the password is confirmed; None for a wrong password."""
    if not user.has_second_factor or not verify_password(user.password_hash, password or ""):
        return None
    with write_transaction():
        return _new_recovery_codes(user)


def remaining_recovery_codes(user: User) -> int:
    from sqlalchemy import func, select

    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


class SecondFactorRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def turn_off(user: User, password: str, code: str, ip: str) -> None:
    """A coordinator switches the factor off with password and a current code; staff cannot (it is required)."""
    from flask_babel import gettext as _

    if user.second_factor_required:
        raise SecondFactorRefused(_("Your role requires a second factor; it cannot be switched off."))
    if not verify_password(user.password_hash, password or ""):
        raise SecondFactorRefused(_("The password is not correct."))
    if not check_code(user, code, ip, allow_recovery=False):
        raise SecondFactorRefused(_("The code is not correct."))
    with write_transaction():
        _clear(user)


def reset_by_admin(user: User) -> None:
    """An admin removes a lost factor: the account signs out everywhere and (staff) enrols again at the next sign-in."""
    from .services import end_all_sessions

    with write_transaction():
        audit.record(
            "account.second_factor_reset",
            user,
            summary=user.email,
            before={"second_factor": user.has_second_factor},
            after={"second_factor": False},
        )
        _clear(user)
        end_all_sessions(user)
