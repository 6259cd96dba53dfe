"""``/api/v1/materials``: the approved materials of the library (``/materialien/``), each with its AMB description."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...core.links import external_url
from ...core.vocab import TOPICS
from ...extensions import db
from ...materials import metadata, models
from ...materials.search import MATERIALS
from ...materials.services import MaterialFilter, get_material, list_conditions
from ...materials.vocab import LANGUAGES, LEVELS, LICENCES, MATERIAL_TYPES
from ..http import newest
from ..pagination import Listing, Order
from ..params import PRINTABLE, SLUG, PlaceQuery
from ..resource import Example, Item, Resource
from ..schemas import N_, Licence, Material, RegionRef, SchoolRef
from .common import EXAMPLE_SITE, offices, region_ref, school_ref, text


class MaterialQuery(PlaceQuery):
    q: str | None = Field(
        None,
        max_length=100,
        pattern=PRINTABLE,
        description=N_("Search words in title, keywords, author and description (“Rassismus” finds “rassistisch”)."),
    )
    topic: Literal[TOPICS] | None = Field(None, description=N_("Only materials on this topic."))  # type: ignore[valid-type]
    level: Literal[LEVELS] | None = Field(None, description=N_("Only materials for this level."))  # type: ignore[valid-type]
    type: Literal[MATERIAL_TYPES] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only this kind of material.")
    )
    language: Literal[tuple(LANGUAGES)] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only materials in this language (“ls”: Leichte Sprache).")
    )
    licence: Literal[tuple(LICENCES)] | None = Field(  # type: ignore[valid-type]
        None, description=N_("Only materials under this licence (“arr”: all rights reserved).")
    )
    school: str | None = Field(
        None,
        max_length=220,
        pattern=SLUG,
        description=N_("Only this school's materials, by its slug; “ki” for those the offices shared."),
    )


def select_materials(query: MaterialQuery) -> Listing:
    place = query.place()
    filters = MaterialFilter(
        topic=query.topic or "",
        level=query.level or "",
        material_type=query.type or "",
        language=query.language or "",
        licence=query.licence or "",
        school=query.school or "",
        land=place.land,
        region=place.region,
        region_ids=place.region_ids,
    )
    statement = (
        select(models.Material)
        .where(*list_conditions(filters))
        .options(
            joinedload(models.Material.school),
            selectinload(models.Material.topics),
            selectinload(models.Material.levels),
        )
    )
    matched = MATERIALS.match(query.q or "", db.engine.dialect.name)
    if matched is None:
        return Listing(statement)
    # SQLite's text index joins as a table of matching row ids, which it returns newest first when asked to order by
    # them: the page is the first matches that pass the filters, however common the word (ordering by the materials'
    # own ids would first collect and sort every match: 15 ms for "rassismus" at 100,000 materials). PostgreSQL's
    # search is a condition on the row and keeps the materials' order.
    return Listing(matched.apply(statement), sort=(matched.join.c.id,) if matched.join is not None else None)


def get_public_material(material_id: int) -> models.Material | None:
    """The material if everyone may see it: the rule of its page (``Material.is_public``)."""
    material = get_material(material_id)
    return material if material is not None and material.is_public else None


def serialize(rows: Sequence[models.Material]) -> list[Item]:
    regions = offices(material.region_id for material in rows)
    items = []
    for material in rows:
        region = regions[material.region_id]
        licence = LICENCES[material.licence]
        body = Material(
            id=material.id,
            url=external_url("materials.detail", material_id=material.id),
            title=material.title,
            description=text(material.description),
            type=material.material_type,
            topics=material.topic_names,
            levels=material.level_names,
            language=material.language,
            licence=Licence(code=licence.code, url=licence.url, open=licence.url is not None),
            attribution=material.attribution,
            keywords=material.tag_list,
            school=school_ref(material.school) if material.school is not None else None,
            region=region_ref(region),
            land=region.land,
            link_url=material.link_url,
            download_url=None if material.is_link else external_url("materials.download", material_id=material.id),
            preview_url=external_url("materials.preview", material_id=material.id) if material.preview_name else None,
            downloads=material.download_count,
            published_at=material.published_at,
            updated_at=material.updated_at,
            amb=metadata.amb(material) if material.has_open_metadata else None,
        )
        school_changed = material.school.updated_at if material.school is not None else None
        items.append(Item(body, newest(material.updated_at, school_changed, region.updated_at)))
    return items


_PAGE = f"{EXAMPLE_SITE}/materialien/815"
_WORKSHEET = Material(
    id=815,
    url=_PAGE,
    title="Was ist Alltagsrassismus? Arbeitsblatt mit Fallbeispielen",
    description="Sechs kurze Situationen aus dem Schulalltag: erkennen, benennen, eingreifen.",
    type="Arbeitsblatt",
    topics=["Rassismus"],
    levels=["Sekundarstufe I"],
    language="de",
    licence=Licence(code="cc-by-sa", url="https://creativecommons.org/licenses/by-sa/4.0/", open=True),
    attribution="Courage-AG der Gesamtschule am Lindenhof",
    keywords=["Alltagsrassismus", "Zivilcourage"],
    school=SchoolRef(
        id=12,
        slug="gesamtschule-am-lindenhof-lippstadt",
        name="Gesamtschule am Lindenhof Lippstadt",
        url=f"{EXAMPLE_SITE}/schulen/gesamtschule-am-lindenhof-lippstadt",
    ),
    region=RegionRef(id=1, slug="kreis-soest", name="KI Kreis Soest", url=f"{EXAMPLE_SITE}/regionen/kreis-soest"),
    land="NW",
    link_url=None,
    download_url=f"{_PAGE}/datei",
    preview_url=f"{_PAGE}/vorschau",
    downloads=318,
    published_at=datetime(2025, 9, 30, 10, 0, tzinfo=UTC),
    updated_at=datetime(2025, 9, 30, 10, 0, tzinfo=UTC),
    amb={
        "@context": ["https://w3id.org/kim/amb/context.jsonld", {"@language": "de"}],
        "id": _PAGE,
        "type": ["LearningResource"],
        "name": "Was ist Alltagsrassismus? Arbeitsblatt mit Fallbeispielen",
        "description": "Sechs kurze Situationen aus dem Schulalltag: erkennen, benennen, eingreifen.",
        "keywords": ["Rassismus", "Alltagsrassismus", "Zivilcourage"],
        "inLanguage": ["de"],
        "creator": [{"type": "Organization", "name": "Courage-AG der Gesamtschule am Lindenhof"}],
        "about": [{"id": "http://w3id.org/kim/schulfaecher/s1023", "prefLabel": {"de": "Politik"}, "type": "Concept"}],
        "educationalLevel": [
            {
                "id": "https://w3id.org/kim/educationalLevel/level_2",
                "prefLabel": {"de": "Sekundarstufe I"},
                "type": "Concept",
            }
        ],
        "learningResourceType": [
            {"id": "https://w3id.org/kim/hcrt/worksheet", "prefLabel": {"de": "Arbeitsblatt"}, "type": "Concept"}
        ],
        "dateCreated": "2025-09-28",
        "isAccessibleForFree": True,
        "publisher": [{"type": "Organization", "name": "Gesamtschule am Lindenhof Lippstadt"}],
        "datePublished": "2025-09-30",
        "license": {"id": "https://creativecommons.org/licenses/by-sa/4.0/"},
        "mainEntityOfPage": [{"id": _PAGE, "type": "WebContent", "dateModified": "2025-09-30T10:00:00+00:00"}],
        "encoding": [
            {
                "type": "MediaObject",
                "contentUrl": f"{_PAGE}/datei",
                "encodingFormat": "application/pdf",
                "contentSize": "184320",
            }
        ],
        "image": f"{_PAGE}/vorschau",
    },
)

RESOURCE = Resource(
    name="materials",
    id_name="material_id",
    model=Material,
    query=MaterialQuery,
    order=Order((models.Material.id,), descending=True),
    select=select_materials,
    get=get_public_material,
    serialize=serialize,
    summary=N_("Materials"),
    description=N_(
        "The approved materials of the library, the most recently shared first: the library's filters and full-text "
        "search (a search keeps this order, so that a cursor stays valid). Each openly licensed material embeds its "
        "AMB description. Materials in review, returned, withdrawn or hidden never appear."
    ),
    item_summary=N_("One material"),
    list_example=Example(
        "/materials?q=rassismus&level=Sekundarstufe%20I&limit=1",
        (_WORKSHEET,),
        next=f"{EXAMPLE_SITE}/api/v1/materials?limit=1&q=rassismus&level=Sekundarstufe+I&cursor=WzgxNV0",
        limit=1,
    ),
    item_example=Example("/materials/815", (_WORKSHEET,)),
)
