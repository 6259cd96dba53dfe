"""Configuration read from environment variables.

Every setting has a safe default for development; production must at least set ``SECRET_KEY`` and ``PUBLIC_URL``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _date(name: str, default: date) -> date:
    value = os.environ.get(name)
    return date.fromisoformat(value.strip()) if value and value.strip() else default


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def load_config(instance_path: str) -> dict:
    """Return the configuration dictionary for an app with the given instance folder."""
    env = os.environ.get("COURAGE_HUB_ENV", "production").strip().lower()
    default_db = "sqlite:///" + str(Path(instance_path) / "courage_hub.sqlite3")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Public pages as anonymous visitors see them are kept this long (0 switches it off); see core/pagecache.py.
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "30")),
        # The first region (the one Kreis of an installation from before regions): its area and Land (a code of
        # regions/vocab.LAENDER). The migration and `seed-demo` build it from these; regions live in the database.
        "KREIS_NAME": os.environ.get("COURAGE_HUB_KREIS", "Kreis Soest"),
        "KREIS_LAND": (os.environ.get("COURAGE_HUB_LAND") or "NW").strip().upper()[:2],
        # "Kontakt nötig": from this day (MM-DD) of a school year on, an admitted school without a project is flagged.
        "CONTACT_DEADLINE": os.environ.get("CONTACT_DEADLINE", "03-01"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Courage Hub <noreply@courage-hub.invalid>"),
        # The KI's contact address: Reply-To of reminders, recipient of "Kontakt zur Koordination" (later per region).
        "KI_CONTACT_EMAIL": os.environ.get("KI_CONTACT_EMAIL") or None,
        # /healthz says "degraded" when the oldest undelivered mail has waited longer than this.
        "MAIL_BACKLOG_ALERT_MINUTES": _int("MAIL_BACKLOG_ALERT_MINUTES", 15),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(Path(instance_path) / "outbox"),
        # "worker": `flask deliver-mail` delivers the outbox (production); "inline": right after each commit.
        "MAIL_DELIVERY": os.environ.get("MAIL_DELIVERY") or ("worker" if env == "production" else "inline"),
        # The address people open (e.g. https://courage-hub.kreis-soest.de): every absolute link (mails, feeds,
        # open metadata) is built from it, never from a request's Host header. Required in production.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or None,
        # More host names than PUBLIC_URL's that requests may name (comma-separated); any other Host gets 400.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS"),
        # Sessions expire after this much inactivity (the cookie is refreshed on every request).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 8)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "SESSION_COOKIE_NAME": "courage_hub_session",
        # The CSRF token lives as long as the session, so a long form stays valid.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 30) * 1024 * 1024,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_IP": _int("LOGIN_MAX_FAILURES_PER_IP", 20),
        "LOGIN_FAILURE_WINDOW_SECONDS": _int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60),
        # The same reader (hashed address and browser) downloading a material again within this time counts once.
        "DOWNLOAD_COUNT_WINDOW_SECONDS": _int("DOWNLOAD_COUNT_WINDOW_SECONDS", 10 * 60),
        # The open data API (/api/v1/): requests per client address (an IPv6 client by its /64 network) and window,
        # shared by all workers like the login throttle; 0 switches the limit off.
        "API_RATE_LIMIT": _int("API_RATE_LIMIT", 300),
        "API_RATE_WINDOW_SECONDS": _int("API_RATE_WINDOW_SECONDS", 60),
        # Between the password and the second factor: the half-signed-in state ends after this many seconds.
        "SECOND_FACTOR_STEP_SECONDS": _int("SECOND_FACTOR_STEP_SECONDS", 10 * 60),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "PASSWORD_RESET_HOURS": 1,
        "INVITATION_DAYS": 7,
        # argon2id cost; tests lower it to stay fast.
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ("de", "en"),
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        # The operator named in the imprint, the privacy notice and the accessibility statement (see README).
        **{name: (os.environ.get(name) or "").strip() for name in OPERATOR_SETTINGS},
        # The accessibility feedback address; the operator's e-mail when unset.
        "ACCESSIBILITY_CONTACT_EMAIL": (os.environ.get("ACCESSIBILITY_CONTACT_EMAIL") or "").strip(),
        # "partial" (teilweise vereinbar) or "full" (vollständig vereinbar) with BITV 2.0.
        "ACCESSIBILITY_STATUS": "full" if os.environ.get("ACCESSIBILITY_STATUS") == "full" else "partial",
        # Where people can turn when feedback on a barrier goes unanswered: "nrw" (the Ombudsstelle of North
        # Rhine-Westphalia, § 10d BGG NRW, for public bodies of the Land such as a Kreis) or "bund" (the federal
        # Schlichtungsstelle, § 16 BGG, for federal public bodies).
        "ACCESSIBILITY_ENFORCEMENT": "bund" if os.environ.get("ACCESSIBILITY_ENFORCEMENT") == "bund" else "nrw",
        # When the statement was written and when the site was last reviewed (YYYY-MM-DD).
        "ACCESSIBILITY_STATEMENT_DATE": _date("ACCESSIBILITY_STATEMENT_DATE", ACCESSIBILITY_STATEMENT_DATE),
        "ACCESSIBILITY_REVIEW_DATE": _date("ACCESSIBILITY_REVIEW_DATE", ACCESSIBILITY_STATEMENT_DATE),
    }


# The operator's details for the legal pages; each one unset is named to staff on those pages and in the log.
OPERATOR_SETTINGS = (
    "OPERATOR_NAME",  # e.g. "Kreis Soest – Kommunales Integrationszentrum"
    "OPERATOR_ADDRESS",  # lines separated by ";", e.g. "Hoher Weg 1–3; 59494 Soest"
    "OPERATOR_REPRESENTATIVE",  # who represents the operator by law, e.g. "Landrätin Eva Irrgang"
    "OPERATOR_EMAIL",
    "OPERATOR_PHONE",
    "OPERATOR_SUPERVISORY_AUTHORITY",  # e.g. "Bezirksregierung Arnsberg, Seibertzstraße 1, 59821 Arnsberg"
)
# The day this version of the accessibility statement was written (and, by default, last reviewed).
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 1)


def missing_operator_settings(config: Mapping) -> list[str]:
    """Names of the operator settings that are still empty: the legal pages are incomplete until they are set."""
    return [name for name in OPERATOR_SETTINGS if not config.get(name)]


DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"  # `flask run`; production must set PUBLIC_URL
# Host names a developer's browser, the test client and the browser tests' live server use.
LOCAL_HOSTS = ("localhost", "127.0.0.1")
DEVELOPMENT_SECRET = "dev-only-secret-not-for-production"  # noqa: S105 - refused in production
