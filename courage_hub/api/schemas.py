"""The API's resources as pydantic models: declared once, they serialise every response and are the schemas of the
OpenAPI document (pydantic writes JSON Schema 2020-12, the dialect of OpenAPI 3.1).

Every field is always present (``null`` when there is no value), so a response has one shape. Descriptions are
English msgids marked with ``N_``: the OpenAPI document shows them as written, the documentation page translated.
Only what the public pages show is declared here; a field that is not declared cannot be sent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..regions.vocab import LAENDER


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; the documentation page translates it when it shows it."""
    return message


Uri = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
Land = Literal[tuple(LAENDER)]  # type: ignore[valid-type]  # ISO 3166-2:DE codes without "DE-"


def described(text: str, **kwargs: Any) -> Any:
    return Field(description=text, **kwargs)


class Schema(BaseModel):
    """Base of the API's models. The schemas leave ``additionalProperties`` open: v1 may add fields, and a client
    that validates answers against today's document must not fail on them."""

    model_config = ConfigDict(frozen=True)


# --- references: how one resource names another ------------------------------------------------------------------


class RegionRef(Schema):
    """A regional coordination office, as other resources name it."""

    id: int = described(N_("The office's id (stable)."))
    slug: str = described(N_("The office's short name in web addresses."))
    name: str = described(N_("The office's name, e.g. “KI Kreis Soest”."))
    url: Uri = described(N_("The office's public page."))


class SchoolRef(Schema):
    """A school, as other resources name it."""

    id: int = described(N_("The school's id (stable)."))
    slug: str = described(N_("The school's short name in web addresses."))
    name: str = described(N_("The school's name."))
    url: Uri = described(N_("The school's public profile."))


# --- regions -----------------------------------------------------------------------------------------------------


class RegionContact(Schema):
    """The office's public contact, as on its page."""

    address: list[str] = described(N_("The postal address, line by line."))
    email: str | None = described(N_("Public e-mail address of the office."))
    phone: str | None = described(N_("Public phone number of the office."))
    opening_hours: str | None = described(N_("When the office can be reached."))


class Region(Schema):
    """A regional coordination office (in North Rhine-Westphalia a Kommunales Integrationszentrum) and its area."""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The office's public page."))
    slug: str = described(N_("The office's short name in web addresses; the filter “region” takes it."))
    name: str = described(N_("The office's name, e.g. “KI Kreis Soest”."))
    area: str = described(N_("The area it covers, e.g. “Kreis Soest”."))
    land: Land = described(N_("The Land, as ISO 3166-2 code without “DE-”."))
    land_name: str = described(N_("The Land's name."))
    municipalities: list[str] = described(N_("The municipalities it covers, by name."))
    member_schools: int = described(N_("How many member schools it looks after."))
    contact: RegionContact = described(N_("The office's public contact."))
    introduction: str = described(N_("The office's introduction (plain text)."))
    updated_at: datetime = described(N_("Last change of the office's entry."))


# --- schools -----------------------------------------------------------------------------------------------------

SchoolStatusCode = Literal["interesse", "vorbereitung", "abstimmung_erfolgreich", "antrag_gestellt", "aufgenommen"]


class Patron(Schema):
    """The school's patron (Pate/Patin), shown only where the school agreed."""

    name: str = described(N_("The patron's name."))
    organisation: str | None = described(N_("The patron's organisation, if any."))


class ObligationYear(Schema):
    """One school year since the admission: has the school reported a project against discrimination?"""

    school_year: int = described(N_("The school year by its first calendar year: 2025 is 2025/26."))
    label: str = described(N_("The school year as written, e.g. “2025/26”."))
    project_reported: bool = described(N_("At least one published report counts as the year's project."))


class School(Schema):
    """A school of the network with its public profile."""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The school's public profile."))
    slug: str = described(N_("The school's short name in web addresses; the filter “school” takes it."))
    name: str = described(N_("The school's name."))
    school_type: str = described(N_("The school type, e.g. “Gesamtschule”."))
    status: SchoolStatusCode = described(
        N_("Where the school stands: “aufgenommen” (member school) or a step of the joining process.")
    )
    member_since: date | None = described(N_("The day the school became a member; null while it is joining."))
    municipality: str = described(N_("The school's municipality."))
    region: RegionRef = described(N_("The office that looks after the school."))
    land: Land = described(N_("The Land of the school's office."))
    website: str | None = described(N_("The school's website, as the school entered it."))
    email: str | None = described(N_("The school's public e-mail address."))
    description: str = described(N_("The school's introduction (plain text)."))
    patron: Patron | None = described(N_("The patron; null when there is none or the school keeps it private."))
    obligation_years: list[ObligationYear] = described(
        N_("Every school year since the admission, oldest first; empty while the school is joining.")
    )
    logo_url: Uri | None = described(N_("The school's logo (PNG), if it has one."))
    updated_at: datetime = described(N_("Last change of the school's profile."))


# --- activities --------------------------------------------------------------------------------------------------


class Activity(Schema):
    """A published report of a school about a project or activity."""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The report's public page."))
    title: str = described(N_("Title."))
    start_date: date = described(N_("The day it took place (or began)."))
    end_date: date | None = described(N_("The last day, for activities over several days."))
    school_year: int = described(N_("The school year by its first calendar year: 2025 is 2025/26."))
    type: str = described(N_("The kind of activity, e.g. “Workshop”."))
    topics: list[str] = described(N_("Topics from the network's vocabulary."))
    description: str = described(N_("The report (plain text)."))
    groups: str = described(N_("Grades or groups that took part."))
    participants: int | None = described(N_("About how many people took part."))
    partners: str = described(N_("Partners named by the school."))
    links: list[str] = described(N_("Links the school added."))
    counts_as_project: bool = described(N_("Counts as the school year's project against discrimination."))
    school: SchoolRef = described(N_("The reporting school."))
    municipality: str = described(N_("The school's municipality."))
    region: RegionRef = described(N_("The school's office."))
    land: Land = described(N_("The Land of the school's office."))
    published_at: datetime | None = described(N_("When the report was published."))
    updated_at: datetime = described(N_("Last change of the report."))


# --- materials ---------------------------------------------------------------------------------------------------


class Licence(Schema):
    """The licence a material is shared under."""

    code: Literal["cc0", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "arr"] = described(
        N_("The licence: a Creative Commons licence, or “arr” (all rights reserved).")
    )
    url: Uri | None = described(N_("The licence's text; null for all rights reserved."))
    open: bool = described(N_("An open licence: the material is an open educational resource."))


class Material(Schema):
    """A published material of the library (a file or a link), with its AMB description."""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The material's public page."))
    title: str = described(N_("Title."))
    description: str = described(N_("Description (plain text)."))
    type: str = described(N_("The kind of material, e.g. “Arbeitsblatt”."))
    topics: list[str] = described(N_("Topics from the network's vocabulary."))
    levels: list[str] = described(N_("School levels it is meant for."))
    language: str = described(N_("Language code, e.g. “de”; “ls” is Leichte Sprache."))
    licence: Licence = described(N_("The licence."))
    attribution: str = described(N_("Who made it, as the licence wants them named."))
    keywords: list[str] = described(N_("Keywords given by the author."))
    school: SchoolRef | None = described(N_("The sharing school; null when the office shared it."))
    region: RegionRef = described(N_("The office that reviewed it."))
    land: Land = described(N_("The Land of that office."))
    link_url: str | None = described(N_("The linked web page, for a material that is a link."))
    download_url: Uri | None = described(N_("The file, for a material that is a file."))
    preview_url: Uri | None = described(N_("A preview image (WebP), if there is one."))
    downloads: int = described(N_("How often it was downloaded or opened."))
    published_at: datetime | None = described(N_("When it was published."))
    updated_at: datetime = described(N_("Last change."))
    amb: dict[str, Any] | None = described(
        N_(
            "The material in the AMB profile (JSON-LD on schema.org terms) that OER search engines read; null for "
            "a material with all rights reserved, which the profile does not describe."
        )
    )


# --- events ------------------------------------------------------------------------------------------------------

EventKindCode = Literal[
    "regionaltreffen", "landestreffen", "fortbildung", "workshop", "aktionstag", "titelverleihung", "sonstiges"
]
AudienceCode = Literal["coordinators", "pupils", "both"]


class Organiser(Schema):
    """Who holds an event: a regional office, or the Land's coordination (then ``region`` is null)."""

    region: RegionRef | None = described(N_("The office that holds it; null for an event of the Land's coordination."))
    land: Land = described(N_("The Land."))
    land_name: str = described(N_("The Land's name."))


class EventContact(Schema):
    """The contact the event's page names."""

    name: str | None = described(N_("Name."))
    email: str | None = described(N_("E-mail address."))
    phone: str | None = described(N_("Phone number."))


class Event(Schema):
    """A published (or cancelled) event: a network meeting, a training, a pupils' workshop, an action day …"""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The event's public page."))
    calendar_url: Uri = described(N_("The event as a calendar entry (iCalendar)."))
    title: str = described(N_("Title."))
    kind: EventKindCode = described(N_("The kind of event."))
    audience: AudienceCode = described(N_("Whom it is for: coordinators and teachers, pupils, or both."))
    status: Literal["scheduled", "cancelled"] = described(N_("Whether it takes place."))
    cancel_reason: str | None = described(N_("Why it was cancelled."))
    starts_at: datetime = described(N_("Beginning, in Berlin time with its offset."))
    ends_at: datetime = described(N_("End, in Berlin time with its offset."))
    all_day: bool = described(N_("Takes whole days (from midnight to midnight, Berlin time)."))
    place_name: str = described(N_("Where it takes place."))
    address: str = described(N_("The address, on one line."))
    organiser: Organiser = described(N_("Who holds it."))
    description: str = described(N_("Description (plain text)."))
    capacity: int | None = described(N_("Seats in all; null: no limit."))
    seats_left: int | None = described(N_("Seats still free; null: no limit."))
    max_seats_per_school: int | None = described(N_("The most seats one school may take."))
    registration_deadline: datetime | None = described(N_("Schools register until then."))
    contact: EventContact = described(N_("The contact for questions."))
    updated_at: datetime = described(N_("Last change."))


class PartnerRef(Schema):
    """The cooperation partner that makes an offer."""

    id: int = described(N_("The partner's id (stable)."))
    name: str = described(N_("The partner's name."))
    kind: str = described(N_("What kind of partner it is, e.g. “Gedenkstätte/Erinnerungsort”."))
    url: Uri = described(N_("The partner's public page."))
    website: Uri | None = described(N_("The partner's own website."))
    nationwide: bool = described(N_("Serves schools in the whole network."))
    lands: list[Land] = described(N_("The Länder whose schools it serves (every office there)."))
    regions: list[RegionRef] = described(N_("The offices whose schools it serves."))


class Offer(Schema):
    """A current offer of a cooperation partner: a workshop, talk, exhibition, project day … that schools ask for."""

    id: int = described(N_("Stable id."))
    url: Uri = described(N_("The offer's public page (schools ask for it there)."))
    title: str = described(N_("Title."))
    format: str = described(N_("The format, e.g. “Workshop”, “Vortrag”, “Gedenkstättenfahrt”."))
    topics: list[str] = described(N_("Topics (the network's topic list)."))
    audience: Literal["pupils", "teachers", "both"] = described(N_("Whom it is for."))
    grade_min: int | None = described(N_("The lowest school grade it suits; null: no lower bound."))
    grade_max: int | None = described(N_("The highest school grade it suits; null: no upper bound."))
    group_min: int | None = described(N_("The smallest group size."))
    group_max: int | None = described(N_("The largest group size."))
    duration: str | None = described(N_("How long it takes, as the partner says it."))
    cost: Literal["free", "amount", "on_request"] = described(N_("Free of charge, a fee, or cost on request."))
    cost_euros: float | None = described(N_("The fee in euros, with cost “amount”."))
    cost_note: str | None = described(N_("What the fee covers or adds."))
    languages: list[str] = described(N_("The languages it is held in."))
    places: list[Literal["school", "partner", "online"]] = described(
        N_("Where it takes place: at the school, at the partner's, online.")
    )
    accessibility: str | None = described(N_("Notes on accessibility."))
    description: str = described(N_("Description (plain text)."))
    available_until: date | None = described(N_("Offered until this day; null: open-ended."))
    partner: PartnerRef = described(N_("Who offers it."))
    updated_at: datetime = described(N_("Last change."))


# --- collections and problems ------------------------------------------------------------------------------------


class Collection(Schema):
    """One page of a collection; ``next`` leads on (also given as a ``Link`` header)."""

    items: list[Any]
    next: Uri | None = described(N_("The next page; null on the last one."))
    limit: int = described(N_("The page size asked for."))


def collection_of(model: type[Schema]) -> type[Collection]:
    """The page model of a collection of ``model`` items, e.g. ``SchoolList``."""
    fields: dict[str, Any] = {
        "items": (list[model], described(N_("The items of this page, in the collection's order.")))
    }
    from pydantic import create_model

    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{model.__name__}List",
        __base__=Collection,
        __doc__=f"One page of {model.__name__.lower()} items.",
        **fields,
    )


class InvalidParam(Schema):
    """One query parameter that was not accepted."""

    name: str = described(N_("The parameter."))
    reason: str = described(N_("Why it was not accepted."))


class Problem(Schema):
    """An error, as RFC 9457 problem details (``application/problem+json``), in German or English."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Uri = described(N_("What kind of problem: a link to its explanation."))
    title: str = described(N_("The kind of problem, in words."))
    status: int = described(N_("The HTTP status code."))
    detail: str = described(N_("What happened with this request."))
    instance: str = described(N_("The path of the request."))
    invalid_params: list[InvalidParam] | None = Field(
        default=None,
        alias="invalid-params",
        description=N_("The query parameters that were not accepted (status 400)."),
    )
