"""The coordinators of a school: invite, add and remove them, withdraw or resend an invitation, and accept one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..access.policy import is_coordinator, is_staff_of_school
from ..extensions import db
from . import coordinators, invitations, services
from .forms import AcceptInvitationForm, ConfirmForm, InviteForm
from .views import bp, process_school_or_403


@bp.route("/schulen/<slug>/koordination/einladen", methods=["GET", "POST"])
@login_required
def invite(slug: str):
    """Invite another coordinator by e-mail (KI staff add existing coordinator accounts directly)."""
    school = process_school_or_403(slug)
    handover = request.args.get("uebergabe") == "1" and is_coordinator(current_user)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            if is_staff_of_school(current_user, school):
                added = coordinators.assign_coordinator(school, current_user, form.email.data)
            else:
                replaces = current_user._get_current_object() if handover else None
                coordinators.invite_coordinator(school, current_user, form.email.data, replaces=replaces)
                added = None
        except services.RuleViolation as violation:
            form.email.errors.append(violation.message)
        else:
            if added is not None:
                flash(_("%(name)s now coordinates the school.", name=added.name), "success")
            elif handover:
                flash(
                    _("The invitation has been sent. You leave the coordination as soon as it is accepted."), "success"
                )
            else:
                flash(_("The invitation has been sent. It is valid for 7 days."), "success")
            return redirect(url_for("schools.manage", slug=school.slug))
    return render_template("schools/invite.html", school=school, form=form, handover=handover)


@bp.route("/schulen/<slug>/koordination/<int:user_id>/entfernen", methods=["GET", "POST"])
@login_required
def remove_coordinator(slug: str, user_id: int):
    """Ask first, then remove a coordinator, or leave (if it is oneself); the last one must hand over first."""
    from ..auth.models import User

    school = process_school_or_403(slug)
    member = db.session.get(User, user_id)
    if member is None or school.id not in coordinators.membership_school_ids_fresh(member):
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("schools/remove_coordinator.html", school=school, member=member, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        coordinators.remove_coordinator(school, current_user, member)
    except services.RuleViolation as violation:
        flash(violation.message, "error")
        return redirect(url_for("schools.manage", slug=school.slug))
    if member.id == current_user.id:
        flash(_("You no longer coordinate %(school)s.", school=school.name), "success")
        return redirect(url_for("core.home"))
    flash(_("%(name)s no longer coordinates the school.", name=member.name), "success")
    return redirect(url_for("schools.manage", slug=school.slug))


def _act_on_invitation(slug: str, invitation_id: int, action, done_message: str):
    """Withdraw or resend one open invitation of the school after the confirm form, then back to the school."""
    school = process_school_or_403(slug)
    invitation = invitations.open_invitation(school, invitation_id)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(school, current_user, invitation)
    except services.RuleViolation as violation:
        flash(violation.message, "error")
    else:
        flash(done_message % {"email": invitation.email}, "success")
    return redirect(url_for("schools.manage", slug=school.slug))


@bp.post("/schulen/<slug>/koordination/einladungen/<int:invitation_id>/zurueckziehen")
@login_required
def withdraw_invitation(slug: str, invitation_id: int):
    """Withdraw an open invitation (e.g. sent to a wrong address); its link then explains that."""
    return _act_on_invitation(
        slug,
        invitation_id,
        invitations.withdraw_invitation,
        _("The invitation to %(email)s has been withdrawn."),
    )


@bp.post("/schulen/<slug>/koordination/einladungen/<int:invitation_id>/erneut-senden")
@login_required
def resend_invitation(slug: str, invitation_id: int):
    """Send an invitation again with a new link (valid for 7 days from now); the old link stops working."""
    return _act_on_invitation(
        slug,
        invitation_id,
        invitations.resend_invitation,
        _("The invitation to %(email)s has been sent again with a new link."),
    )


def _dead_invitation_page(token: str):
    """Why this invitation link does not work (accepted, withdrawn, expired) and whom to ask for a new one."""
    state, invitation, inviter = invitations.dead_link(token)
    return (
        render_template(
            "schools/invitation_invalid.html",
            state=state.value,
            invitation=invitation,
            inviter=inviter,
            days=coordinators.INVITATION_DAYS,
        ),
        410,
    )


@bp.route("/schulen/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation: as the signed-in owner of the address, or by creating an account (then signed in)."""
    from ..auth import services as auth_services
    from ..auth.session import start_session

    invitation = coordinators.valid_invitation(token)
    if invitation is None:
        return _dead_invitation_page(token)
    existing = coordinators.account_for_invitation(invitation)
    signed_in = current_user if current_user.is_authenticated else None
    if existing is not None and (signed_in is None or signed_in.id != existing.id):
        if signed_in is not None:
            logout_user()
        flash(_("Please sign in with %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("auth.login", next=request.path))
    form = ConfirmForm() if existing is not None else AcceptInvitationForm()
    school_name, school_slug = invitation.school.name, invitation.school.slug
    if form.validate_on_submit():
        try:
            data = {} if existing else {"name": form.name.data, "password": form.password.data}
            user = coordinators.accept_invitation(token, existing, **data)
        except services.RuleViolation as violation:
            form.form_errors.append(violation.message)
            invitation = coordinators.valid_invitation(token)  # loaded again: the refused transaction expired it
            if invitation is None:
                return _dead_invitation_page(token)
        else:
            if existing is None and not user.second_factor_required:  # a coordinator account needs no factor
                auth_services.complete_login(user)
                start_session(user)  # a fresh session: whatever the browser had before ends here
            flash(_("You now coordinate %(school)s.", school=school_name), "success")
            if user.second_factor_required:
                return redirect(url_for("auth.login"))
            return redirect(url_for("schools.manage", slug=school_slug))
    return render_template("schools/accept_invitation.html", invitation=invitation, form=form, existing=existing)
