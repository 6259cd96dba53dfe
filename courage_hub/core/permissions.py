"""The mechanism of permission checks, free of any domain: who is signed in, and a view decorator that lets only
users passing a check through. The checks themselves (who may do what) are the access policy in ``access.policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

T = TypeVar("T")


def is_signed_in(user: Any) -> bool:
    # Mutation testing: a default of None instead of False survives, and rightly: bool() makes both False.
    return bool(getattr(user, "is_authenticated", False))


def require(check: Callable[[Any], bool]) -> Callable:
    """Decorate a view so that only users passing ``check`` reach it (403 otherwise, login for the anonymous)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not is_signed_in(current_user):
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = check  # type: ignore[attr-defined]
        return wrapped

    return decorator


def permitted_or_404(obj: T | None, check: Callable[[Any, T], bool]) -> T:
    """``obj`` if it exists and the current user passes ``check`` for it; otherwise 404, so that an object the user
    may not see cannot be told apart from one that does not exist."""
    if obj is None or not check(current_user, obj):
        abort(404)
    return obj
