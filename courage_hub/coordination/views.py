"""The KI dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..core.permissions import can_use_coordination, require
from ..extensions import db
from ..schools.models import Approval, School

bp = Blueprint("coordination", __name__, url_prefix="/koordination")


@bp.get("/")
@require(can_use_coordination)
def dashboard():
    """Key figures of the Kreis network for KI staff."""
    rows = db.session.execute(
        select(School.status, func.count()).where(School.approval == Approval.APPROVED).group_by(School.status)
    ).all()
    counts = dict(rows)
    pending = db.session.scalar(select(func.count()).where(School.approval == Approval.PENDING))
    return render_template("coordination/dashboard.html", counts=counts, pending=pending)
