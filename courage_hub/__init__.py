"""Courage Hub: the platform of the "Schule ohne Rassismus – Schule mit Courage" schools of a Kreis."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DEVELOPMENT_PUBLIC_URL, DEVELOPMENT_SECRET, LOCAL_HOSTS, load_config, missing_operator_settings
from .extensions import babel, csrf, db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the values read from the environment."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("COURAGE_HUB_INSTANCE") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from .core.requests import CleanRequest, IdConverter

    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter  # before any route is added: ids beyond 2^31 - 1 are a 404
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    _check_secret_key(app)
    _check_public_url(app)
    _warn_about_operator_settings(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("hide_parameters", True)  # error messages and logs never carry what a visitor typed
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine_options.setdefault("pool_pre_ping", True)
        engine_options.setdefault("pool_recycle", 1800)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from .core import security

    security.refuse_untrusted_hosts(app)  # first of all hooks: a forged Host reaches nothing
    _init_extensions(app)
    _register_blueprints(app)

    from .core import errors, logs, templating

    templating.init_app(app)
    _register_template_permissions(app)
    security.init_app(app)
    errors.init_app(app)
    logs.init_app(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _check_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] in {"development", "testing"}:
        app.config["SECRET_KEY"] = DEVELOPMENT_SECRET
        return
    raise RuntimeError(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or COURAGE_HUB_ENV=development locally)."
    )


def _check_public_url(app: Flask) -> None:
    """Settle PUBLIC_URL (required in production) and the host names that requests may name (TRUSTED_HOSTS).

    Mailed links, feeds and open metadata are built from PUBLIC_URL only; a request naming any other host is refused
    with 400 before anything else runs, so a forged Host header can neither steer a link nor reach the page cache.
    """
    local = app.config["ENV_NAME"] in {"development", "testing"}
    url = (app.config.get("PUBLIC_URL") or "").strip()
    if not url:
        if not local:
            raise RuntimeError(
                "PUBLIC_URL is not set. Set the PUBLIC_URL environment variable to the address people open, "
                "e.g. https://courage-hub.kreis-soest.de (or COURAGE_HUB_ENV=development locally)."
            )
        url = DEVELOPMENT_PUBLIC_URL
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_URL must be an http(s) address such as https://courage-hub.example.org: {url!r}")
    app.config["PUBLIC_URL"] = url.rstrip("/")
    hosts = [parts.hostname, *(app.config.get("TRUSTED_HOSTS") or []), *(LOCAL_HOSTS if local else ())]
    app.config["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts))


def _warn_about_operator_settings(app: Flask) -> None:
    """Log which operator details the imprint still lacks (the site runs, but its legal pages are incomplete)."""
    missing = missing_operator_settings(app.config)
    if missing and app.config["ENV_NAME"] == "production":
        app.logger.warning("Imprint incomplete: set %s (see README, Configuration).", ", ".join(missing))


def _init_extensions(app: Flask) -> None:
    from . import api
    from .core import db as core_db
    from .core import pagecache, ratelimit

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories="translations")
    core_db.init_app(app)
    ratelimit.init_app(app)
    api.init_app(app)  # before the page cache: every API request counts toward its rate limit, kept answers too
    pagecache.init_app(app)

    from .auth import session as auth_session

    auth_session.init_app(app)


def _register_template_permissions(app: Flask) -> None:
    """Templates ask the same access policy as the views (``can_edit_school(current_user, school)``)."""
    from .access.policy import TEMPLATE_PERMISSIONS
    from .partners.policy import TEMPLATE_PERMISSIONS as PARTNER_PERMISSIONS

    app.jinja_env.globals.update(TEMPLATE_PERMISSIONS)
    app.jinja_env.globals.update(PARTNER_PERMISSIONS)


def _select_locale() -> str:
    from flask import current_app, has_request_context

    chosen = request.cookies.get("lang") if has_request_context() else None
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    from . import home, legal  # noqa: F401  (add the start page and the legal pages to the core blueprint)
    from .activities.views import bp as activities_bp
    from .api.views import bp as api_bp
    from .auth.admin_views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .coordination import (  # noqa: F401  (add their pages to the coordination blueprint)
        export_views,
        region_settings,
        reminder_views,
    )
    from .coordination.audit_views import bp as audit_bp
    from .coordination.views import bp as coordination_bp
    from .core.views import bp as core_bp
    from .events.participants_views import bp as event_participants_bp
    from .events.registration_views import bp as event_registration_bp
    from .events.staff_views import bp as event_staff_bp
    from .events.views import bp as events_bp
    from .materials.review_views import bp as material_review_bp
    from .materials.views import bp as materials_bp
    from .partners import review_views  # noqa: F401  (add the review pages to the partner_staff blueprint)
    from .partners.area_views import bp as partner_area_bp
    from .partners.public_views import bp as offers_bp
    from .partners.request_staff_views import bp as request_staff_bp
    from .partners.request_views import bp as offer_requests_bp
    from .partners.staff_views import bp as partner_staff_bp
    from .regions.admin_views import bp as region_admin_bp
    from .regions.views import bp as regions_bp
    from .schools import coordinator_views, process_views  # noqa: F401  (add their pages to the schools blueprint)
    from .schools.views import bp as schools_bp

    for blueprint in (
        core_bp,
        auth_bp,
        admin_bp,
        schools_bp,
        activities_bp,
        coordination_bp,
        materials_bp,
        material_review_bp,
        offers_bp,
        audit_bp,
        region_admin_bp,
        regions_bp,
        events_bp,
        event_registration_bp,
        event_staff_bp,
        event_participants_bp,
        partner_area_bp,
        partner_staff_bp,
        offer_requests_bp,
        request_staff_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)

    # Import every model so that metadata (migrations, create_all in tests) knows all tables.
    from .activities import models as _activity_models  # noqa: F401
    from .activities import search as _activity_search  # noqa: F401  (creates the full-text index with the table)
    from .auth import models as _auth_models  # noqa: F401
    from .coordination import models as _coordination_models  # noqa: F401
    from .core import models as _core_models  # noqa: F401
    from .events import models as _event_models  # noqa: F401
    from .materials import models as _material_models  # noqa: F401
    from .materials import search as _material_search  # noqa: F401  (creates the full-text index with the table)
    from .partners import models as _partner_models  # noqa: F401
    from .partners import search as _partner_search  # noqa: F401  (creates the full-text index with the table)
    from .regions import models as _region_models  # noqa: F401
    from .schools import models as _school_models  # noqa: F401
