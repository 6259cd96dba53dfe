"""Login sessions: the cookie names the account and its current session token.

Replacing ``User.session_token`` (on logout, password change or deactivation) makes every copy of an old
cookie worthless, on every device.
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from ..extensions import db, login_manager
from .models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Flask-Login's own IP/user-agent binding would log out users behind changing school proxies.
    login_manager.session_protection = None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session (nothing of an earlier visitor's session carries over)."""
    session.clear()
    session.permanent = True
    login_user(user)


# --- half signed in: the password was right, the second factor is still missing ----------------------------------

PENDING_KEY = "pending_login"


def begin_pending_login(user: User, next_url: str | None) -> None:
    """Remember (in the signed session cookie) whose password was right and when; nobody is signed in yet."""
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "tok": user.session_token, "at": int(time.time()), "next": next_url}


def pending_login_user() -> User | None:
    """The account of a recent, still valid password step, or None (none, expired, or signed out meanwhile)."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None
    started = state.get("at")
    if not isinstance(started, int) or time.time() - started > current_app.config["SECOND_FACTOR_STEP_SECONDS"]:
        clear_pending_login()
        return None
    user = db.session.get(User, state.get("uid")) if isinstance(state.get("uid"), int) else None
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, str(state.get("tok"))):
        clear_pending_login()
        return None
    return user


def pending_next_url() -> str | None:
    state = session.get(PENDING_KEY)
    return state.get("next") if isinstance(state, dict) else None


def clear_pending_login() -> None:
    session.pop(PENDING_KEY, None)
