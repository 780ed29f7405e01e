"""A pharmacist edits and verifies the organization's catalogue rows (issue #17 item 4) through the real
HTTP stack: every change is a new revision, checked by the products loader, audited; the organization's
visits and tablets read the result; other organizations keep the packaged file."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import httpx
import pytest

from server.auth import csrf
from server.db.catalogue_models import CatalogueRevision
from server.db.models import AuditEntry, Role, User, Visit
from server.services import org_catalogue, visits
from tests.server.test_access_matrix import RULES

ROW = "gammagard-liquid-10-pi"
MAKER_LADDER = "0.5, 1, 2, 3, 4, 5"
MAKER_SOURCES = "label, maker, maker, maker, maker, label"


@pytest.fixture
def post_form(settings):
    async def post(client: httpx.AsyncClient, url: str, fields: dict[str, str]) -> httpx.Response:
        nonce = "catalogue-tests-nonce"
        client.cookies.set(csrf.COOKIE_NAME, nonce)
        data = {csrf.FIELD_NAME: csrf.token_for(nonce, settings.secret_key), **fields}
        return await client.post(url, data=data, follow_redirects=False)

    return post


def edit_form(based_on: int = 0, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it for Gammagard PI, with the maker's ladder and `changes`."""
    row = org_catalogue.packaged_row(ROW)
    form = {
        "protocol_id": ROW, "based_on": str(based_on), "ladder": MAKER_LADDER, "ladder_source": MAKER_SOURCES,
        "first_step_min": "30", "first_step_source": "label", "step_min": "30", "step_source": "label",
        "at_risk_cap": "", "at_risk_cap_source": row["at_risk_cap_source"], "ladder_note": "",
        "source": row["source"] + " ; maker's calculator steps, LABELS.md s.2.1",
        "reason": "The maker's calculator steps 2, 3, 4, 5 mL/kg/h (LABELS.md s.2.1)",
    }
    return {**form, **changes}


async def test_an_edit_is_a_new_revision_and_the_row_before_it_stays_as_it_was(client_factory, pharmacist_pia, post_form):
    desk = await client_factory(pharmacist_pia)
    assert (await post_form(desk, "/pharmacy/catalogue/edit", edit_form())).status_code == 303
    second = edit_form(based_on=1, step_min="20", step_source="organization", reason="Our protocol: 20 min steps",
                       beyond_label="on")
    assert (await post_form(desk, "/pharmacy/catalogue/edit", second)).status_code == 303
    first, latest = await CatalogueRevision.filter(organization_id=pharmacist_pia.organization_id).order_by("number")
    assert first.row["ladder"] == [0.5, 1, 2, 3, 4, 5] and first.row["step_min"] == 30  # untouched by the second edit
    assert (latest.number, latest.row["step_min"], latest.row["verified_on"]) == (2, 20, None)
    assert org_catalogue.packaged_row(ROW)["ladder"] == [0.5, 1, 2, 4, 5]
    entries = await AuditEntry.filter(action="catalogue.edit").order_by("id")
    assert [(e.object_id, e.detail["revision"]) for e in entries] == [(ROW, 1), (ROW, 2)]
    assert "ladder" in entries[0].detail["fields"] and entries[1].detail["fields"] == ["step_min", "step_source"]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"ladder": "0.5, 2, 1, 5"}, "steps", "strictly increasing"),
    ({"ladder": ""}, "steps", "at least 1 item"),
    ({"ladder_source": "label, maker, label"}, "ladder_source", "must match the ladder"),
    ({"ladder_source": "label, maker, maker, maker, vendor, label"}, "ladder_source", "'generated'"),
    ({"step_min": "15.5"}, "step_min", "whole number"),
    ({"first_step_min": "0"}, "first_step_min", "greater than 0"),
    ({"ladder": "0.5, 1, two, 5"}, "steps", "not a number"),
    ({"at_risk_cap": "9"}, "at_risk_cap", "between start and maximum"),
    ({"source": ""}, "source", "at least 1 character"),
    ({"reason": ""}, "reason", "required"),
])
async def test_an_edit_the_products_loader_refuses_names_the_field_and_stores_nothing(
    client_factory, pharmacist_pia, post_form, changes, field, words
):
    desk = await client_factory(pharmacist_pia)
    response = await post_form(desk, "/pharmacy/catalogue/edit", edit_form(**changes))
    assert response.status_code == 422
    error = response.text.split('<span class="field-error">', 1)[1].split("</span>", 1)[0]
    assert error.lower().startswith(field.replace("_", " ")) and words in error.replace("&#39;", "'"), error
    assert await CatalogueRevision.all().count() == 0


async def test_verifying_signs_the_row_with_name_and_date_and_a_later_edit_makes_it_unverified_again(
    client_factory, pharmacist_pia, post_form
):
    desk = await client_factory(pharmacist_pia)
    await post_form(desk, "/pharmacy/catalogue/edit", edit_form())
    checked = {"protocol_id": ROW, "based_on": "1", "checked_against": "Gammagard Liquid PI, gammagard.com HCP page"}
    assert (await post_form(desk, "/pharmacy/catalogue/verify", checked)).status_code == 303
    signed = await CatalogueRevision.get(number=2)
    assert (signed.kind, signed.author_id, signed.verified_on) == ("verify", pharmacist_pia.id, date.today())
    assert signed.row["verified_on"] == date.today().isoformat()
    page = (await desk.get(f"/pharmacy/catalogue/row?protocol={ROW}")).text
    assert f"Verified {date.today()} by {pharmacist_pia.display_name}" in page
    assert "Checked against: Gammagard Liquid PI" in page and "<ins>0.5, 1, 2, 3, 4, 5</ins>" in page
    await post_form(desk, "/pharmacy/catalogue/edit", edit_form(based_on=2, step_min="20", beyond_label="on"))
    assert (await org_catalogue.catalog_for(pharmacist_pia.organization_id)).protocol(ROW).verified_on is None
    assert await AuditEntry.filter(action="catalogue.verify", object_id=ROW).count() == 1


async def test_a_verification_of_a_row_that_changed_since_the_page_was_opened_is_refused(
    client_factory, pharmacist_pia, post_form
):
    desk = await client_factory(pharmacist_pia)
    await post_form(desk, "/pharmacy/catalogue/edit", edit_form())
    stale = {"protocol_id": ROW, "based_on": "0", "checked_against": "the label"}
    assert (await post_form(desk, "/pharmacy/catalogue/verify", stale)).status_code == 409
    assert await CatalogueRevision.all().count() == 1


async def test_a_verification_needs_what_the_row_was_checked_against(client_factory, pharmacist_pia, post_form):
    desk = await client_factory(pharmacist_pia)
    response = await post_form(desk, "/pharmacy/catalogue/verify", {"protocol_id": ROW, "based_on": "0", "checked_against": " "})
    assert response.status_code == 422 and "Checked against: this is required" in response.text
    assert await CatalogueRevision.all().count() == 0


CATALOGUE_WRITES = [key for key in RULES if key[0] == "POST" and key[1].startswith("/pharmacy/catalogue")]


@pytest.mark.parametrize("role", list(Role))
async def test_only_the_roles_the_route_table_names_may_edit_or_verify(
    client_factory, org, password_hash, post_form, role
):
    from tests.conftest import _user

    user = await _user(org, f"catalogue_{role}", role, password_hash)
    client = await client_factory(user)
    for method, path in CATALOGUE_WRITES:
        based_on = await CatalogueRevision.all().count()
        response = await post_form(client, path, {**edit_form(based_on), "checked_against": "the label"})
        allowed = role in RULES[(method, path)].roles
        assert (response.status_code == 303) == allowed, (path, role, response.status_code)
        if not allowed:
            assert response.status_code == 403
    assert await CatalogueRevision.all().count() == (2 if role == Role.PHARMACIST else 0)


async def test_the_tablet_receives_its_organizations_rows_and_another_organization_keeps_the_packaged_file(
    client_factory, pharmacist_pia, pharmacist_oz, nurse_ana, patient_pat, post_form
):
    desk = await client_factory(pharmacist_pia)
    await post_form(desk, "/pharmacy/catalogue/edit", edit_form())
    await post_form(desk, "/pharmacy/catalogue/verify", {"protocol_id": ROW, "based_on": "1", "checked_against": "label"})

    def row_of(reference: dict) -> dict:
        return next(r for r in reference["products"]["products"] if r["protocol_id"] == ROW)

    ours = row_of((await (await client_factory(nurse_ana)).get("/api/reference")).json())
    assert (ours["ladder"], ours["ladder_source"][3], ours["verified_on"]) == ([0.5, 1, 2, 3, 4, 5], "maker", date.today().isoformat())
    theirs = row_of((await (await client_factory(pharmacist_oz)).get("/api/reference")).json())
    assert (theirs["ladder"], theirs["verified_on"]) == ([0.5, 1, 2, 4, 5], None)


async def test_a_visits_protocol_is_the_organizations_row(client_factory, pharmacist_pia, nurse_ana, patient_pat, post_form):
    visit = await Visit.create(id=uuid.uuid4(), organization_id=patient_pat.organization_id, patient=patient_pat,
                               nurse=nurse_ana, scheduled_at=datetime.now(timezone.utc))
    assert (await visits.context_for(visit)).protocol.ladder == (0.5, 1, 2, 4, 5)
    await post_form(await client_factory(pharmacist_pia), "/pharmacy/catalogue/edit", edit_form())
    assert (await visits.context_for(visit)).protocol.ladder == (0.5, 1, 2, 3, 4, 5)


async def test_reading_a_rows_history_or_its_edit_form_is_audited(client_factory, pharmacist_pia: User):
    desk = await client_factory(pharmacist_pia)
    await desk.get(f"/pharmacy/catalogue/row?protocol={ROW}")
    await desk.get(f"/pharmacy/catalogue/edit?protocol={ROW}")
    for action in ("catalogue.history", "catalogue.row_read"):
        entry = await AuditEntry.filter(action=action).get()
        assert (entry.object_id, entry.user_id) == (ROW, pharmacist_pia.id)


async def test_an_unknown_protocol_is_not_found(client_factory, pharmacist_pia):
    desk = await client_factory(pharmacist_pia)
    assert (await desk.get("/pharmacy/catalogue/row?protocol=no-such-row")).status_code == 404
    assert (await desk.get("/pharmacy/catalogue/edit?protocol=Bad%20Id")).status_code == 400


async def test_a_revision_stored_before_products_json_gained_a_field_still_loads(pharmacist_pia):
    """A required field a later products.json adds to every row (here at_risk_cap_source, as if it were new)
    comes from the packaged row into an older revision that lacks it."""
    packaged = org_catalogue.packaged_row(ROW)
    older = {key: value for key, value in packaged.items() if key != "at_risk_cap_source"} | {"step_min": 20}
    await CatalogueRevision.create(organization_id=pharmacist_pia.organization_id, protocol_id=ROW, number=1,
                                   kind="edit", row=older, reason="before the field existed", author=pharmacist_pia,
                                   created_at=datetime.now(timezone.utc))
    document = org_catalogue.overlay({**org_catalogue.packaged_document()}, {ROW: older})
    row = next(r for r in document["products"] if r["protocol_id"] == ROW)
    assert row["at_risk_cap_source"] == packaged["at_risk_cap_source"] and row["step_min"] == 20
    assert (await org_catalogue.catalog_for(pharmacist_pia.organization_id)).protocol(ROW).step_min == 20


async def test_a_step_that_says_the_label_gives_it_must_be_a_rate_the_label_gives(client_factory, pharmacist_pia, post_form):
    """A walk typed 40 for 4 (ten times the label's maximum) in Privigen ITP's steps and the step still said
    "label": every order of the row would have run to it."""
    desk = await client_factory(pharmacist_pia)
    row = org_catalogue.packaged_row("privigen-10-itp")
    form = edit_form(protocol_id="privigen-10-itp", ladder="0.5, 1, 2, 40", ladder_source="label, generated, generated, label",
                     first_step_min="30", first_step_source="generated", step_min="30", step_source="generated",
                     at_risk_cap_source=row["at_risk_cap_source"], source=row["source"], reason="typo test")
    refused = await post_form(desk, "/pharmacy/catalogue/edit", form)
    assert refused.status_code == 422
    assert ("step 4 (40) is not a rate the label gives (0.5, 4): say where it comes from (maker or organization), "
            "or correct it") in refused.text
    assert not await CatalogueRevision.filter(organization_id=pharmacist_pia.organization_id).exists()
    said = {**form, "ladder_source": "label, generated, generated, organization", "reason": "our protocol"}
    slip = await post_form(desk, "/pharmacy/catalogue/edit", {**said, "beyond_label": "on"})
    assert slip.status_code == 422 and "is 10 times the packaged maximum 4; check the unit" in slip.text
    assert not await CatalogueRevision.filter(organization_id=pharmacist_pia.organization_id).exists()
