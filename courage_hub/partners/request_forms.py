"""The forms of a request for an offer: asking (school, dates, group, grade, note), answering, and the one-button
actions (carried out, withdraw), each with the version of the request the page showed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.forms import FlaskForm

NOTE_MAX = 2000


class RequestForm(FlaskForm):
    # Choices are the coordinator's schools that the partner serves (set by the view); shown only when there are
    # several, otherwise the one school is implied.
    school = RadioField(
        _l("For which school?"), choices=[], validators=[DataRequired(message=_l("Please choose a school."))]
    )
    preferred_dates = TextAreaField(
        _l("Preferred dates or period"),
        validators=[
            DataRequired(message=_l("Please name preferred dates or a period.")),
            Length(max=500, message=_l("At most 500 characters.")),
        ],
        description=_l("e.g. second half of March, Tuesday or Thursday mornings"),
        render_kw={"rows": 2},
    )
    group_size = IntegerField(
        _l("Group size (optional)"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1,000."))],
        description=_l("How many pupils or teachers take part?"),
        render_kw={"inputmode": "numeric"},
    )
    grade = StringField(
        _l("Grade (optional)"),
        validators=[Optional(), Length(max=40, message=_l("At most 40 characters."))],
        description=_l("e.g. 9 or 9–10"),
    )
    note = TextAreaField(
        _l("Note to the partner (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("At most 2,000 characters."))],
        description=_l("What should the partner know in advance? Please do not name any pupils."),
        render_kw={"rows": 4},
    )


class AnswerForm(FlaskForm):
    decision = RadioField(
        _l("Your answer"),
        choices=[SelectChoice("accept", _l("Accept")), SelectChoice("decline", _l("Decline"))],
        validators=[DataRequired(message=_l("Please choose whether you accept or decline."))],
    )
    note = TextAreaField(
        _l("Note to the school (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("At most 2,000 characters."))],
        description=_l("e.g. a proposed date, what the school should prepare, or why it does not work out"),
        render_kw={"rows": 3},
    )
    version = HiddenField()


class RequestActionForm(FlaskForm):
    """A button (carried out, withdraw) with the version of the request the page showed."""

    version = HiddenField()
