"""Forms of the region pages for admins and Land staff: a region, adding and inviting its staff."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..core.forms import FlaskForm, account_name_field, email_validators
from .admin import MAX_MUNICIPALITIES, RegionData, parse_municipalities

OPTIONAL_EMAIL = email_validators()


def _valid_municipalities(form, field) -> None:
    names = parse_municipalities(field.data)
    if len(names) > MAX_MUNICIPALITIES:
        raise ValidationError(_l("A region can cover at most 500 municipalities."))
    too_long = [name for name in names if len(name) > 80]
    if too_long:
        raise ValidationError(_l("A municipality's name may have at most 80 characters."))


def _valid_deadline(form, field) -> None:
    """ "MM-DD", a day that exists in a leap year (29 February is allowed)."""
    value = (field.data or "").strip()
    if not value:
        return
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2000, month, day)
    except ValueError as error:
        raise ValidationError(_l("Please enter the day as MM-DD, e.g. 03-01 for 1 March.")) from error
    if len(value) != 5:
        raise ValidationError(_l("Please enter the day as MM-DD, e.g. 03-01 for 1 March."))


class RegionForm(FlaskForm):
    name = StringField(
        _l("Name of the office"),
        validators=[
            DataRequired(message=_l("Please enter the name of the office.")),
            Length(max=200, message=_l("The name may have at most 200 characters.")),
        ],
        description=_l('For example "KI Kreis Soest".'),
    )
    area = StringField(
        _l("Area"),
        validators=[
            DataRequired(message=_l("Please enter the area the office covers.")),
            Length(max=120, message=_l("The area may have at most 120 characters.")),
        ],
        description=_l('The Kreis or city the office covers, for example "Kreis Soest".'),
    )
    land = SelectField(_l("Land"), default="", validators=[DataRequired(message=_l("Please choose the Land."))])
    municipalities = TextAreaField(
        _l("Municipalities"),
        validators=[_valid_municipalities],
        description=_l(
            "One municipality per line. A municipality belongs to at most one region; one with schools of this "
            "region cannot be removed."
        ),
        render_kw={"rows": 8},
    )
    contact_address = TextAreaField(
        _l("Postal address"),
        validators=[Length(max=500, message=_l("The address may have at most 500 characters."))],
        render_kw={"rows": 4},
    )
    contact_email = EmailField(
        _l("Public e-mail address"),
        validators=OPTIONAL_EMAIL,
        description=_l("Messages from schools go here; without one, to every staff member of the region."),
    )
    contact_phone = StringField(
        _l("Phone"), validators=[Length(max=60, message=_l("The phone number may have at most 60 characters."))]
    )
    opening_hours = StringField(
        _l("Office hours"),
        validators=[Length(max=300, message=_l("The office hours may have at most 300 characters."))],
    )
    introduction = TextAreaField(
        _l("Introduction"),
        validators=[Length(max=2000, message=_l("The introduction may have at most 2000 characters."))],
        description=_l("A few sentences about the office for its public page."),
        render_kw={"rows": 5},
    )
    contact_deadline = StringField(
        _l("Deadline for “Contact needed”"),
        validators=[_valid_deadline],
        description=_l(
            "From this day (MM-DD) of the school year an admitted school without a project needs contact. Empty: the "
            "installation's setting."
        ),
    )
    reply_to_email = EmailField(
        _l("Reply address of mails to schools"),
        validators=OPTIONAL_EMAIL,
        description=_l("Empty: the public e-mail address of the office."),
    )

    def region_data(self) -> RegionData:
        def text(field) -> str:
            return (field.data or "").strip()

        return RegionData(
            name=text(self.name),
            area=text(self.area),
            land=self.land.data,
            municipalities=parse_municipalities(self.municipalities.data),
            contact_address=text(self.contact_address),
            contact_email=text(self.contact_email).lower() or None,
            contact_phone=text(self.contact_phone),
            opening_hours=text(self.opening_hours),
            introduction=text(self.introduction),
            contact_deadline=text(self.contact_deadline) or None,
            reply_to_email=text(self.reply_to_email).lower() or None,
        )


class AddStaffForm(FlaskForm):
    user_id = SelectField(
        _l("Staff account"), default="", validators=[DataRequired(message=_l("Please choose a staff account."))]
    )


class InviteStaffForm(FlaskForm):
    name = account_name_field()
    email = EmailField(
        _l("E-mail address"),
        validators=email_validators(_l("Please enter an e-mail address.")),
        render_kw={"autocomplete": "off"},
    )
