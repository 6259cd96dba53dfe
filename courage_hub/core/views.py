"""Public pages of the site: easy language, health check and language choice (the start page is in ``home.py``, the
legal pages in ``legal.py``)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from .mail import backlog
from .redisguard import redis_errors
from .urls import safe_next_url

bp = Blueprint("core", __name__)


@bp.get("/start")
def home():
    """Send a signed-in person to the page of their role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_admin:
        return redirect(url_for("admin.accounts"))
    if current_user.role.value in ("ki_staff", "land_staff", "national_staff"):
        return redirect(url_for("coordination.dashboard"))
    if current_user.role.value == "partner":
        return redirect(url_for("partner_area.index"))
    return redirect(url_for("schools.my_schools"))


@bp.get("/leichte-sprache")
def easy_language():
    return render_template("core/leichte_sprache.html")


@bp.get("/sprache/<lang>")
def set_language(lang: str):
    """Remember the chosen interface language in a cookie and go back.

    A plain link, not a form: a preference cookie needs no CSRF token, so public pages need no session at all and
    anonymous visitors (pupils) get no cookie unless they choose a language.
    """
    response = redirect(safe_next_url(request.args.get("next")) or url_for("core.index"))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            "lang",
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],  # HTTPS only in production, like the session
        )
    return response


@bp.get("/healthz")
def healthz():
    """Each dependency's state for load balancers and monitoring.

    503 only when the database is down (the site cannot serve); ``degraded`` (200) when Redis is unreachable or the
    oldest undelivered mail has waited longer than ``MAIL_BACKLOG_ALERT_MINUTES``.
    """
    try:
        db.session.execute(text("SELECT 1"))
        waiting = backlog()
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unavailable", redis=redis_state(), mail=None), 503
    db.session.commit()
    limit = current_app.config["MAIL_BACKLOG_ALERT_MINUTES"] * 60
    redis = redis_state()
    degraded = redis == "unavailable" or waiting.oldest_seconds > limit
    return jsonify(
        status="degraded" if degraded else "ok",
        database="ok",
        redis=redis,
        mail={
            "waiting": waiting.waiting,
            "oldest_waiting_seconds": waiting.oldest_seconds,
            "failed": waiting.failed,
            "delivery": current_app.config["MAIL_DELIVERY"],
        },
    )


def redis_state() -> str:
    """``ok``, ``unavailable`` or ``not configured``: one quick PING (short timeout)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        client.ping()
        client.close()
    except redis_errors():
        return "unavailable"
    return "ok"
