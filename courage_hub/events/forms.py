"""The staff's event form, the cancellation form and the coordinators' registration form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import FlaskForm
from ..core.schoolyear import BERLIN
from .models import AUDIENCE_LABELS, KIND_LABELS, Event
from .services import EventData, Seats

END_OF_DAY = time(23, 59)


def _web_address(form, field) -> None:
    value = (field.data or "").strip()
    if value and (not value.startswith(("https://", "http://")) or " " in value):
        raise ValidationError(_l("Please enter a full web address starting with https://"))


def _berlin(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=BERLIN).astimezone(UTC)


def _seat_limit(label, description) -> IntegerField:
    """An optional limit of seats (empty: no limit)."""
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("Please enter a number from 1 to 100,000.")),
        ],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


class EventForm(FlaskForm):
    owner = SelectField(_l("Organised by"), validators=[DataRequired(message=_l("Please choose who organises it."))])
    kind = SelectField(
        _l("Kind of event"),
        choices=[SelectChoice("", _l("Please choose"))]
        + [SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[DataRequired(message=_l("Please choose the kind of event."))],
    )
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Please enter a title.")), Length(max=200)],
        description=_l("e.g. Regional meeting spring 2027"),
    )
    audience = RadioField(
        _l("For whom"),
        choices=[(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        default="both",
        validators=[DataRequired(message=_l("Please choose for whom the event is."))],
    )
    start_date = DateField(_l("Start date"), validators=[InputRequired(message=_l("Please enter the start date."))])
    start_time = TimeField(_l("Start time"), validators=[Optional()], description=_l("Berlin time, e.g. 14:00"))
    end_date = DateField(
        _l("End date"), validators=[Optional()], description=_l("Leave empty if it ends on the start date.")
    )
    end_time = TimeField(_l("End time"), validators=[Optional()])
    all_day = BooleanField(_l("All day (no times)"))
    place_name = StringField(
        _l("Place"), validators=[Optional(), Length(max=200)], description=_l("e.g. Kreishaus Soest, room 1")
    )
    address = TextAreaField(
        _l("Address"),
        validators=[Optional(), Length(max=500)],
        description=_l("Street, postcode and town; a map link is made from it."),
        render_kw={"rows": 2},
    )
    online_url = StringField(
        _l("Online link"),
        validators=[Optional(), Length(max=500), _web_address],
        description=_l("Only registered schools see it."),
        render_kw={"inputmode": "url"},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000, message=_l("At most 20,000 characters."))],
        description=_l("Programme, what to bring, accessibility. Formatting with Markdown works."),
        render_kw={"rows": 8},
    )
    capacity = _seat_limit(_l("Seats in all"), _l("Pupils and adults together; leave empty for no limit."))
    max_seats_per_school = _seat_limit(_l("At most seats per school"), _l("Leave empty for no limit."))
    deadline_date = DateField(
        _l("Registration deadline"),
        validators=[Optional()],
        description=_l("Schools can register, change and cancel until the end of this day; empty: until it begins."),
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(
        _l("Contact e-mail"),
        validators=[Optional(), Length(max=254), Email(message=_l("Please enter a valid e-mail address."))],
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=60)])
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        if not valid:
            return False
        if not self.all_day.data:
            for field, message in (
                (self.start_time, _l("Please enter the start time or tick “All day”.")),
                (self.end_time, _l("Please enter the end time or tick “All day”.")),
            ):
                if field.data is None:
                    field.errors.append(message)
                    valid = False
        if not valid:
            return False
        starts_at, ends_at = self.times()
        if ends_at <= starts_at:
            (self.end_date if self.end_date.data else self.end_time).errors.append(
                _l("The end must be after the start.")
            )
            valid = False
        if not (self.place_name.data or "").strip() and not (self.online_url.data or "").strip():
            self.place_name.errors.append(_l("Please enter a place or an online link."))
            valid = False
        capacity, per_school = self.capacity.data, self.max_seats_per_school.data
        if capacity is not None and per_school is not None and per_school > capacity:
            self.max_seats_per_school.errors.append(_l("Cannot be more than the seats in all."))
            valid = False
        if self.deadline_date.data is not None and _berlin(self.deadline_date.data, time(0)) > starts_at:
            self.deadline_date.errors.append(_l("The deadline cannot be after the start."))
            valid = False
        return valid

    def times(self) -> tuple[datetime, datetime]:
        """Start and end in UTC (all-day: midnight to midnight after the last day, Berlin time)."""
        first = self.start_date.data
        last = self.end_date.data or first
        if self.all_day.data:
            return _berlin(first, time(0)), _berlin(last + timedelta(days=1), time(0))
        return _berlin(first, self.start_time.data), _berlin(last, self.end_time.data)

    def data_for_service(self) -> EventData:
        starts_at, ends_at = self.times()
        deadline = self.deadline_date.data
        return EventData(
            title=self.title.data.strip(),
            kind=self.kind.data,
            audience=self.audience.data,
            starts_at=starts_at,
            ends_at=ends_at,
            all_day=bool(self.all_day.data),
            place_name=(self.place_name.data or "").strip(),
            address=(self.address.data or "").strip(),
            online_url=(self.online_url.data or "").strip() or None,
            description=self.description.data or "",
            capacity=self.capacity.data,
            max_seats_per_school=self.max_seats_per_school.data,
            registration_deadline=_berlin(deadline, END_OF_DAY) if deadline else None,
            contact_name=(self.contact_name.data or "").strip(),
            contact_email=(self.contact_email.data or "").strip() or None,
            contact_phone=(self.contact_phone.data or "").strip(),
        )

    def fill_from(self, event: Event) -> None:
        """Show a saved event in the form (times in Berlin time)."""
        start, end = event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)
        for name in ("title", "place_name", "address", "online_url", "description", "capacity"):
            getattr(self, name).data = getattr(event, name)
        self.max_seats_per_school.data = event.max_seats_per_school
        self.kind.data, self.audience.data = event.kind.value, event.audience.value
        self.all_day.data = event.all_day
        self.start_date.data = start.date()
        if event.all_day:
            self.end_date.data = (end - timedelta(days=1)).date()
        else:
            self.start_time.data, self.end_time.data = start.time(), end.time()
            self.end_date.data = end.date() if end.date() != start.date() else None
        deadline = event.registration_deadline
        self.deadline_date.data = deadline.astimezone(BERLIN).date() if deadline else None
        self.contact_name.data, self.contact_email.data = event.contact_name, event.contact_email
        self.contact_phone.data = event.contact_phone
        self.version.data = event.version


class CancelEventForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (mailed to every registered school)"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)],
        render_kw={"rows": 4},
    )


class RegistrationForm(FlaskForm):
    pupils = IntegerField(
        _l("Number of pupils"),
        validators=[
            InputRequired(message=_l("Please enter the number of pupils (0 if none).")),
            NumberRange(min=0, max=1000, message=_l("Please enter a number from 0 to 1,000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    adults = IntegerField(
        _l("Number of adults"),
        validators=[
            InputRequired(message=_l("Please enter the number of adults (0 if none).")),
            NumberRange(min=0, max=100, message=_l("Please enter a number from 0 to 100.")),
        ],
        description=_l("Teachers and other accompanying adults."),
        render_kw={"inputmode": "numeric"},
    )
    adult_names = TextAreaField(
        _l("Names of the adults"),
        validators=[Optional(), Length(max=1000)],
        description=_l("One name per line. Please do not enter pupils' names."),
        render_kw={"rows": 3},
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("e.g. accessibility needs or food."),
        render_kw={"rows": 3},
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        if valid and (self.pupils.data or 0) + (self.adults.data or 0) == 0:
            self.pupils.errors.append(_l("Please register at least one person."))
            valid = False
        names = [line for line in (self.adult_names.data or "").splitlines() if line.strip()]
        if valid and len(names) > (self.adults.data or 0):
            self.adult_names.errors.append(_l("More names than adults: please enter one name per adult."))
            valid = False
        return valid

    def seats(self) -> Seats:
        return Seats(
            pupils=self.pupils.data or 0,
            adults=self.adults.data or 0,
            adult_names=self.adult_names.data or "",
            note=self.note.data or "",
        )


class ButtonForm(FlaskForm):
    """Only a button (CSRF protection for one action)."""
