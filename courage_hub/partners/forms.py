"""Forms for keeping partners and offers: the staff's forms, the partner's proposals, invitations and reviews.

A form's :meth:`values` gives a plain dict in the shape that the services store (and that a proposal keeps as JSON);
:meth:`fill` shows such a dict (the live entry or a pending proposal) in the form.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import FlaskForm, MultiCheckboxField, account_name_field, email_validators
from ..core.vocab import TOPICS
from ..regions.services import all_regions
from ..regions.vocab import LAND_CHOICES, land_name
from .vocab import AUDIENCES, COSTS, FORMATS, GRADES, PARTNER_KINDS, PLACES

MAX_EUROS = Decimal(100_000)
# The fields that show a stored value of the same name (the rest are derived: places, fee in euros).
PARTNER_FORM_FIELDS = (
    "name", "kind", "summary", "description", "nationwide", "contact_name", "contact_email", "contact_phone",
    "address", "website", "topics", "lands", "regions",
)  # fmt: skip
OFFER_FORM_FIELDS = (
    "title", "format", "audience", "grade_min", "grade_max", "group_min", "group_max", "duration", "cost_kind",
    "cost_note", "languages", "accessibility", "description", "available_until", "topics",
)  # fmt: skip
EURO_RE = re.compile(r"^\d{1,6}([.,]\d{1,2})?$")


def _web_address(form, field) -> None:
    value = (field.data or "").strip()
    if value and (not value.startswith(("https://", "http://")) or any(ch.isspace() for ch in value)):
        raise ValidationError(_l("Please enter a full web address starting with https://"))


def _optional_int(value: Any) -> int | None:
    """The coercion of an optional number choice: "" is no choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _text(value: Any) -> str:
    return (value or "").strip()


def euros(cents: int | None) -> str:
    """A cent amount as the form shows it ("12,50")."""
    if cents is None:
        return ""
    whole, rest = divmod(cents, 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


class PartnerFieldsForm(FlaskForm):
    """A partner's profile: what the staff enter and what a partner's account may propose."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Please enter the name.")), Length(max=200)],
        description=_l("The organisation, or the speaker's name"),
    )
    kind = SelectField(
        _l("Kind of partner"),
        choices=[SelectChoice("", _l("Please choose"))] + [SelectChoice(k, k) for k in PARTNER_KINDS],
        validators=[DataRequired(message=_l("Please choose the kind of partner."))],
    )
    summary = TextAreaField(
        _l("Short description"),
        validators=[Optional(), Length(max=500, message=_l("At most 500 characters."))],
        description=_l("One or two sentences, shown in lists."),
        render_kw={"rows": 2},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000, message=_l("At most 20,000 characters."))],
        description=_l("Who you are and how you work with schools. Formatting with Markdown works."),
        render_kw={"rows": 8},
    )
    topics = MultiCheckboxField(
        _l("Topics"),
        choices=[SelectChoice(t, t) for t in TOPICS],
        validators=[DataRequired(message=_l("Please choose at least one topic."))],
    )
    nationwide = BooleanField(_l("Works with schools nationwide"))
    lands = MultiCheckboxField(
        _l("Whole Länder served"),
        choices=[SelectChoice(code, name) for code, name in LAND_CHOICES],
        description=_l("Schools of every region of these Länder can ask for its offers."),
    )
    # The choices (every region, grouped by Land) are set by the view.
    regions = SelectMultipleField(
        _l("Regions served"),
        coerce=int,
        description=_l("Choose several with the Ctrl key (Cmd on a Mac)."),
        render_kw={"size": 8},
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("Public contact e-mail"), validators=email_validators())
    contact_phone = StringField(_l("Public contact phone"), validators=[Optional(), Length(max=60)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=500), _web_address],
        render_kw={"inputmode": "url"},
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        if not (self.nationwide.data or self.lands.data or self.regions.data):
            self.regions.errors.append(_l("Please say where the partner works: nationwide, Länder or regions."))
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return {
            "name": _text(self.name.data),
            "kind": self.kind.data,
            "summary": _text(self.summary.data),
            "description": self.description.data or "",
            "nationwide": bool(self.nationwide.data),
            "contact_name": _text(self.contact_name.data),
            "contact_email": _text(self.contact_email.data) or None,
            "contact_phone": _text(self.contact_phone.data),
            "address": _text(self.address.data),
            "website": _text(self.website.data) or None,
            "topics": list(dict.fromkeys(self.topics.data or [])),
            "lands": list(dict.fromkeys(self.lands.data or [])),
            "regions": sorted(set(self.regions.data or [])),
        }

    def fill(self, values: dict[str, Any]) -> None:
        for name in PARTNER_FORM_FIELDS:
            getattr(self, name).data = values.get(name)


def set_region_choices(form: PartnerFieldsForm) -> None:
    """Every region as a choice of the served regions, grouped by Land."""
    groups: dict[str, list[SelectChoice]] = {}
    for region in all_regions():
        groups.setdefault(land_name(region.land) or region.land, []).append(SelectChoice(region.id, region.area))
    form.regions.choices = groups


class PartnerForm(PartnerFieldsForm):
    """The staff's form: the profile plus the keeping office (new partners), the logo and the version."""

    # The staff member's regions, set by the view (a single one is shown as text).
    region = SelectField(
        _l("Kept by"), coerce=_optional_int, validators=[DataRequired(message=_l("Please choose the office."))]
    )
    logo = FileField(
        _l("Logo (optional)"), description=_l("PNG, JPEG or WebP, at most 2 MB. It is converted and resized.")
    )
    remove_logo = BooleanField(_l("Remove the current logo"))
    version = HiddenField()


def _grade_field(label) -> SelectField:
    return SelectField(
        label,
        coerce=_optional_int,
        choices=[SelectChoice("", _l("Any"))] + [SelectChoice(str(g), str(g)) for g in GRADES],
        validators=[Optional()],
    )


def _group_field(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1,000."))],
        render_kw={"inputmode": "numeric"},
    )


class OfferForm(FlaskForm):
    """An offer, for the staff and for the partner's own accounts."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Please enter a title.")), Length(max=200)],
        description=_l("e.g. Workshop: recognising antisemitism today"),
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("", _l("Please choose"))] + [SelectChoice(f, f) for f in FORMATS],
        validators=[DataRequired(message=_l("Please choose the format."))],
    )
    topics = MultiCheckboxField(
        _l("Topics"),
        choices=[SelectChoice(t, t) for t in TOPICS],
        validators=[DataRequired(message=_l("Please choose at least one topic."))],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(message=_l("Please describe the offer.")), Length(max=20000)],
        description=_l("Aims, course, what the school prepares. Formatting with Markdown works."),
        render_kw={"rows": 8},
    )
    audience = RadioField(
        _l("For whom"),
        choices=[SelectChoice(code, label) for code, label in AUDIENCES.items()],
        default="pupils",
        validators=[DataRequired(message=_l("Please choose for whom the offer is."))],
    )
    grade_min = _grade_field(_l("From grade"))
    grade_max = _grade_field(_l("To grade"))
    group_min = _group_field(_l("Smallest group"))
    group_max = _group_field(_l("Largest group"))
    duration = StringField(
        _l("Duration"), validators=[Optional(), Length(max=100)], description=_l("e.g. 90 minutes, one school day")
    )
    places = MultiCheckboxField(
        _l("Where"),
        choices=[SelectChoice(code, label) for code, label in PLACES.items()],
        validators=[DataRequired(message=_l("Please choose where the offer takes place."))],
    )
    cost_kind = RadioField(
        _l("Cost"),
        choices=[SelectChoice(code, label) for code, label in COSTS.items()],
        default="free",
        validators=[DataRequired(message=_l("Please choose the cost."))],
    )
    cost_amount = StringField(
        _l("Fee in euros"),
        validators=[Optional(), Length(max=12)],
        description=_l("Only with a fee, e.g. 150 or 12,50"),
        render_kw={"inputmode": "decimal"},
    )
    cost_note = StringField(
        _l("Note on the cost"),
        validators=[Optional(), Length(max=300)],
        description=_l("e.g. per class, travel costs extra"),
    )
    languages = StringField(
        _l("Languages"),
        default="Deutsch",
        validators=[DataRequired(message=_l("Please name at least one language.")), Length(max=300)],
        description=_l("Separated by commas, e.g. Deutsch, Englisch, Leichte Sprache"),
    )
    accessibility = TextAreaField(
        _l("Accessibility"),
        validators=[Optional(), Length(max=2000)],
        description=_l("e.g. step-free access, sign language on request"),
        render_kw={"rows": 3},
    )
    available_until = DateField(
        _l("Offered until (optional)"),
        validators=[Optional()],
        description=_l("After this day it is no longer shown; leave empty for no end."),
    )
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        low, high = self.grade_min.data, self.grade_max.data
        if low is not None and high is not None and low > high:
            self.grade_max.errors.append(_l("Cannot be lower than the first grade."))
            valid = False
        low, high = self.group_min.data, self.group_max.data
        if low is not None and high is not None and low > high:
            self.group_max.errors.append(_l("Cannot be smaller than the smallest group."))
            valid = False
        if self.cost_kind.data == "amount" and self.cost_cents() is None:
            self.cost_amount.errors.append(_l("Please enter the fee in euros, e.g. 150 or 12,50."))
            valid = False
        return valid

    def cost_cents(self) -> int | None:
        """The fee in cents, or None if the field holds no amount from 0 to 100,000 euros."""
        raw = _text(self.cost_amount.data).removesuffix("€").strip()
        if not EURO_RE.match(raw):
            return None
        try:
            amount = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            return None
        return int(amount * 100) if amount <= MAX_EUROS else None

    def values(self) -> dict[str, Any]:
        places = set(self.places.data or [])
        languages = ", ".join(part.strip() for part in (self.languages.data or "").split(",") if part.strip())
        return {
            "title": _text(self.title.data),
            "format": self.format.data,
            "audience": self.audience.data,
            "grade_min": self.grade_min.data,
            "grade_max": self.grade_max.data,
            "group_min": self.group_min.data,
            "group_max": self.group_max.data,
            "duration": _text(self.duration.data),
            "cost_kind": self.cost_kind.data,
            "cost_cents": self.cost_cents() if self.cost_kind.data == "amount" else None,
            "cost_note": _text(self.cost_note.data),
            "languages": languages[:300],
            "accessibility": _text(self.accessibility.data),
            "at_school": "school" in places,
            "at_partner": "partner" in places,
            "online": "online" in places,
            "description": self.description.data or "",
            "available_until": self.available_until.data,
            "topics": list(dict.fromkeys(self.topics.data or [])),
        }

    def fill(self, values: dict[str, Any]) -> None:
        for name in OFFER_FORM_FIELDS:
            getattr(self, name).data = values.get(name)
        self.cost_amount.data = euros(values.get("cost_cents"))
        flags = (("school", "at_school"), ("partner", "at_partner"), ("online", "online"))
        self.places.data = [code for code, key in flags if values.get(key)]


class InviteForm(FlaskForm):
    """An account for a person at the partner (shown with the prefix "invite" beside the partner's form)."""

    name = account_name_field()
    email = StringField(
        _l("E-mail address"),
        validators=email_validators(_l("Please enter the e-mail address.")),
        render_kw={"autocomplete": "off"},
    )


class ReviewForm(FlaskForm):
    """The staff's decision about what a partner's account proposed or entered."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve and publish")),
            SelectChoice("return", _l("Return to the partner")),
        ],
        validators=[DataRequired(message=_l("Please choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason for returning it (the partner sees it)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    stamp = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        if valid and self.decision.data == "return" and not _text(self.reason.data):
            self.reason.errors.append(_l("Please tell the partner what to change."))
            valid = False
        return valid


class ButtonForm(FlaskForm):
    """Only a button (CSRF protection for one action)."""
