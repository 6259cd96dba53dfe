"""The region pages of admins and Land staff: list, create and edit regions, and manage each region's staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access.policy import can_manage_region, can_manage_regions, managed_lands
from ..auth import services as accounts
from ..auth.models import Role, User
from ..core.permissions import permitted_or_404, require
from ..extensions import db
from . import admin
from .admin_forms import AddStaffForm, InviteStaffForm, RegionForm
from .models import Region
from .settings import SETTING_FIELDS
from .vocab import LAND_CHOICES

bp = Blueprint("region_admin", __name__, url_prefix="/verwaltung/regionen")


def _region_or_404(region_id: int) -> Region:
    """The region, if this person may manage it; another Land's region is not found (its existence stays hidden)."""
    return permitted_or_404(db.session.get(Region, region_id), can_manage_region)


def _region_form(**kwargs) -> RegionForm:
    """The region form; its Land select offers admins the 16 Länder and Land staff only their own (chosen already).
    A required select starts with an empty option, even with one Land to choose."""
    lands = managed_lands(current_user)
    if lands is not None and len(lands) == 1:
        kwargs.setdefault("land", next(iter(lands)))
    form = RegionForm(**kwargs)
    form.land.choices = [
        SelectChoice("", _("Please choose")),
        *(SelectChoice(code, name) for code, name in LAND_CHOICES if lands is None or code in lands),
    ]
    return form


# The region's columns the form shows: its name, area and Land, and every setting its office keeps (its
# municipalities are rows of their own).
EDITED_COLUMNS = ("name", "area", "land", *SETTING_FIELDS)


def _add_form(region: Region) -> AddStaffForm:
    form = AddStaffForm(prefix="add")
    candidates = admin.staff_candidates(region, managed_lands(current_user))
    form.user_id.choices = [
        SelectChoice("", _("Please choose")),
        *(SelectChoice(str(user.id), f"{user.name} ({user.email})") for user in candidates),
    ]
    return form


@bp.get("")
@require(can_manage_regions)
def index():
    """The regions an admin (every Land) or Land staff member (their Land) manages, with their counts."""
    rows = admin.region_rows(managed_lands(current_user))
    return render_template("regions/admin/index.html", rows=rows)


@bp.route("/neu", methods=["GET", "POST"])
@require(can_manage_regions)
def create():
    """Create a region: office, area, Land, municipalities, public contact and settings."""
    form = _region_form()
    if form.validate_on_submit():
        try:
            region = admin.create(form.region_data())
        except admin.RegionRefused as refused:
            form.municipalities.errors = [*form.municipalities.errors, *refused.messages]
        else:
            flash(_("The region %(name)s has been created.", name=region.name), "success")
            return redirect(url_for("region_admin.edit", region_id=region.id))
    return render_template("regions/admin/form.html", form=form, region=None)


def _edit_page(region: Region, form=None, add_form=None, invite_form=None):
    if form is None:
        stored = {name: getattr(region, name) for name in EDITED_COLUMNS}
        form = _region_form(municipalities="\n".join(admin.municipality_names_of(region.id)), **stored)
    return render_template(
        "regions/admin/form.html",
        region=region,
        form=form,
        staff=admin.staff_of(region.id),
        add_form=add_form or _add_form(region),
        invite_form=invite_form or InviteStaffForm(prefix="invite"),
    )


@bp.route("/<int:region_id>/bearbeiten", methods=["GET", "POST"])
@require(can_manage_regions)
def edit(region_id: int):
    """Edit a region, and see and manage its staff."""
    region = _region_or_404(region_id)
    form = _region_form() if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        try:
            changed = admin.update(region, form.region_data())
        except admin.RegionRefused as refused:
            form.municipalities.errors = [*form.municipalities.errors, *refused.messages]
        else:
            if changed:
                flash(_("The region %(name)s has been saved.", name=region.name), "success")
            else:
                flash(_("Nothing has changed."), "info")
            return redirect(url_for("region_admin.edit", region_id=region.id))
    return _edit_page(region, form=form)


@bp.post("/<int:region_id>/mitarbeitende")
@require(can_manage_regions)
def add_staff(region_id: int):
    """Let an existing regional staff account work in this region too."""
    region = _region_or_404(region_id)
    form = _add_form(region)
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user_id.data))
        admin.add_staff(region, user)
        flash(_("%(name)s now works in %(region)s.", name=user.name, region=region.name), "success")
        return redirect(url_for("region_admin.edit", region_id=region.id))
    return _edit_page(region, add_form=form)


@bp.post("/<int:region_id>/mitarbeitende/<int:user_id>/entfernen")
@require(can_manage_regions)
def remove_staff(region_id: int, user_id: int):
    """End a staff account's work in this region (the account itself stays)."""
    region = _region_or_404(region_id)
    user = db.session.get(User, user_id)
    if user is None or not admin.remove_staff(region, user):
        abort(404)
    flash(_("%(name)s no longer works in %(region)s.", name=user.name, region=region.name), "success")
    return redirect(url_for("region_admin.edit", region_id=region.id))


@bp.post("/<int:region_id>/einladen")
@require(can_manage_regions)
def invite_staff(region_id: int):
    """Create a regional staff account for this region and mail an invitation to set a password."""
    region = _region_or_404(region_id)
    form = InviteStaffForm(prefix="invite")
    if form.validate_on_submit():
        if accounts.email_taken(form.email.data):
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            user = accounts.invite_account(form.name.data, form.email.data, Role.KI_STAFF, region_ids=[region.id])
            flash(_("The account for %(name)s has been created and an invitation sent.", name=user.name), "success")
            return redirect(url_for("region_admin.edit", region_id=region.id))
    return _edit_page(region, invite_form=form)
