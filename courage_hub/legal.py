"""The legal pages: imprint, privacy statement and accessibility statement, filled from the operator settings.

Whether a visitor also sees the settings still missing is a question for the access policy, so these pages live above
the domains (like the start page), not in ``core``; the routes stay on the core blueprint (``core.imprint`` …).
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from .access.policy import can_use_coordination
from .config import missing_operator_settings
from .core.views import bp
from .regions.services import site_scope


def legal_page(template: str):
    """A legal page filled from the operator settings; staff and admins also see which settings are still empty."""
    config = current_app.config
    address = [line.strip() for line in config["OPERATOR_ADDRESS"].split(";") if line.strip()]
    return render_template(
        template,
        operator_name=config["OPERATOR_NAME"] or site_scope().area or site_scope().title,
        operator_address=address,
        feedback_email=config["ACCESSIBILITY_CONTACT_EMAIL"] or config["OPERATOR_EMAIL"],
        missing_settings=missing_operator_settings(config) if can_use_coordination(current_user) else [],
    )


@bp.get("/impressum")
def imprint():
    """Who runs the site, how to reach them, who represents them and who supervises them."""
    return legal_page("core/impressum.html")


@bp.get("/datenschutz")
def privacy():
    """Which personal data the site keeps, why and for how long, and who is responsible."""
    return legal_page("core/datenschutz.html")


@bp.get("/barrierefreiheit")
def accessibility():
    """The accessibility statement after the BITV 2.0 template."""
    return legal_page("core/barrierefreiheit.html")
