"""Account management for admins: the list of accounts, creating staff accounts with an invitation, deactivating
and reactivating them, and resetting a lost second factor."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access.policy import can_manage_accounts
from ..core.permissions import require
from ..extensions import db
from ..regions.admin import region_names_by_user
from ..regions.services import all_regions
from ..regions.vocab import land_name
from . import services, twofactor
from .forms import CreateAccountForm
from .models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/verwaltung")


@bp.get("/konten")
@require(can_manage_accounts)
def accounts():
    """List all accounts for the admin."""
    users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    staff_ids = [user.id for user in users if user.role == Role.KI_STAFF]
    return render_template(
        "admin/accounts.html", users=users, regions_of=region_names_by_user(staff_ids), land_name=land_name
    )


@bp.route("/konten/neu", methods=["GET", "POST"])
@require(can_manage_accounts)
def create_account():
    """Create a staff or admin account and mail an invitation to set a password: regional staff with their
    regions, Land staff with their Land."""
    form = CreateAccountForm()
    form.regions.choices = [SelectChoice(region.id, f"{region.name} ({region.land_name})") for region in all_regions()]
    if form.validate_on_submit():
        if services.email_taken(form.email.data):
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            user = services.invite_account(
                form.name.data,
                form.email.data,
                Role(form.role.data),
                land=form.land.data or None,
                region_ids=form.regions.data or [],
            )
            flash(_("The account for %(name)s has been created and an invitation sent.", name=user.name), "success")
            return redirect(url_for("admin.accounts"))
    return render_template("admin/create_account.html", form=form)


def _other_account_or_404(user_id: int, refusal: str) -> User | None:
    """Another person's account; for one's own account the refusal is flashed and None returned."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(refusal, "error")
        return None
    return user


@bp.post("/konten/<int:user_id>/status")
@require(can_manage_accounts)
def set_account_active(user_id: int):
    """Deactivate (ending all its sessions) or reactivate an account."""
    user = _other_account_or_404(user_id, _("You cannot deactivate your own account."))
    if user is None:
        return redirect(url_for("admin.accounts"))
    active = request.form.get("active") == "1"
    services.set_active(user, active)
    if active:
        flash(_("The account of %(name)s is active again.", name=user.name), "success")
    else:
        flash(_("The account of %(name)s has been deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.accounts"))


@bp.post("/konten/<int:user_id>/zweiter-faktor")
@require(can_manage_accounts)
def reset_second_factor(user_id: int):
    """Remove a lost second factor of another account (audited); staff set up a new one at their next sign-in."""
    user = _other_account_or_404(user_id, _("You cannot reset your own second factor."))
    if user is None:
        return redirect(url_for("admin.accounts"))
    twofactor.reset_by_admin(user)
    flash(
        _("The second factor of %(name)s has been reset and the account signed out everywhere.", name=user.name),
        "success",
    )
    return redirect(url_for("admin.accounts"))
