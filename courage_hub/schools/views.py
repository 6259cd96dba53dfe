"""Public school directory and the coordinators' pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..core.permissions import is_coordinator, require
from .services import schools_of

bp = Blueprint("schools", __name__)


@bp.get("/meine-schulen")
@require(is_coordinator)
def my_schools():
    """The coordinator's start page: the schools they act for."""
    return render_template("schools/my_schools.html", schools=schools_of(current_user))
