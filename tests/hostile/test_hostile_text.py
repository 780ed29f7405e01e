"""Hostile strings written into every free-text field (patient, order, visit entries, review, a held
entry) come back as the same literal text on every page, in the PDF and in the FHIR document, and
never as markup that could run. The browser test (tests/browser/test_hostile_text.py) proves the
same pages run nothing in a real Chromium with the CSP on."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.hostile import world as hostile
from tests.hostile.corpus import HOSTILE, PRINTABLE

NAMES = sorted(HOSTILE)


@pytest.fixture
async def build_world(client_factory, admin_ada, desk, post_form, push_visit, tablet_for, nurse_ana, physician_phil):
    admin = await client_factory(admin_ada)

    async def build(name: str) -> hostile.HostileWorld:
        return await hostile.build(HOSTILE[name], admin=admin, desk=desk, post_form=post_form, push_visit=push_visit,
                                   tablet_for=tablet_for, nurse=nurse_ana, physician=physician_phil)

    return build


def _check_page(path: str, html: str, text: str, *, expect_text: bool = True) -> list[str]:
    problems = [f"{path}: {found}" for found in hostile.injected(html)]
    if "<" in text and text in html:
        problems.append(f"{path}: the string is in the markup unescaped")
    wanted = hostile.as_held(text) if path == "/quarantine" else text
    if expect_text and not hostile.shown(html, wanted):
        problems.append(f"{path}: the string is not shown as text")
    return problems


@pytest.mark.parametrize("name", NAMES)
async def test_hostile_text_is_shown_literally_and_never_as_markup_on_every_desk_page(
    name, build_world, desk, client_factory, admin_ada, physician_phil
):
    world = await build_world(name)
    problems = []
    for path in world.desk_pages():
        response = await desk.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        problems += _check_page(path, response.text, world.text)
    admin = await client_factory(admin_ada)
    for path in world.admin_pages():
        response = await admin.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        problems += _check_page(path, response.text, world.text, expect_text=path != "/quarantine")
    physician = await client_factory(physician_phil)
    for path in ("/physician", f"/visits/{world.visit_id}/summary"):
        response = await physician.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        problems += _check_page(path, response.text, world.text)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", NAMES)
async def test_hostile_text_is_literal_text_in_the_fhir_document(name, build_world, desk):
    world = await build_world(name)
    response = await desk.get(f"/visits/{world.visit_id}/fhir")
    assert response.status_code == 200
    strings = list(_strings(response.json()))
    assert any(world.text in s for s in strings), "the string is missing from the FHIR document"
    narratives = [s for s in strings if s.startswith("<div")]
    assert narratives and not any("<" in world.text and world.text in div for div in narratives), \
        "the FHIR narrative (XHTML) carries the string as markup"


@pytest.mark.parametrize("name", sorted(PRINTABLE))
async def test_hostile_text_is_printed_literally_in_the_summary_pdf(name, build_world, desk):
    world = await build_world(name)
    response = await desk.get(f"/visits/{world.visit_id}/summary.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "".join(world.text.split()) in "".join(text.split())


def _strings(value) -> list[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
