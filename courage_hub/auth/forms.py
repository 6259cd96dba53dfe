"""Forms for signing in, passwords and account management."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..core.forms import (
    MAX_PASSWORD_LENGTH,
    FlaskForm,
    MultiCheckboxField,
    account_name_field,
    email_validators,
    new_password_fields,
)
from ..regions.vocab import LAND_CHOICES
from .models import ROLE_LABELS, Role


def current_password_field(label: str = _l("Your password")) -> PasswordField:
    """The password of the signed-in person (or of the account signing in), to confirm who acts."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Please enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


EMAIL_VALIDATORS = email_validators(_l("Please enter your e-mail address."))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "username"})
    password = current_password_field(_l("Password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "email"})


class SetPasswordForm(FlaskForm):
    password, password_confirm = new_password_fields()


class FirstPasswordForm(FlaskForm):
    """An invited person chooses the first password of their account."""

    password, password_confirm = new_password_fields(first=True)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = new_password_fields()


class ConfirmEmailForm(FlaskForm):
    """Only a button: confirming is a POST."""


class CreateAccountForm(FlaskForm):
    name = account_name_field()
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "off"})
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("", _l("Please choose")),
            *(
                SelectChoice(role.value, ROLE_LABELS[role])
                for role in (Role.KI_STAFF, Role.LAND_STAFF, Role.NATIONAL_STAFF, Role.ADMIN)
            ),
        ],
        validators=[DataRequired(message=_l("Please choose a role."))],
        description=_l("School coordinators join through their school's registration or an invitation."),
    )
    # The choices are the regions of the installation, set by the view.
    regions = MultiCheckboxField(
        _l("Regions"), coerce=int, description=_l("For regional coordination: the regions the person works in.")
    )
    land = SelectField(
        _l("Land"),
        choices=[SelectChoice("", _l("Please choose")), *(SelectChoice(code, name) for code, name in LAND_CHOICES)],
        default="",
        description=_l("For Land coordination: the Land whose regions the person looks after."),
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.role.data == Role.KI_STAFF.value and not self.regions.data:
            self.regions.errors = [*self.regions.errors, _l("Please choose at least one region for regional staff.")]
            valid = False
        if self.role.data == Role.LAND_STAFF.value and not self.land.data:
            self.land.errors = [*self.land.errors, _l("Please choose the Land for Land coordination.")]
            valid = False
        return valid


class DeleteAccountForm(FlaskForm):
    """Deleting the own account: the password and an explicit confirmation."""

    password = current_password_field()
    confirm = BooleanField(
        _l("I understand that my account is deleted for good."),
        validators=[DataRequired(message=_l("Please confirm that you want to delete your account."))],
    )


CODE_RENDER_KW = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "maxlength": 7}


def code_field(description: str = "") -> StringField:
    """The six-digit code of the authenticator app."""
    return StringField(
        _l("Code from your authenticator app"),
        validators=[
            DataRequired(message=_l("Please enter the six-digit code.")),
            Length(max=7, message=_l("The code has six digits.")),
        ],
        description=description,
        render_kw=CODE_RENDER_KW,
    )


class AccountPageForm(FlaskForm):
    """A form that shares the account page with the password change: its fields carry ``field_prefix``, so no id
    is used twice on the page."""

    field_prefix = ""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", self.field_prefix)
        super().__init__(*args, **kwargs)


class SecondFactorForm(FlaskForm):
    """The six-digit code from the authenticator app."""

    code = code_field(_l("Six digits; the app shows a new one every 30 seconds."))


class RecoveryCodeForm(FlaskForm):
    """One of the ten recovery codes, when the phone is not at hand."""

    recovery_code = StringField(
        _l("Recovery code"),
        validators=[
            DataRequired(message=_l("Please enter one of your recovery codes.")),
            Length(max=20, message=_l("The recovery code is too long.")),
        ],
        description=_l("Ten characters, e.g. abcde-fghij. Each recovery code works once."),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class TurnOffSecondFactorForm(AccountPageForm):
    field_prefix = "off"

    password = current_password_field()
    code = code_field()


class NewRecoveryCodesForm(AccountPageForm):
    field_prefix = "codes"

    password = current_password_field()
