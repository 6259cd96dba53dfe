"""Forms of the materials library: sharing, review, problem reports, hiding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.forms import FlaskForm, MultiCheckboxField
from ..core.vocab import TOPICS
from .moderation import CHECKLIST
from .vocab import LANGUAGES, LEVELS, LICENCES, MATERIAL_TYPES, REPORT_REASONS


def _web_address(form, field) -> None:
    value = (field.data or "").strip()
    if form.source.data != "link":
        return
    if not value:
        raise ValidationError(_l("Please enter the web address of the material."))
    if not value.startswith(("https://", "http://")) or any(ch.isspace() for ch in value) or len(value) < 12:
        raise ValidationError(_l("Please enter a full web address starting with https://"))


class MaterialForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Please enter a title.")), Length(max=200)],
        description=_l("e.g. Worksheet: recognising everyday racism"),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(message=_l("Please describe the material.")), Length(max=5000)],
        description=_l("What is it, for whom, how long does it take? Pupils read this too: please write plainly."),
        render_kw={"rows": 6},
    )
    topics = MultiCheckboxField(
        _l("Topics"),
        choices=[SelectChoice(t, t) for t in TOPICS],
        validators=[DataRequired(message=_l("Please choose at least one topic."))],
    )
    levels = MultiCheckboxField(
        _l("Levels"),
        choices=[SelectChoice(lv, lv) for lv in LEVELS],
        validators=[DataRequired(message=_l("Please choose at least one level."))],
    )
    material_type = SelectField(
        _l("Type of material"),
        choices=[SelectChoice("", _l("Please choose"))] + [SelectChoice(t, t) for t in MATERIAL_TYPES],
        validators=[DataRequired(message=_l("Please choose the type of material."))],
    )
    licence = SelectField(
        _l("Licence"),
        choices=[SelectChoice("", _l("Please choose"))] + [SelectChoice(c, lic.label) for c, lic in LICENCES.items()],
        validators=[DataRequired(message=_l("Please choose a licence."))],
        description=_l("CC BY 4.0 lets other schools reuse and adapt the material if they name you."),
    )
    attribution = StringField(
        _l("Author (as the licence wants them named)"),
        validators=[DataRequired(message=_l("Please name the author.")), Length(max=300)],
        description=_l("e.g. SV of the Gesamtschule am Lindenhof, or a person's name with their consent"),
    )
    creator_is_person = BooleanField(
        _l("The author is a single person"),
        description=_l("Leave this empty if a group made the material, e.g. the SV, a class or the school."),
    )
    language = SelectField(
        _l("Language"), choices=[SelectChoice(c, label) for c, label in LANGUAGES.items()], default="de"
    )
    tags = StringField(
        _l("Keywords (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Separated by commas, e.g. Alltag, Sprache, Vorurteile"),
    )
    source = RadioField(
        _l("File or link"),
        choices=[("datei", _l("Upload a file")), ("link", _l("Share a link to a website"))],
        default="datei",
    )
    file = FileField(
        _l("File"),
        description=_l("PDF, ODT, DOCX, ODP, PPTX, JPEG, PNG or WebP, at most 25 MB. ZIP archives are not allowed."),
    )
    link_url = StringField(
        _l("Web address"),
        validators=[Length(max=500), _web_address],
        description=_l("e.g. https://www.schule-ohne-rassismus.org/…"),
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    version = HiddenField()


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("approve", _l("Approve and publish")), ("reject", _l("Return to the author"))],
        validators=[DataRequired(message=_l("Please choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason for returning it (the author sees it)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )


def _add_checklist() -> None:
    for key, label in CHECKLIST:
        setattr(ReviewForm, f"check_{key}", BooleanField(label))


_add_checklist()


class ProblemForm(FlaskForm):
    reason = RadioField(
        _l("What is the problem?"),
        choices=list(REPORT_REASONS.items()),
        validators=[DataRequired(message=_l("Please choose what the problem is."))],
    )
    text = TextAreaField(
        _l("Tell us more"),
        validators=[DataRequired(message=_l("Please describe the problem briefly.")), Length(max=2000)],
        description=_l("Please do not write names of pupils. The KI reads your message."),
        render_kw={"rows": 4},
    )
    website_url = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the author sees it)"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)],
        render_kw={"rows": 2},
    )


class ResolveForm(FlaskForm):
    resolution = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
