"""The staff's forms on an event's participants: a message to every registered school, one school's attendance."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp

from ..core.forms import FlaskForm
from .participants import MESSAGE_SUBJECT_MAX, MESSAGE_TEXT_MAX


class EventMessageForm(FlaskForm):
    """A message to the coordinators of every registered school: a subject line and a text."""

    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(message=_l("Please enter a subject.")),
            Length(max=MESSAGE_SUBJECT_MAX, message=_l("The subject can be at most %(max)d characters long.")),
        ],
    )
    text = TextAreaField(
        _l("Message"),
        description=_l("Goes by e-mail to the coordinators of every school on the list and on the waiting list."),
        validators=[
            DataRequired(message=_l("Please write your message.")),
            Length(max=MESSAGE_TEXT_MAX, message=_l("The message can be at most %(max)d characters long.")),
        ],
    )


class AttendanceForm(FlaskForm):
    """Whether one registered school's group came (one small form per registration: two buttons)."""

    registration = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])
    attended = HiddenField(validators=[DataRequired(), AnyOf(["1", "0"])])
