"""Forms of the KI's pages: internal notes, reminders, the office's own settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..core.forms import FlaskForm
from ..regions.settings import valid_deadline
from .reminders import KINDS, PLACEHOLDERS, unknown_placeholders


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("New internal note"),
        description=_l("Only KI staff see notes. They are never shown to the school and never exported."),
        validators=[DataRequired(message=_l("Please write a note.")), Length(max=5000)],
        render_kw={"rows": 4},
    )


def _known_placeholders(form, field) -> None:
    unknown = unknown_placeholders(field.data or "")
    if unknown:
        raise ValidationError(
            _l(
                "Unknown placeholder %(names)s. Possible: %(known)s.",
                names=", ".join("{" + n + "}" for n in unknown),
                known=", ".join("{" + n + "}" for n in PLACEHOLDERS),
            )
        )


class ReminderForm(FlaskForm):
    kind = SelectField(_l("Kind of reminder"), choices=[SelectChoice(k, label) for k, label in KINDS.items()])
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(message=_l("Please enter a subject.")), Length(max=200), _known_placeholders],
    )
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Placeholders: {schule} school, {koordination} coordinators, {schuljahr} school year, "
            "{link} link to report."
        ),
        validators=[DataRequired(message=_l("Please enter a text.")), Length(max=10000), _known_placeholders],
        render_kw={"rows": 14},
    )
    preview_school = SelectField(_l("Preview for"), coerce=int, validate_choice=False)


def _deadline(form, field) -> None:
    if field.data and not valid_deadline(field.data.strip()):
        raise ValidationError(_l("Please enter month and day as MM-DD, e.g. 03-01 for 1 March."))


def _email_field(label, description=""):
    return EmailField(
        label,
        validators=[Optional(), Length(max=254), Email(message=_l("Please enter a valid e-mail address."))],
        description=description,
    )


class RegionSettingsForm(FlaskForm):
    """The office's public contact and introduction, its contact deadline and the Reply-To of its mails."""

    contact_address = TextAreaField(
        _l("Postal address"),
        validators=[Length(max=500, message=_l("At most 500 characters."))],
        description=_l("One line of the address per line."),
        render_kw={"rows": 4, "autocomplete": "off"},
    )
    contact_email = _email_field(_l("Public e-mail address"), _l("Shown on the public pages of the region."))
    contact_phone = StringField(_l("Phone"), validators=[Length(max=60, message=_l("At most 60 characters."))])
    opening_hours = TextAreaField(
        _l("Opening hours"),
        validators=[Length(max=300, message=_l("At most 300 characters."))],
        render_kw={"rows": 2},
    )
    introduction = TextAreaField(
        _l("Short introduction"),
        validators=[Length(max=2000, message=_l("At most 2000 characters."))],
        description=_l(
            "Who you are and how you support the schools; shown on the public page of the region. "
            "Formatting with Markdown works."
        ),
        render_kw={"rows": 6},
    )
    contact_deadline = StringField(
        _l("Contact deadline (MM-DD)"),
        validators=[Optional(), _deadline],
        description=_l(
            "From this day of the school year on, member schools without a project need contact, e.g. 03-01 for "
            "1 March. Empty: the setting of the installation applies."
        ),
        render_kw={"inputmode": "numeric", "maxlength": 5, "autocomplete": "off"},
    )
    reply_to_email = _email_field(
        _l("Reply-To address of the office's mails"),
        _l("Replies to reminders and other mails to schools go here. Empty: the public e-mail address."),
    )
