"""Believable demo materials: a curated set with generated PDFs and links to well-known public resources, then as
many generated link materials as asked for (bulk inserts, so 100,000 take seconds).

Generated titles name the site they link to and are unique for the first few hundred; only benchmark sizes beyond
that repeat them. Publication dates spread over five years, and downloads grow with a material's age."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import timedelta

from sqlalchemy import func, insert, select

from ..core.db import utcnow
from ..core.uploads import store_pdf_preview, upload_root
from ..extensions import db
from ..regions.models import Region
from ..schools.models import School, SchoolStatus
from .models import Material, MaterialLevel, MaterialState, MaterialTopic
from .samples import simple_pdf

# (title, type, topics, levels, description, link or None for a generated PDF, licence, tags)
CURATED = (
    (
        "Arbeitsblatt: Antiziganismus erkennen",
        "Arbeitsblatt",
        ["Antiziganismus (Rassismus gegen Sinti und Roma)"],
        ["Sekundarstufe I"],
        "Ein Arbeitsblatt mit Aussagen aus dem Alltag: Die Schüler*innen prüfen, welche Vorurteile gegen Sinti und "
        "Roma darin stecken, und sammeln Gegenargumente. Dauer: eine Schulstunde.",
        None,
        "cc-by",
        "Vorurteile, Sinti und Roma, Alltag",
    ),
    (
        "Rassistische Sprüche kontern – ein Methodenblatt",
        "Methode/Übung",
        ["Rassismus", "Demokratie und Zivilcourage"],
        ["Sekundarstufe I", "Sekundarstufe II"],
        "Rollenspiel in Kleingruppen: Wie reagiere ich, wenn jemand im Bus einen rassistischen Spruch macht? Mit "
        "Karten für vier Situationen und Tipps für die Nachbesprechung.",
        None,
        "cc-by-sa",
        "Rollenspiel, Zivilcourage, Alltagsrassismus",
    ),
    (
        "Projektidee: Stolpersteine in unserer Stadt",
        "Projektidee",
        ["Erinnerungskultur und Gedenken", "Antisemitismus"],
        ["Sekundarstufe I", "Sekundarstufe II"],
        "Eine Klasse recherchiert die Lebensgeschichten hinter den Stolpersteinen im Ort, putzt die Steine am "
        "9. November und stellt die Biografien in der Schule aus.",
        None,
        "cc-by",
        "Stolpersteine, 9. November, Biografien",
    ),
    (
        "Hate Speech im Netz: Gegenrede üben",
        "Unterrichtsreihe",
        ["Hate Speech und Desinformation", "Mobbing und Cybermobbing"],
        ["Sekundarstufe I"],
        "Drei Doppelstunden zu Hasskommentaren: erkennen, melden, Gegenrede schreiben. Mit Beispielen aus sozialen "
        "Netzwerken (anonymisiert).",
        None,
        "cc-by-nc",
        "Gegenrede, Social Media, Kommentare",
    ),
    (
        "Vielfalt der Religionen – Plakatvorlage",
        "Plakat/Flyer",
        ["Vielfalt und Religionen"],
        ["Primarstufe"],
        "Eine Vorlage für ein Klassenplakat: Feste aus fünf Religionen im Jahreslauf. Zum Ausmalen und Ergänzen.",
        None,
        "cc0",
        "Feste, Grundschule, Plakat",
    ),
    (
        "Schule ohne Rassismus – Schule mit Courage: Themenhefte",
        "Broschüre/Themenheft",
        ["Rassismus", "Demokratie und Zivilcourage"],
        ["Sekundarstufe I", "Sekundarstufe II", "Erwachsene/Fortbildung"],
        "Die Bundeskoordination gibt Themenhefte und das Magazin q.rage heraus. Hier finden Sie die Übersicht.",
        "https://www.schule-ohne-rassismus.org/",
        "arr",
        "Bundeskoordination, q.rage",
    ),
    (
        "Bundeszentrale für politische Bildung: Dossier Rassismus",
        "Linkliste",
        ["Rassismus", "Antischwarzer Rassismus"],
        ["Sekundarstufe II", "Erwachsene/Fortbildung"],
        "Hintergrundtexte, Grafiken und Unterrichtsmaterial der bpb zum Thema Rassismus.",
        "https://www.bpb.de/themen/rassismus-diskriminierung/",
        "arr",
        "bpb, Hintergrund",
    ),
    (
        "Anne Frank Zentrum: Lernmaterial",
        "Linkliste",
        ["Antisemitismus", "Erinnerungskultur und Gedenken"],
        ["Sekundarstufe I"],
        "Materialien und Ausstellungen rund um Anne Frank für Schulen.",
        "https://www.annefrank.de/",
        "arr",
        "Anne Frank, Ausstellung",
    ),
    (
        "Dokumentationszentrum Deutscher Sinti und Roma: Bildungsangebote",
        "Linkliste",
        ["Antiziganismus (Rassismus gegen Sinti und Roma)", "Erinnerungskultur und Gedenken"],
        ["Sekundarstufe I", "Sekundarstufe II"],
        "Bildungsangebote und Hintergründe zur Geschichte und Gegenwart der Sinti und Roma in Deutschland.",
        "https://www.sintiundroma.org/",
        "arr",
        "Porajmos, Geschichte",
    ),
    (
        "Klicksafe: Cybermobbing – was tun?",
        "Video/Audio",
        ["Mobbing und Cybermobbing"],
        ["Sekundarstufe I"],
        "Erklärfilme und Unterrichtsmodule zu Cybermobbing und Hass im Netz.",
        "https://www.klicksafe.de/",
        "arr",
        "Cybermobbing, Medienkompetenz",
    ),
    (
        "Leichte Sprache: Was ist Diskriminierung?",
        "Arbeitsblatt",
        ["Rassismus", "Ableismus (Behindertenfeindlichkeit)"],
        ["Primarstufe", "Sekundarstufe I"],
        "Ein Blatt in Leichter Sprache mit Bildern: Was bedeutet Diskriminierung? Was kann ich tun?",
        None,
        "cc-by",
        "Leichte Sprache, Einstieg",
    ),
    (
        "Fortbildung: Courage-AG gründen und begleiten",
        "Präsentation",
        ["Demokratie und Zivilcourage"],
        ["Erwachsene/Fortbildung"],
        "Folien der KI-Fortbildung für Lehrkräfte: Wie eine Courage-AG entsteht, wer mitmacht und wie die "
        "Schüler*innen selbst entscheiden.",
        None,
        "cc-by",
        "Courage-AG, Lehrkräfte, Fortbildung",
    ),
)

# (phrase, topic, site): each generated link goes to a site that fits its topic, and its title names that site.
WORDS = (
    ("Vorurteile erkennen", "Rassismus", "bpb"),
    ("Zivilcourage im Alltag", "Demokratie und Zivilcourage", "sor"),
    ("Erinnern an den 9. November", "Erinnerungskultur und Gedenken", "annefrank"),
    ("Flucht und Ankommen", "Flucht und Migration", "bpb"),
    ("Gleichberechtigung", "Sexismus", "bpb"),
    ("Vielfalt in der Klasse", "Vielfalt und Religionen", "sor"),
    ("Gerüchte und Fake News", "Hate Speech und Desinformation", "klicksafe"),
    ("Regenbogen und Respekt", "Homo- und Transfeindlichkeit", "sor"),
    ("Barrieren abbauen", "Ableismus (Behindertenfeindlichkeit)", "bpb"),
    ("Antisemitismus heute", "Antisemitismus", "annefrank"),
    ("Antiziganismus erkennen", "Antiziganismus (Rassismus gegen Sinti und Roma)", "sintiundroma"),
    ("Muslimfeindlichkeit begegnen", "Muslimfeindlichkeit", "bpb"),
)
SITES = {
    "bpb": ("bpb", "Bundeszentrale für politische Bildung", "https://www.bpb.de/"),
    "sor": (
        "SOR-SMC",
        "Bundeskoordination Schule ohne Rassismus – Schule mit Courage",
        "https://www.schule-ohne-rassismus.org/",
    ),
    "annefrank": ("Anne Frank Zentrum", "Anne Frank Zentrum", "https://www.annefrank.de/"),
    "klicksafe": ("klicksafe", "klicksafe", "https://www.klicksafe.de/"),
    "sintiundroma": (
        "Dokumentationszentrum",
        "Dokumentationszentrum Deutscher Sinti und Roma",
        "https://www.sintiundroma.org/",
    ),
}
TYPES = ("Arbeitsblatt", "Methode/Übung", "Projektidee", "Unterrichtsreihe", "Präsentation", "Linkliste")
# (levels, how a title says who it is for)
LEVEL_SETS = (
    (["Primarstufe"], "für die Grundschule"),
    (["Sekundarstufe I"], "für die Sekundarstufe I"),
    (["Sekundarstufe I", "Sekundarstufe II"], "für die Sekundarstufen I und II"),
    (["Sekundarstufe II"], "für die Oberstufe"),
    (["Berufskolleg"], "für das Berufskolleg"),
    (["Erwachsene/Fortbildung"], "für Lehrkräfte"),
)
LICENCE_CYCLE = ("cc-by", "cc-by-sa", "cc0", "cc-by-nc", "cc-by", "cc-by-nc-sa")
PUBLISHED_WITHIN_DAYS = 5 * 365


def _pdf_row(title: str, description: str) -> dict:
    data = simple_pdf(title, description + "\n\nCourage Hub – Demo-Material")
    name = secrets.token_hex(16) + ".pdf"
    path = upload_root() / name
    path.write_bytes(data)
    preview = store_pdf_preview(name)
    return {
        "storage_name": name,
        "preview_name": preview,
        "original_name": title.replace(":", "").replace(" ", "-")[:80] + ".pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "link_url": None,
    }


def seed_materials(count: int, rng: random.Random) -> int:
    """Add materials until there are ``count``: first the curated ones, then generated links."""
    existing = db.session.scalar(select(func.count()).select_from(Material)) or 0
    missing = count - existing
    school_regions = dict(
        db.session.execute(
            select(School.id, School.region_id).where(School.status == SchoolStatus.AUFGENOMMEN).order_by(School.id)
        ).all()
    )
    school_ids = list(school_regions)
    if missing <= 0 or not school_ids:
        return 0
    # Generated materials go round the regions in turn, so that every region has some; the KI's own materials
    # belong to the staff member's region: the curated ones to the first region (the demo's Kreis Soest).
    offices = dict(db.session.execute(select(Region.id, Region.name).order_by(Region.id)).all())
    region_ids = list(offices)
    schools_of: dict[int, list[int]] = {}
    for school_id, region_id in school_regions.items():
        schools_of.setdefault(region_id, []).append(school_id)
    sharing_regions = [region_id for region_id in region_ids if region_id in schools_of]
    now = utcnow()
    rows, topics, levels = [], [], []
    for i in range(existing, existing + missing):
        if i < len(CURATED):
            title, kind, topic_list, level_list, description, link, licence, tags = CURATED[i]
            source = _pdf_row(title, description) if link is None else {"link_url": link}
            school_id = None if kind in ("Linkliste", "Präsentation", "Broschüre/Themenheft") else school_ids[i]
            staff_region = region_ids[0]
        else:
            j = i - len(CURATED)
            phrase, topic, site_key = WORDS[j % len(WORDS)]
            kind = TYPES[(j // len(WORDS)) % len(TYPES)]
            level_list, audience = LEVEL_SETS[(j // (len(WORDS) * len(TYPES))) % len(LEVEL_SETS)]
            short, site_name, url = SITES[site_key]
            title = f"{short}: {phrase} – {kind} {audience}"
            topic_list = [topic]
            description = (
                f"Ein Angebot von {site_name} zum Thema {topic}, {audience}. "
                "Die Schule hat es im Unterricht erprobt und empfiehlt es mit Hinweisen zur Durchführung weiter."
            )
            source, licence, tags = {"link_url": url}, LICENCE_CYCLE[j % 6], phrase
            # Every fifth is the KI's own; the others are shared by schools, one region after the other.
            school_id = None
            if i % 5:
                turn, slot = divmod(i - (i + 4) // 5, len(sharing_regions))
                region_schools = schools_of[sharing_regions[slot]]
                school_id = region_schools[(turn * 7919) % len(region_schools)]
            staff_region = region_ids[(j // 5) % len(region_ids)]
        state = MaterialState.REVIEW if i % 25 == 24 else MaterialState.PUBLISHED
        # Published some time in the last five years; older materials have been downloaded more often.
        age = (
            timedelta(days=rng.randrange(3, 20))
            if state == MaterialState.REVIEW
            else timedelta(days=rng.randrange(10, PUBLISHED_WITHIN_DAYS), minutes=rng.randrange(0, 24 * 60))
        )
        created = now - age
        downloads = 0 if state == MaterialState.REVIEW else int(age.days / 30 * rng.uniform(0.2, 3.5))
        rows.append(
            {
                "school_id": school_id,
                "region_id": school_regions[school_id] if school_id else staff_region,
                "title": title,
                "description": description,
                "tags": tags,
                "attribution": offices[staff_region] if school_id is None else "Courage-AG der Schule",
                "licence": licence,
                "language": "de",
                "material_type": kind,
                "state": state,
                "review_reason": "",
                "published_at": created + timedelta(days=1) if state == MaterialState.PUBLISHED else None,
                "download_count": downloads,
                "version": 1,
                "created_at": created,
                "updated_at": created,
                "storage_name": None,
                "preview_name": None,
                "original_name": None,
                "content_type": None,
                "size": None,
                "sha256": None,
                **source,
            }
        )
        topics.append(topic_list)
        levels.append(level_list)
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(Material), rows[chunk : chunk + 5000])
    ids = list(db.session.scalars(select(Material.id).order_by(Material.id).offset(existing)))
    topic_rows = [{"material_id": mid, "topic": t} for mid, ts in zip(ids, topics, strict=True) for t in ts]
    level_rows = [{"material_id": mid, "level": lv} for mid, ls in zip(ids, levels, strict=True) for lv in ls]
    for chunk in range(0, len(topic_rows), 10000):
        db.session.execute(insert(MaterialTopic), topic_rows[chunk : chunk + 10000])
    for chunk in range(0, len(level_rows), 10000):
        db.session.execute(insert(MaterialLevel), level_rows[chunk : chunk + 10000])
    return missing
