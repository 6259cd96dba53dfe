"""Form pieces shared by every domain, and the base class of every form.

Every form of the app derives from :class:`FlaskForm` below (imported under Flask-WTF's name, so a domain's forms
read as usual). It refuses line breaks in every single-line field (names, titles, e-mail addresses, phone numbers …:
every ``StringField`` that is not a ``TextAreaField``): a browser never puts one there, and a line break in a name
would split a mail header, a CSV cell or a log line. Text areas keep them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import Field, PasswordField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from .passwords import password_problem

MAX_PASSWORD_LENGTH = 200


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (topics, levels)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SingleLine:
    """Refuses carriage return and line feed (and the other Unicode line separators) in a one-line field."""

    BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data if isinstance(field.data, str) else ""
        if any(ch in self.BREAKS for ch in value):
            raise ValidationError(self.message or _l("Please enter this on one line, without line breaks."))


SINGLE_LINE = SingleLine()


def is_single_line(field: Field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, TextAreaField)


class FlaskForm(_FlaskForm):
    """Flask-WTF's form with one rule for every form: single-line fields refuse line breaks."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if is_single_line(field):
                extra.setdefault(name, []).append(SINGLE_LINE)
        return super().validate(extra_validators=extra)


class NewPasswordRule:
    """Minimum length and the list of common passwords (see ``core.passwords``)."""

    def __call__(self, form, field) -> None:
        email = getattr(getattr(form, "email", None), "data", None)
        problem = password_problem(field.data or "", email=email)
        if problem:
            raise ValidationError(problem)


def new_password_fields(*, first: bool = False):
    """A password field with its rules and a confirmation field (for set-password and change-password forms).

    ``first``: the person has no password yet (registration, invitation), so the labels say "Password", not "New".
    """
    password = PasswordField(
        _l("Password") if first else _l("New password"),
        validators=[
            DataRequired(message=_l("Please enter a password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
            NewPasswordRule(),
        ],
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password") if first else _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def email_validators(required: str | None = None) -> list:
    """The rules of an e-mail address field: required with the message ``required`` (optional without one), at most
    254 characters, and a valid address."""
    return [
        DataRequired(message=required) if required else Optional(),
        Length(max=254, message=_l("The e-mail address is too long.")),
        Email(message=_l("Please enter a valid e-mail address, e.g. name@schule.de.")),
    ]


def account_name_field() -> StringField:
    """The name of a person whose account someone else creates (staff invited by an admin or a Land office)."""
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Please enter a name.")),
            Length(max=200, message=_l("The name may have at most 200 characters.")),
        ],
        render_kw={"autocomplete": "off"},
    )
