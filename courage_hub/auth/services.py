"""Account rules: signing in with throttling, single-use link tokens, passwords, invitations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core import audit
from ..core.db import claim_once, utcnow, write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.passwords import hash_password, verify_password
from ..core.ratelimit import RateLimited, hashed_key, limiter
from ..core.tokens import hash_token, new_link_token
from ..extensions import db
from ..partners.models import Partner, PartnerMember
from ..regions.admin import place_staff
from ..regions.models import Region
from .models import Role, TokenPurpose, User, UserToken, new_session_token


class LoginRefused(Exception):
    """The password was right, but the account may not sign in (yet); ``message`` says why in German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _throttle_keys(email: str, ip: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    return [
        (hashed_key("login-account", normalize_email(email)), cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (hashed_key("login-ip", ip or "unknown"), cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    ]


def authenticate(email: str, password: str, ip: str) -> User | None:
    """Check e-mail and password; None for a wrong pair (the same answer whether or not the e-mail exists).

    Raises RateLimited after too many failures from this address, or for this account; LoginRefused for a
    disabled or unconfirmed account whose password was right. The per-account limit cannot lock the owner out:
    an account with a second factor still passes with the right password, and then has to give a code
    (see README, "Sign-in security"). Nobody is signed in here: the caller completes the sign-in.
    """
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    (account_key, account_limit), (ip_key, ip_limit) = _throttle_keys(email, ip)
    wait = limiter().retry_after(ip_key, ip_limit, window)
    if wait:
        raise RateLimited(wait)
    account_wait = limiter().retry_after(account_key, account_limit, window)
    user = find_user_by_email(email)
    stored_hash = user.password_hash if user else None
    db.session.commit()  # release the SQLite write lock while argon2 works
    if not verify_password(stored_hash, password):
        for key in (account_key, ip_key):
            limiter().hit(key, window)
        if account_wait:
            raise RateLimited(account_wait)
        return None
    if account_wait and not user.has_second_factor:
        raise RateLimited(account_wait)
    if not user.is_active:
        raise LoginRefused(_("This account has been deactivated. Please contact the KI if you need access."))
    if user.email_confirmed_at is None:
        raise LoginRefused(_("Please confirm your e-mail address first: we sent you a link."))
    return user


def complete_login(user: User) -> None:
    """The sign-in is complete (password, and the second factor where there is one): forget earlier failures."""
    limiter().clear(hashed_key("login-account", normalize_email(user.email)))
    with write_transaction():
        user.last_login_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Make every existing login cookie of ``user`` worthless (logout, password change, deactivation)."""
    user.session_token = new_session_token()


def logout_everywhere(user: User) -> None:
    with write_transaction():
        end_all_sessions(user)


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a single-use token and return its raw value (only the hash is stored); the caller commits."""
    raw, token_hash = new_link_token()
    db.session.add(UserToken(user_id=user.id, purpose=purpose, token_hash=token_hash, expires_at=utcnow() + lifetime))
    return raw


def valid_token(raw: str, purposes: tuple[TokenPurpose, ...]) -> UserToken | None:
    """The unused, unexpired token with this value and one of ``purposes``."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(select(UserToken).where(UserToken.token_hash == hash_token(raw)))
    if token is None or token.purpose not in purposes or token.used_at is not None:
        return None
    if token.expires_at <= datetime.now(UTC):
        return None
    return token


def set_password_with_token(raw: str, purposes: tuple[TokenPurpose, ...], password: str) -> User | None:
    """Use a reset or invitation link once: set the password, confirm the e-mail, end old sessions."""
    with write_transaction():
        token = valid_token(raw, purposes)
        if token is None or not claim_once(UserToken, token.id):
            return None
        user = db.session.get(User, token.user_id)
        user.password_hash = hash_password(password)
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
        end_all_sessions(user)
    return user


def confirm_email(raw: str) -> User | None:
    """Use a confirmation link once: the account may sign in from now on."""
    with write_transaction():
        token = valid_token(raw, (TokenPurpose.EMAIL_CONFIRMATION,))
        if token is None or not claim_once(UserToken, token.id):
            return None
        user = db.session.get(User, token.user_id)
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    with write_transaction():
        user.password_hash = hash_password(new)
        end_all_sessions(user)
    return True


def request_password_reset(email: str, ip: str) -> None:
    """Mail a reset link if an active account has this address; say nothing about whether it has."""
    key = hashed_key("password-reset-ip", ip or "unknown")
    wait = limiter().hit_if_allowed(key, 10, 3600)
    if wait:
        raise RateLimited(wait)
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    with write_transaction():
        raw = issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(hours=hours))
        send_mail(
            user.email,
            _("Courage Hub: reset your password"),
            render_template(
                "auth/mail/password_reset.txt",
                user=user,
                hours=hours,
                link=external_url("auth.reset_password", token=raw),
            ),
            kind="password_reset",
        )


def invite_account(
    name: str,
    email: str,
    role: Role,
    *,
    land: str | None = None,
    region_ids: tuple[int, ...] | list[int] = (),
    partner_id: int | None = None,
) -> User:
    """Create an account without a password and mail a link to set one.

    Land staff get their Land (``land``), regional staff the regions they work in (``region_ids``), a partner's
    account the partner it keeps (``partner_id``), in the same transaction; the entries in the audit log carry the
    first region (a partner's: the region that keeps it), so its staff and Land staff see them.
    """
    days = current_app.config["INVITATION_DAYS"]
    region_ids = list(dict.fromkeys(region_ids)) if role == Role.KI_STAFF else []
    with write_transaction():
        user = User(
            name=name.strip(),
            email=normalize_email(email),
            role=role,
            password_hash=None,
            land=land if role == Role.LAND_STAFF else None,
        )
        db.session.add(user)
        db.session.flush()
        raw = issue_token(user, TokenPurpose.INVITATION, timedelta(days=days))
        regions = db.session.scalars(select(Region).where(Region.id.in_(region_ids)).order_by(Region.name)).all()
        details = {"role": role.value, "name": user.name}
        if user.land:
            details["land"] = user.land
        if regions:
            details["regions"] = ", ".join(region.name for region in regions)
        audit_region = regions[0].id if regions else None
        partner = db.session.get(Partner, partner_id) if partner_id is not None and role == Role.PARTNER else None
        if partner is not None:
            db.session.add(PartnerMember(partner_id=partner.id, user_id=user.id))
            details["partner"], audit_region = partner.name, partner.region_id
        audit.record("account.create", user, summary=user.email, after=details, region_id=audit_region)
        for region in regions:
            place_staff(region, user)
        send_invitation_mail(user, raw, days)
    return user


def send_invitation_mail(user: User, raw: str, days: int) -> None:
    send_mail(
        user.email,
        _("Invitation to Courage Hub"),
        render_template(
            "auth/mail/invitation.txt", user=user, days=days, link=external_url("auth.accept_invitation", token=raw)
        ),
        kind="invitation",
    )


def set_active(user: User, active: bool) -> None:
    with write_transaction():
        audit.record(
            "account.status", user, summary=user.email, before={"active": user.is_active}, after={"active": active}
        )
        user.is_active = active
        if not active:
            end_all_sessions(user)


def email_taken(email: str) -> bool:
    return find_user_by_email(email) is not None
