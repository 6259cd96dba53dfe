"""Sign in and out, the second factor, passwords, and the own account (account management for admins is in
``admin_views``)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..access.scope import staff_region_ids
from ..core.urls import safe_next_url
from . import privacy, services, twofactor
from .forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    FirstPasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewRecoveryCodesForm,
    RecoveryCodeForm,
    SecondFactorForm,
    SetPasswordForm,
    TurnOffSecondFactorForm,
)
from .models import Role, TokenPurpose, User
from .session import begin_pending_login, clear_pending_login, pending_login_user, pending_next_url, start_session

bp = Blueprint("auth", __name__)


def _start_session(user: User) -> None:
    start_session(user)


def _client_ip() -> str:
    return request.remote_addr or ""


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; accounts with a second factor (and staff, who must have one) go on to it."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, _client_ip())
        except services.LoginRefused as refused:
            form.form_errors.append(refused.message)
        else:
            if user is None:
                form.form_errors.append(_("E-mail address or password is not correct."))
            else:
                next_url = safe_next_url(request.args.get("next"))
                if user.has_second_factor:
                    begin_pending_login(user, next_url)
                    return redirect(url_for("auth.second_factor"))
                if user.second_factor_required:
                    begin_pending_login(user, next_url)
                    return redirect(url_for("auth.second_factor_enrolment"))
                return _finish_login(user, next_url)
    return render_template("auth/login.html", form=form)


def _finish_login(user: User, next_url: str | None):
    services.complete_login(user)
    _start_session(user)
    flash(_("You are signed in."), "success")
    _hint_without_region(user)
    return redirect(next_url or url_for("core.home"))


def _hint_without_region(user: User) -> None:
    """Regional staff who work in no region yet see empty coordination pages: say why and whom to ask."""
    if user.role == Role.KI_STAFF and not staff_region_ids(user):
        flash(
            _(
                "Your account does not belong to any region yet, so the coordination pages stay empty. "
                "Please ask an administrator to add you to your region."
            ),
            "warning",
        )


def _pending_or_restart() -> User | None:
    if current_user.is_authenticated:
        return None
    user = pending_login_user()
    if user is None:
        flash(_("Please sign in again: the sign-in was not completed in time."), "info")
    return user


@bp.route("/anmelden/code", methods=["GET", "POST"])
def second_factor():
    """The second sign-in step: a code from the authenticator app, or a recovery code."""
    user = _pending_or_restart()
    if user is None:
        return redirect(url_for("core.home" if current_user.is_authenticated else "auth.login"))
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor_enrolment"))
    form, recovery_form = SecondFactorForm(), RecoveryCodeForm()
    if "recovery_code" in request.form:
        if recovery_form.validate_on_submit():
            if twofactor.check_code(user, recovery_form.recovery_code.data, _client_ip()):
                return _finish_second_factor(user, recovery=True)
            recovery_form.recovery_code.errors.append(_("This recovery code is not valid or has been used."))
    elif form.validate_on_submit():
        if twofactor.check_code(user, form.code.data, _client_ip(), allow_recovery=False):
            return _finish_second_factor(user)
        form.code.errors.append(_("The code is not correct. Please enter the current code from your app."))
    return render_template("auth/second_factor.html", form=form, recovery_form=recovery_form)


def _finish_second_factor(user: User, *, recovery: bool = False):
    next_url = pending_next_url()
    clear_pending_login()
    response = _finish_login(user, next_url)
    if recovery:
        left = twofactor.remaining_recovery_codes(user)
        flash(
            ngettext(
                "You have %(num)d unused recovery code left. You can make new ones on your account page.",
                "You have %(num)d unused recovery codes left. You can make new ones on your account page.",
                left,
            ),
            "info",
        )
    return response


def _enrolment_page(user: User, *, signing_in: bool):
    """Show the QR code and the secret, and switch the factor on with a first code; then show the recovery codes."""
    form = SecondFactorForm()
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(user, form.code.data, _client_ip())
        if codes is not None:
            if signing_in:
                next_url = pending_next_url()
                clear_pending_login()
                services.complete_login(user)
                _start_session(user)
                _hint_without_region(user)
            else:
                next_url = None
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url or url_for("core.home"))
        form.code.errors.append(_("The code is not correct. Please enter the current code from your app."))
    secret = twofactor.enrolment_secret(user)
    uri = twofactor.provisioning_uri(user, secret)
    return render_template(
        "auth/second_factor_setup.html",
        form=form,
        qr_code=twofactor.qr_code_svg(uri, _("QR code for your authenticator app")),
        secret=twofactor.grouped(secret),
        user=user,
        signing_in=signing_in,
    )


@bp.route("/anmelden/zweiter-faktor-einrichten", methods=["GET", "POST"])
def second_factor_enrolment():
    """Staff without a second factor set one up before their first sign-in completes."""
    user = _pending_or_restart()
    if user is None:
        return redirect(url_for("core.home" if current_user.is_authenticated else "auth.login"))
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    return _enrolment_page(user, signing_in=True)


@bp.route("/konto/zweiter-faktor", methods=["GET", "POST"])
@login_required
def second_factor_setup():
    """Switch the second factor on for the own account (coordinators may; staff have it already)."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return redirect(url_for("auth.account"))
    return _enrolment_page(user, signing_in=False)


@bp.post("/konto/zweiter-faktor/ausschalten")
@login_required
def second_factor_off():
    """Switch the second factor off with the password and a current code (not for staff, who must keep it)."""
    user = current_user._get_current_object()
    form = TurnOffSecondFactorForm()
    if form.validate_on_submit():
        try:
            twofactor.turn_off(user, form.password.data, form.code.data, _client_ip())
        except twofactor.SecondFactorRefused as refused:
            form.form_errors.append(refused.message)
        else:
            flash(_("Two-factor sign-in is switched off."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(off_form=form)


@bp.post("/konto/wiederherstellungscodes")
@login_required
def new_recovery_codes():
    """Replace the recovery codes (the old ones stop working) after the password is confirmed."""
    user = current_user._get_current_object()
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        codes = twofactor.new_recovery_codes(user, form.password.data)
        if codes is not None:
            return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))
        form.password.errors.append(_("The password is not correct."))
    return _account_page(codes_form=form)


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


def _set_password_page(token: str, purposes: tuple[TokenPurpose, ...], template: str, form_class=SetPasswordForm):
    if services.valid_token(token, purposes) is None:
        return render_template("auth/token_invalid.html"), 410
    form = form_class()
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
    return _set_password_page(
        token, (TokenPurpose.INVITATION,), "auth/accept_invitation.html", form_class=FirstPasswordForm
    )


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


def _account_page(form=None, off_form=None, codes_form=None):
    user = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        form=form or ChangePasswordForm(formdata=None),
        off_form=off_form or TurnOffSecondFactorForm(formdata=None),
        codes_form=codes_form or NewRecoveryCodesForm(formdata=None),
        recovery_codes_left=twofactor.remaining_recovery_codes(user) if user.has_second_factor else 0,
    )


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    """The own account: details, password change (which signs out every other device), the second factor."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            _start_session(user)
            flash(_("Your password has been changed. All other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append(_("The current password is not correct."))
    return _account_page(form=form)


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
