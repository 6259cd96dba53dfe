"""The settings page of a regional office (/koordination/region): its staff keep the public contact, the short
introduction, the contact deadline and the Reply-To of its mails; Land staff may do so for the regions of their
Land, admins for every region."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access.policy import can_edit_region, can_edit_regions
from ..core.permissions import require
from ..extensions import db
from ..regions import settings
from ..regions.models import Region
from ..regions.services import RegionInfo, all_regions
from .contact_needed import contact_rule
from .forms import RegionSettingsForm
from .views import bp


def _editable_regions() -> list[RegionInfo]:
    return [region for region in all_regions() if can_edit_region(current_user, region)]


@bp.route("/region", methods=["GET", "POST"])
@require(can_edit_regions)
def region_settings():
    """Edit the chosen region's settings (``?region=<slug>``; default: the first region the person may edit)."""
    regions = _editable_regions()
    slug = request.args.get("region", "")
    chosen = next((r for r in regions if r.slug == slug), None) if slug else (regions[0] if regions else None)
    if chosen is None:
        abort(404)
    region = db.session.get(Region, chosen.id)
    form = RegionSettingsForm(obj=region) if request.method == "GET" else RegionSettingsForm()
    if form.validate_on_submit():
        values = {name: form[name].data for name in settings.SETTING_FIELDS}
        if settings.update_settings(region, values, current_user._get_current_object()):
            flash(_("The settings of %(region)s have been saved.", region=chosen.area), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("coordination.region_settings", region=slug or None))
    return render_template(
        "coordination/region_settings.html",
        form=form,
        region=chosen,
        region_choices=[(r.slug, r.area) for r in regions],
        default_deadline=contact_rule().deadline,
    )
