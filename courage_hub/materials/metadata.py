"""Open metadata of the materials library: each openly licensed material in the AMB profile (schema.org
LearningResource as JSON-LD) and the paged feed that OER search engines harvest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..core.links import external_url
from ..core.markdown import markdown_to_text
from ..extensions import db
from .models import Material
from .vocab import LANGUAGES, LEVEL_URIS, LICENCES, SUBJECT, TYPE_URIS


def amb(material: Material) -> dict[str, Any]:
    """The material in the AMB profile (schema.org LearningResource, JSON-LD) for OER search engines."""
    licence = LICENCES.get(material.licence)
    page = external_url("materials.detail", material_id=material.id)
    data: dict[str, Any] = {
        "@context": ["https://w3id.org/kim/amb/context.jsonld", {"@language": "de"}],
        "id": page,
        "type": ["LearningResource"],
        "name": material.title,
        "description": markdown_to_text(material.description),
        "keywords": material.topic_names + material.tag_list,
        "inLanguage": [material.language if material.language in LANGUAGES and material.language != "ls" else "de"],
        "creator": [{"type": "Person" if material.creator_is_person else "Organization", "name": material.attribution}],
        "about": [SUBJECT],
        "educationalLevel": [
            {"id": LEVEL_URIS[lv], "prefLabel": {"de": lv}, "type": "Concept"}
            for lv in material.level_names
            if lv in LEVEL_URIS
        ],
        "learningResourceType": [
            {"id": TYPE_URIS[material.material_type], "prefLabel": {"de": material.material_type}, "type": "Concept"}
        ]
        if material.material_type in TYPE_URIS
        else [],
        "dateCreated": material.created_at.date().isoformat(),
        "isAccessibleForFree": True,
        "publisher": [{"type": "Organization", "name": material.school.name if material.school else "Courage Hub"}],
    }
    if material.published_at:
        data["datePublished"] = material.published_at.date().isoformat()
    if licence is None or licence.url is None:
        raise ValueError("AMB describes openly licensed materials only (see Material.has_open_metadata)")
    data["license"] = {"id": licence.url}
    # The record on this site describes the resource. Its address here is the resource's id, also for a link:
    # several materials may point to the same web page (e.g. one video with different lesson plans), and two
    # records must never share an id. The linked page itself is the resource's ``url``.
    data["mainEntityOfPage"] = [{"id": page, "type": "WebContent", "dateModified": material.updated_at.isoformat()}]
    if material.is_link:
        data["url"] = material.link_url
    else:
        data["encoding"] = [
            {
                "type": "MediaObject",
                "contentUrl": external_url("materials.download", material_id=material.id),
                "encodingFormat": material.content_type,
                "contentSize": str(material.size),
            }
        ]
    if material.preview_name:
        data["image"] = external_url("materials.preview", material_id=material.id)
    return data


def amb_page(page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of every public, openly licensed material in AMB, newest first (for harvesting)."""
    conditions = (Material.has_open_metadata,)
    total = db.session.scalar(select(func.count(Material.id)).where(*conditions)) or 0
    rows = db.session.scalars(
        select(Material)
        .where(*conditions)
        .options(joinedload(Material.school), selectinload(Material.topics), selectinload(Material.levels))
        .order_by(Material.published_at.desc(), Material.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [amb(m) for m in rows], total
