"""The HTML the server sends is well structured: heading levels never skip, ids are unique, required selects start
with an empty choice, wide tables are captioned regions a keyboard can reach, checkbox groups have a legend.
(The browser journeys also run the Nu Html Checker over every page they visit; these tests pin each rule down
without a browser.)"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired

from courage_hub.extensions import db
from courage_hub.schools.models import Ballot

from . import factories

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def iter(self, tag: str | None = None):
        for child in self.children:
            if tag is None or child.tag == tag:
                yield child
            yield from child.iter(tag)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = self.current = Element("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def page(client, path: str) -> Element:
    response = client.get(path)
    assert response.status_code == 200, path
    return parse(response.get_data(as_text=True))


def heading_skips(root: Element) -> list[str]:
    levels = [int(h.tag[1]) for h in root.iter() if h.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    return [f"h{before} → h{after}" for before, after in zip([1, *levels], levels, strict=False) if after > before + 1]


def duplicate_ids(root: Element) -> set[str]:
    seen: set[str] = set()
    duplicates: set[str] = set()
    for element in root.iter():
        element_id = element.attrs.get("id")
        if element_id is not None:
            (duplicates if element_id in seen else seen).add(element_id)
    return duplicates


@pytest.fixture
def network(users):
    """Published activities, a ballot and a second pending registration, so that every list and table shows."""
    school = users["school_a"]
    for n in range(3):
        factories.ActivityFactory(school=school, title=f"Projekttag {n}")
    db.session.add(Ballot(school_id=school.id, held_on=date(2026, 3, 1), eligible=100, yes=80, no=10, invalid=0))
    factories.SchoolFactory(
        name="Hauptschule am Markt Geseke",
        municipality="Geseke",
        approval=factories.Approval.PENDING,
        status=factories.SchoolStatus.INTERESSE,
    )
    school.needs_contact = True
    db.session.commit()
    return users


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("anonymous", "/aktivitaeten/"),
        ("anonymous", "/schulen/gesamtschule-am-lindenhof-lippstadt"),
        ("coord_a", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten"),
        ("ki", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten"),
        ("ki", "/koordination/"),
        ("ki", "/koordination/registrierungen"),
        ("anonymous", "/angebote/"),
        ("anonymous", "/angebote/{offer_id}"),
        ("anonymous", "/angebote/partner/"),
        ("anonymous", "/angebote/partner/{partner_id}"),
        ("anonymous", "/regionen/kreis-soest"),
    ],
)
def test_activity_cards_and_sections_never_skip_a_heading_level(client, network, login_as, role, path):
    offer = factories.OfferFactory(partner=network["partner_soest"])
    factories.ActivityFactory(school=network["school_a"], partner_id=offer.partner_id, title="Workshop mit Partner")
    path = path.format(offer_id=offer.id, partner_id=offer.partner_id)
    root = page(login_as(role), path)
    assert any(h.tag in {"h2", "h3"} for h in root.iter()), "the page should list cards or sections"
    assert heading_skips(root) == []


def test_activity_feed_cards_are_second_level_headings(client, network):
    root = page(client, "/aktivitaeten/")
    titles = [h for h in root.iter("h2") if any(a.tag == "li" for a in h.ancestors())]
    assert len(titles) == 3


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("ki", "/koordination/registrierungen"),
        ("ki", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten"),
        ("ki", "/konto"),  # password change, new recovery codes, second factor: three password fields
    ],
)
def test_pages_with_several_forms_repeat_no_id(client, network, login_as, role, path):
    root = page(login_as(role), path)
    assert len(list(root.iter("form"))) >= 3
    assert duplicate_ids(root) == set()


def test_hidden_csrf_fields_still_carry_the_token(client, network, login_as):
    root = page(login_as("ki"), "/koordination/registrierungen")
    tokens = [i for i in root.iter("input") if i.attrs.get("name") == "csrf_token"]
    assert len(tokens) >= 2
    assert all(i.attrs.get("value") and "id" not in i.attrs for i in tokens)


def _all_form_classes():
    import courage_hub

    courage_hub.create_app  # noqa: B018 - the app factory imports every domain's forms
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("courage_hub."):
            found.append(cls)
    return found


def test_every_required_select_field_starts_with_an_empty_choice(app):
    forms = _all_form_classes()
    assert len(forms) > 10
    checked, bad = 0, []
    for cls in forms:
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if getattr(unbound, "field_class", None) is not SelectField:
                continue  # radio buttons and checkbox groups need no placeholder
            validators = unbound.kwargs.get("validators") or []
            choices = unbound.kwargs.get("choices")
            if not any(isinstance(v, DataRequired | InputRequired) for v in validators) or choices is None:
                continue  # optional, or filled in by the view (checked on the rendered pages below)
            checked += 1
            first = next(iter(choices))
            value = first.value if hasattr(first, "value") else first[0] if isinstance(first, tuple) else first
            if value != "":
                bad.append(f"{cls.__name__}.{name}")
    assert checked >= 5
    assert bad == []


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/verwaltung/konten/neu"),
        ("admin", "/verwaltung/regionen/neu"),
        ("ki", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten"),
        ("anonymous", "/schulen/registrieren"),
        ("coord_a", "/schulen/gesamtschule-am-lindenhof-lippstadt/bearbeiten"),
    ],
)
def test_required_selects_on_the_page_start_with_an_empty_option(client, network, login_as, role, path):
    root = page(login_as(role), path)
    required = [s for s in root.iter("select") if "required" in s.attrs and "multiple" not in s.attrs]
    assert required
    for select in required:
        first = next(select.iter("option"))
        assert first.attrs.get("value") == "", select.attrs.get("id")


@pytest.mark.parametrize(
    ("role", "path", "count"),
    [
        ("ki", "/koordination/", 2),
        ("ki", "/koordination/schulen/{school_id}", 1),
        ("ki", "/koordination/schulen", 1),
        ("ki", "/koordination/kontakt", 1),
        ("admin", "/verwaltung/protokoll/", 1),
        ("coord_a", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten", 1),
        ("admin", "/verwaltung/konten", 1),
        ("admin", "/verwaltung/regionen", 1),
    ],
)
def test_every_table_is_a_captioned_region_a_keyboard_can_scroll(client, network, login_as, role, path, count):
    root = page(login_as(role), path.format(school_id=network["school_a"].id))
    tables = list(root.iter("table"))
    assert len(tables) >= count
    ids = {e.attrs["id"] for e in root.iter() if "id" in e.attrs}
    for table in tables:
        wrapper = table.parent
        assert wrapper.tag == "div"
        assert wrapper.attrs.get("tabindex") == "0"
        assert wrapper.attrs.get("role") == "region"
        assert wrapper.attrs.get("aria-labelledby") in ids or wrapper.attrs.get("aria-label")
        assert table.children and table.children[0].tag == "caption"


def test_reminder_selection_checkboxes_sit_in_a_fieldset_with_a_legend(client, network, login_as):
    root = page(login_as("ki"), "/koordination/kontakt")
    boxes = [i for i in root.iter("input") if i.attrs.get("type") == "checkbox" and i.attrs.get("name") == "schule"]
    assert boxes
    for box in boxes:
        fieldset = next((a for a in box.ancestors() if a.tag == "fieldset"), None)
        assert fieldset is not None
        assert fieldset.children[0].tag == "legend"


def test_reminder_form_checkboxes_sit_in_a_fieldset_with_a_legend(client, network, login_as):
    client = login_as("ki")
    root = page(client, f"/koordination/erinnerungen?schule={network['school_a'].id}")
    boxes = [i for i in root.iter("input") if i.attrs.get("type") == "checkbox"]
    assert boxes
    assert all(any(a.tag == "fieldset" for a in box.ancestors()) for box in boxes)


def test_material_page_has_no_complementary_aside_inside_its_article(client, network):
    material = factories.MaterialFactory(school=network["school_a"])
    root = page(client, f"/materialien/{material.id}")
    assert list(root.iter("article"))
    assert [a for a in root.iter("aside") if any(p.tag == "article" for p in a.ancestors())] == []


def test_machine_readable_times_are_valid_html_datetimes(client, network, login_as):
    """Timestamps carry microseconds; HTML allows at most three digits of a second in a time's datetime."""
    import re

    from courage_hub.schools import services

    services.set_status_by_ki(network["school_a"], network["ki"], factories.SchoolStatus.VORBEREITUNG, "Neu gestartet")
    valid = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)?)?$")
    client = login_as("ki")
    found = []
    for path in [
        "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten",
        f"/koordination/schulen/{network['school_a'].id}",
    ]:
        found += [t.attrs["datetime"] for t in page(client, path).iter("time") if "datetime" in t.attrs]
    assert any("T" in value for value in found)
    assert [value for value in found if not valid.match(value)] == []
