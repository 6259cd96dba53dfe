"""Browser check: a material's JSON-LD data block holds hostile names without swallowing the rest of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courage_hub import create_app
from courage_hub.extensions import db

from . import factories
from .browser import browser_marks, live_server
from .conftest import make_config

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]
# An HTML comment opener and a script start tag put a script element's parser into its "double escaped" state:
# with only "</" escaped, the block's own "</script>" no longer ends it and the rest of the page disappears into it.
SCHOOL = "Schule <!--<script> am Wall & </script> Soest"
TITLE = "Vorurteile <!--<script> erkennen"
DESCRIPTION = "Ein Blatt </script><h2>eingeschleust</h2> & mehr"


@pytest.fixture(scope="module")
def hostile_material(tmp_path_factory):
    """A live site with one public material whose school, title, description and tags carry markup."""
    instance = tmp_path_factory.mktemp("jsonld")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        db.create_all()
        school = factories.SchoolFactory(name=SCHOOL)
        material_id = factories.MaterialFactory(
            school=school, title=TITLE, description=DESCRIPTION, tags="<!--<script>, </script>"
        ).id
    with live_server(app) as url:
        yield f"{url}/materialien/{material_id}"


def test_hostile_names_stay_inside_the_json_ld_block(page: Page, hostile_material):
    page.goto(hostile_material)
    # The page after the data block is still there: heading, download/link section and footer.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("footer.site-footer")).to_be_visible()
    expect(page.get_by_role("heading", name="eingeschleust")).to_have_count(0)
    data = page.evaluate(
        """() => {
            const blocks = document.querySelectorAll('script[type="application/ld+json"]');
            return {count: blocks.length, data: JSON.parse(blocks[0].textContent)};
        }"""
    )
    assert data["count"] == 1
    assert data["data"]["name"] == TITLE
    assert data["data"]["description"] == DESCRIPTION
    assert data["data"]["publisher"][0]["name"] == SCHOOL
    assert {"<!--<script>", "</script>"} <= set(data["data"]["keywords"])
