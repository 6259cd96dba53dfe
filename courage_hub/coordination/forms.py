"""Forms of the KI's pages: internal notes, reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..core.forms import FlaskForm
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
