"""The German catalog is complete, compiled and in use; English stays selectable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "courage_hub" / "translations" / "de" / "LC_MESSAGES"


def _ids(catalog) -> set:
    """Each message as (context, msgid): one msgid with two meanings is two messages."""
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


# Babel's default (hidden and "_" folders) plus mutmut's copy of the source (`make mutate` leaves it in mutants/).
IGNORED_DIRS = ".* ._ mutants"


def test_every_message_in_the_code_has_a_german_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
         "lazy_gettext", "-k", "pgettext:1c,2", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "--no-location",
         "--ignore-dirs", IGNORED_DIRS, ".", "templates/_macros"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        wanted = _ids(read_po(f))
    with (CATALOG / "messages.po").open("rb") as f:
        german = read_po(f)
    missing = wanted - _ids(german)
    assert not missing, f"run `make translations` and translate: {sorted(missing)[:10]}"
    untranslated = [m.id for m in german if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert not untranslated, f"untranslated: {untranslated[:10]}"


def _text(context):
    return context.decode() if isinstance(context, bytes) else context  # read_mo gives the context as bytes


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalog_matches_the_po_file():
    with (CATALOG / "messages.po").open("rb") as f:
        po = {(m.context, _key(m.id)): _key(m.string) for m in read_po(f) if m.id and not m.fuzzy}
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = {(_text(m.context), _key(m.id)): _key(m.string) for m in read_mo(f) if m.id}
    assert po == mo, "run `pybabel compile -d courage_hub/translations`"


def test_pages_are_german_by_default_and_english_on_request(client):
    german = client.get("/anmelden").get_data(as_text=True)
    assert 'lang="de"' in german and "Anmelden" in german
    client.set_cookie("lang", "en")
    english = client.get("/anmelden").get_data(as_text=True)
    assert 'lang="en"' in english and "Sign in" in english


def test_language_choice_is_remembered(client):
    response = client.get("/sprache/en?next=/impressum")
    assert response.headers["Location"] == "/impressum"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert client.get("/sprache/en?next=https://evil.example/").headers["Location"] == "/"  # only own pages


def test_public_pages_set_no_cookie(client):
    for path in ("/", "/schulen/", "/aktivitaeten/", "/materialien/"):
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
