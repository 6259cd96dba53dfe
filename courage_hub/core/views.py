"""Public pages of the site: start page, legal pages, health check and language choice."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from .urls import safe_next_url

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Explain Courage Hub to a visitor and lead pupils, schools and staff onward."""
    return render_template("core/index.html")


@bp.get("/start")
def home():
    """Send a signed-in person to the page of their role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_admin:
        return redirect(url_for("admin.accounts"))
    if current_user.is_ki_staff:
        return redirect(url_for("coordination.dashboard"))
    return redirect(url_for("schools.my_schools"))


@bp.get("/impressum")
def imprint():
    return render_template("core/impressum.html")


@bp.get("/datenschutz")
def privacy():
    return render_template("core/datenschutz.html")


@bp.get("/barrierefreiheit")
def accessibility():
    return render_template("core/barrierefreiheit.html")


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
    """Liveness and database check for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
