"""Login sessions: the cookie names the account and its current session token.

Replacing ``User.session_token`` (on logout, password change or deactivation) makes every copy of an old
cookie worthless, on every device.
"""

from __future__ import annotations

import hmac

from flask import Flask
from flask_babel import lazy_gettext as _l

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
