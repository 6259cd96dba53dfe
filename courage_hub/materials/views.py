"""Public materials library."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("materials", __name__, url_prefix="/materialien")


@bp.get("/")
def index():
    """The materials library (search and sharing follow)."""
    return render_template("materials/index.html")
