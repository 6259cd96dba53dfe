"""Forms for registration, the joining process, the profile and coordinators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..auth.forms import EMAIL_VALIDATORS
from ..core.forms import FlaskForm, new_password_fields
from ..core.schoolyear import local_today
from .models import STATUS_LABELS, SchoolStatus
from .vocab import SCHOOL_TYPES

MAX_COUNT = 100_000


def _choices(values, placeholder):
    return [SelectChoice("", placeholder)] + [SelectChoice(v, v) for v in values]


class SchoolFieldsMixin:
    """The school's own data, shared by registration and profile editing."""

    name = StringField(
        _l("Official name of the school"),
        validators=[DataRequired(message=_l("Please enter the name of the school.")), Length(max=200)],
    )
    school_type = SelectField(
        _l("School type"),
        choices=_choices(SCHOOL_TYPES, _l("Please choose")),
        validators=[DataRequired(message=_l("Please choose the school type."))],
    )
    municipality = SelectField(
        _l("Municipality"), validators=[DataRequired(message=_l("Please choose the municipality."))]
    )
    street = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("A postcode has five digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    public_email = EmailField(
        _l("Public e-mail address of the school (optional)"),
        validators=[Optional(), Length(max=254), Email(message=_l("Please enter a valid e-mail address."))],
        description=_l("Shown on the public profile. Use a general address, not a personal one."),
    )
    website = StringField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            Length(max=300),
            URL(require_tld=True, message=_l("Please enter a full address starting with https://")),
            Regexp(r"^https?://", message=_l("Please enter a full address starting with https://")),
        ],
    )


class RegistrationForm(SchoolFieldsMixin, FlaskForm):
    schulnummer = StringField(
        _l("Schulnummer"),
        validators=[
            DataRequired(message=_l("Please enter the Schulnummer.")),
            Regexp(r"^\d{6}$", message=_l("The Schulnummer has exactly six digits.")),
        ],
        description=_l("The official six-digit number of the school in North Rhine-Westphalia."),
        render_kw={"inputmode": "numeric"},
    )
    person_name = StringField(
        _l("Your name"), validators=[DataRequired(message=_l("Please enter your name.")), Length(max=200)]
    )
    email = EmailField(_l("Your e-mail address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "email"})
    password, password_confirm = new_password_fields(first=True)
    # Honeypot: invisible to people, filled by bots.
    website_url = StringField(_l("Leave this field empty"), validators=[Optional()])


class SignedInRegistrationForm(SchoolFieldsMixin, FlaskForm):
    """Registration of a further school by a coordinator who is already signed in."""

    schulnummer = RegistrationForm.schulnummer
    website_url = RegistrationForm.website_url


class ProfileForm(SchoolFieldsMixin, FlaskForm):
    description = TextAreaField(
        _l("Short description"),
        validators=[Optional(), Length(max=4000, message=_l("At most 4000 characters."))],
        description=_l("What does your school do against discrimination? Shown on the public profile."),
    )
    show_while_preparing = BooleanField(_l("Show our school in the public directory while we are preparing"))
    logo = FileField(
        _l("Logo (optional)"), description=_l("PNG, JPEG or WebP, at most 2 MB. It is converted and resized.")
    )
    remove_logo = BooleanField(_l("Remove the current logo"))
    profile_version = HiddenField()


def _count_field(label, *, minimum: int = 0, description=""):
    """A whole number of people between ``minimum`` and 100,000."""
    message = (
        _l("Please enter a whole number from 1 to 100,000.")
        if minimum
        else _l("Please enter a whole number from 0 to 100,000.")
    )
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Please enter a whole number.")),
            NumberRange(min=minimum, max=MAX_COUNT, message=message),
        ],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


class BallotForm(FlaskForm):
    held_on = DateField(_l("Date of the ballot"), validators=[InputRequired(message=_l("Please enter a date."))])
    eligible = _count_field(
        _l("Everyone eligible"),
        minimum=1,
        description=_l("Everyone who learns and works at the school: pupils, teachers and other staff."),
    )
    yes = _count_field(_l("Yes votes"))
    no = _count_field(_l("No votes"))
    invalid = _count_field(_l("Invalid votes and abstentions"))


class PatronForm(FlaskForm):
    name = StringField(
        _l("Name of the patron"),
        validators=[DataRequired(message=_l("Please enter the patron's name.")), Length(max=200)],
    )
    organisation = StringField(
        _l("Organisation or role"), validators=[Optional(), Length(max=200)], description=_l("e.g. Mayor of Soest")
    )
    confirmed_on = DateField(
        _l("Confirmed on"), validators=[Optional()], description=_l("The date the patron confirmed in writing.")
    )
    show_publicly = BooleanField(_l("The patron agrees to be named on the public profile"))


class ApplicationForm(FlaskForm):
    application_date = DateField(
        _l("Date the application was sent"), validators=[InputRequired(message=_l("Please enter a date."))]
    )


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[
            SelectChoice("", _l("Please choose")),
            *(SelectChoice(s.value, STATUS_LABELS[s]) for s in SchoolStatus),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[DataRequired(message=_l("Please say briefly why.")), Length(max=2000)],
        render_kw={"rows": 3},
    )
    admitted_on = DateField(
        _l("Admitted on"),
        validators=[Optional()],
        description=_l(
            "Only for “Member school”: the day the Bundeskoordination confirmed the admission. "
            "Left empty, the date of the admission ceremony is taken, or else today."
        ),
    )

    def validate_admitted_on(self, field) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(_l("The admission date must not be in the future."))


class CeremonyForm(FlaskForm):
    ceremony_date = DateField(_l("Date of the admission ceremony"), validators=[Optional()])
    held = BooleanField(_l("The ceremony has taken place"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})


class ContactFlagForm(FlaskForm):
    flagged = HiddenField(default="1")
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "off"})


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(message=_l("Please enter your name.")), Length(max=200)]
    )
    password, password_confirm = new_password_fields(first=True)


class ConfirmForm(FlaskForm):
    """A button-only form (CSRF protection for a single action)."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to the person who registered)"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)],
        render_kw={"rows": 4},
    )


CONTACT_SUBJECT_MAX = 150
CONTACT_MESSAGE_MAX = 5000


class ContactCoordinationForm(FlaskForm):
    """ "Kontakt zur Koordination": a coordinator writes to the KI (subject on one line, a message)."""

    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(message=_l("Please enter a subject.")),
            Length(max=CONTACT_SUBJECT_MAX, message=_l("The subject can be at most %(max)d characters long.")),
        ],
    )
    message = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(message=_l("Please write your message.")),
            Length(
                min=10,
                max=CONTACT_MESSAGE_MAX,
                message=_l("The message must be between %(min)d and %(max)d characters long."),
            ),
        ],
        render_kw={"rows": 10},
    )


class MoveSchoolForm(FlaskForm):
    """Hand a school over to another regional office (choices are set by the view)."""

    region = SelectField(
        _l("New regional office"), validators=[DataRequired(message=_l("Please choose the new regional office."))]
    )
    municipality = SelectField(
        _l("Municipality of the school"),
        description=_l("Only needed when the new office does not cover the school's current municipality."),
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Both offices see it in the timeline and the audit log."),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=500)],
        render_kw={"rows": 3},
    )
