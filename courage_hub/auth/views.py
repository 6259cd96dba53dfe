"""Sign in and out, passwords, the own account, and account management for admins."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..core.permissions import can_manage_accounts, require
from ..core.urls import safe_next_url
from ..extensions import db
from . import privacy, services
from .forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    CreateAccountForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from .models import Role, TokenPurpose, User

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/verwaltung")


def _start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    login_user(user)


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; go on to a same-site ``next`` page or the role's page."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.LoginRefused as refused:
            form.form_errors.append(refused.message)
        else:
            if user is None:
                form.form_errors.append(_("E-mail address or password is not correct."))
            else:
                _start_session(user)
                flash(_("You are signed in."), "success")
                return redirect(safe_next_url(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/abmelden")
def logout():
    """Sign out and end every session of this account on every device."""
    if current_user.is_authenticated:
        services.logout_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/passwort/vergessen", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr or "")
        flash(
            _(
                "If an account exists for this address, we have sent a link to it. "
                "The link is valid for one hour and can be used once."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _set_password_page(token: str, purposes: tuple[TokenPurpose, ...], template: str):
    if services.valid_token(token, purposes) is None:
        return render_template("auth/token_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = services.set_password_with_token(token, purposes, form.password.data)
        if user is None:
            return render_template("auth/token_invalid.html"), 410
        logout_user()
        session.clear()
        flash(_("Your password has been saved. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form)


@bp.route("/passwort/neu/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password with a single-use link from the reset mail."""
    return _set_password_page(token, (TokenPurpose.PASSWORD_RESET,), "auth/reset_password.html")


@bp.route("/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation by choosing a password."""
    return _set_password_page(token, (TokenPurpose.INVITATION,), "auth/accept_invitation.html")


@bp.route("/konto/bestaetigen/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm the e-mail address of a new registration (a button, so that mail scanners do not confirm)."""
    if services.valid_token(token, (TokenPurpose.EMAIL_CONFIRMATION,)) is None:
        return render_template("auth/token_invalid.html"), 410
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        if services.confirm_email(token) is None:
            return render_template("auth/token_invalid.html"), 410
        flash(_("Thank you, your e-mail address is confirmed. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/confirm_email.html", form=form)


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    """The own account: details and password change (which signs out every other device)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            _start_session(user)
            flash(_("Your password has been changed. All other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append(_("The current password is not correct."))
    return render_template("auth/account.html", form=form)


@bp.get("/konto/daten.json")
@login_required
def export_data():
    """Download every piece of personal data the hub holds about the signed-in person (Art. 15/20 GDPR)."""
    data = privacy.export_data(current_user._get_current_object())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="courage-hub-meine-daten.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/konto/loeschen", methods=["GET", "POST"])
@login_required
def delete_account():
    """Warn what deleting the own account means, then delete it after the password is confirmed."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(user, form.password.data)
        except privacy.DeletionRefused as refused:
            form.form_errors.append(refused.message)
        else:
            logout_user()
            session.clear()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("core.index"))
    return render_template("auth/delete_account.html", form=form, preview=privacy.deletion_preview(user))


@admin_bp.get("/konten")
@require(can_manage_accounts)
def accounts():
    """List all accounts for the admin."""
    users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render_template("admin/accounts.html", users=users)


@admin_bp.route("/konten/neu", methods=["GET", "POST"])
@require(can_manage_accounts)
def create_account():
    """Create a KI staff or admin account and mail an invitation to set a password."""
    form = CreateAccountForm()
    if form.validate_on_submit():
        if services.email_taken(form.email.data):
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            user = services.invite_account(form.name.data, form.email.data, Role(form.role.data))
            flash(_("The account for %(name)s has been created and an invitation sent.", name=user.name), "success")
            return redirect(url_for("admin.accounts"))
    return render_template("admin/create_account.html", form=form)


@admin_bp.post("/konten/<int:user_id>/status")
@require(can_manage_accounts)
def set_account_active(user_id: int):
    """Deactivate (ending all its sessions) or reactivate an account."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.accounts"))
    active = request.form.get("active") == "1"
    services.set_active(user, active)
    if active:
        flash(_("The account of %(name)s is active again.", name=user.name), "success")
    else:
        flash(_("The account of %(name)s has been deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.accounts"))
