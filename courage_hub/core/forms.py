"""Form pieces shared by every domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .passwords import password_problem

MAX_PASSWORD_LENGTH = 200


class NewPasswordRule:
    """Minimum length and the list of common passwords (see ``core.passwords``)."""

    def __call__(self, form, field) -> None:
        email = getattr(getattr(form, "email", None), "data", None)
        problem = password_problem(field.data or "", email=email)
        if problem:
            raise ValidationError(problem)


def new_password_fields():
    """A password field with its rules and a confirmation field (for set-password and change-password forms)."""
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Please enter a password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
            NewPasswordRule(),
        ],
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm
