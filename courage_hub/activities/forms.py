"""The report form and the moderation form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import FlaskForm, MultiCheckboxField
from ..core.vocab import TOPICS
from .vocab import ACTIVITY_TYPES


def _http_links(form, field) -> None:
    for line in (field.data or "").splitlines():
        line = line.strip()
        if line and (not line.startswith(("https://", "http://")) or " " in line):
            raise ValidationError(_l("Please enter one full web address per line, starting with https://"))


class ActivityForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Please enter a title.")), Length(max=200)],
        description=_l("e.g. Project day “Courage against racism” of grade 8"),
    )
    start_date = DateField(_l("Date (start)"), validators=[InputRequired(message=_l("Please enter the date."))])
    end_date = DateField(_l("End date (optional)"), validators=[Optional()])
    activity_type = SelectField(
        _l("Type of activity"),
        choices=[SelectChoice("", _l("Please choose"))] + [SelectChoice(t, t) for t in ACTIVITY_TYPES],
        validators=[DataRequired(message=_l("Please choose the type of activity."))],
    )
    topics = MultiCheckboxField(
        _l("Topics"),
        choices=[SelectChoice(t, t) for t in TOPICS],
        validators=[DataRequired(message=_l("Please choose at least one topic."))],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000, message=_l("At most 20,000 characters."))],
        description=_l("What happened, what did the pupils do, what did they learn? Formatting with Markdown works."),
        render_kw={"rows": 10},
    )
    groups = StringField(
        _l("Grades or groups involved"), validators=[Optional(), Length(max=300)], description=_l("e.g. grade 8, SV")
    )
    participants = IntegerField(
        _l("Approximate number of participants"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000, message=_l("Please enter a number from 0 to 100,000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    partners = StringField(
        _l("Partners"),
        validators=[Optional(), Length(max=500)],
        description=_l("e.g. the patron, a museum, a memorial site"),
    )
    links = TextAreaField(
        _l("Links"),
        validators=[Optional(), Length(max=3000), _http_links],
        description=_l("One web address per line."),
        render_kw={"rows": 3},
    )
    counts_as_project = BooleanField(
        _l("Counts as this school year's project"),
        description=_l("Every member school runs at least one project against discrimination per school year."),
    )
    photo_consent = BooleanField(
        _l(
            "For every identifiable person in the photos, written consent exists (parents for pupils under 16, "
            "the pupils themselves from 12)."
        ),
        description=_l("§ 120 (5) SchulG NRW. A photo can be removed at any time if consent is withdrawn."),
    )
    photos = MultipleFileField(
        _l("Photos"),
        description=_l(
            "JPEG, PNG or WebP, at most 10 MB each. You can choose several photos at once; after uploading you "
            "describe each one for people who cannot see it."
        ),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    attachments = MultipleFileField(
        _l("Attachments (optional)"),
        description=_l("PDF, ODT, DOCX, ODP, PPTX or images, at most 20 MB each."),
    )
    version = HiddenField()


class UnpublishForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the school sees it)"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)],
        render_kw={"rows": 3},
    )


class ButtonForm(FlaskForm):
    """Only a button (CSRF protection for one action)."""
