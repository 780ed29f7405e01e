"""The pharmacist's pages (server/routes/pharmacy.py) through the real HTTP stack: patients,
orders, and the rule that an order is never silently altered (every edit keeps a revision)."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from server.db.models import AuditEntry, Order, OrderRevision, ProtocolBasis, Visit, VisitStatus
from tests.conftest import ORDER_PREMEDS, ORDER_PRN

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def post_form(client: httpx.AsyncClient, url: str, data: dict, *, page: str) -> httpx.Response:
    """Submit a form as a browser would: take the CSRF token from a page first."""
    token = CSRF_INPUT.search((await client.get(page)).text).group(1)
    return await client.post(url, data={**data, "csrf_token": token})


def order_form(**changes) -> dict:
    """A valid order: Privigen for CIDP, 1 g/kg at 80 kg, label protocol, one premedication. The fixtures'
    patients already have an active IVIG order, so the box that says a second one is meant is ticked
    (tests/server/test_duplicate_therapy.py leaves it out); they weigh 70 kg, so is the one that says
    80 kg is meant (tests/server/test_dosing_weight.py leaves it out)."""
    form = {
        "product": "privigen-10|CIDP", "dose_g_per_kg": "1", "dosing_weight_kg": "80",
        "basis": "label", "prescriber": "Dr. Phil Amari", "active": "on", "same_therapy": "on", "weight_differs": "on",
        "premeds-0-drug": "acetaminophen", "premeds-0-dose": "650", "premeds-0-unit": "mg",
        "premeds-0-route": "PO", "premeds-0-minutes_before": "30",
        "prn_orders-0-drug": "epinephrine", "prn_orders-0-dose": "0.3", "prn_orders-0-unit": "mg",
        "prn_orders-0-route": "IM", "prn_orders-0-indication": "anaphylaxis",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def create_order(client: httpx.AsyncClient, patient_id: int, **changes) -> httpx.Response:
    new = f"/pharmacy/patients/{patient_id}/orders/new"
    return await post_form(client, f"/pharmacy/patients/{patient_id}/orders", order_form(**changes), page=new)


async def edit_order(client: httpx.AsyncClient, order: Order, **changes) -> httpx.Response:
    """Submit the edit form for the conftest order (as it was written) with `changes` (None: leave out)."""
    medications = {f"{name}-{i}-{key}": str(value) for name, items in (("premeds", ORDER_PREMEDS), ("prn_orders", ORDER_PRN))
                   for i, item in enumerate(items) for key, value in item.items()}
    form = {
        "product": "gammagard-liquid-10|PI", "dose_g_per_kg": "1.0", "dosing_weight_kg": "70",
        "basis": "label", "prescriber": "Dr. Test", "active": "on", "based_on_revision": str(order.revision),
        **medications, **changes,
    }
    form = {key: value for key, value in form.items() if value is not None}
    page = f"/pharmacy/orders/{order.id}/edit"
    return await post_form(client, f"/pharmacy/orders/{order.id}", form, page=page)


# --- reading ----------------------------------------------------------------------------------

async def test_home_lists_the_organizations_patients_with_their_active_orders(
    client_factory, pharmacist_pia, patient_pat, patient_sam, patient_ola
):
    page = await (await client_factory(pharmacist_pia)).get("/pharmacy")
    assert page.status_code == 200
    assert "MRN-PAT" in page.text and "MRN-SAM" in page.text and "MRN-OLA" not in page.text
    assert "Gammagard Liquid 10% · PI · 1 g/kg (70 g)" in page.text
    assert f'href="/pharmacy/patients/{patient_pat.id}"' in page.text


async def test_home_opens_with_todays_visits_of_every_patient_but_not_cancelled_or_other_organizations(
    client_factory, pharmacist_pia, patient_pat, patient_sam, patient_ola, nurse_ana
):
    now = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)  # today, in UTC (the default)
    for patient, status in ((patient_pat, VisitStatus.SCHEDULED), (patient_sam, VisitStatus.IN_PROGRESS),
                            (patient_sam, VisitStatus.CANCELLED), (patient_ola, VisitStatus.SCHEDULED)):
        order = await Order.filter(patient=patient).first()
        await Visit.create(id=uuid.uuid4(), organization_id=patient.organization_id, patient=patient, order=order,
                           nurse=nurse_ana if patient is not patient_ola else None, scheduled_at=now, status=status)
    await Visit.create(id=uuid.uuid4(), organization_id=patient_pat.organization_id, patient=patient_pat,
                       order=await Order.filter(patient=patient_pat).first(), scheduled_at=now + timedelta(days=1))

    page = (await (await client_factory(pharmacist_pia)).get("/pharmacy")).text

    today = page.split('aria-label="Today\'s visits"')[1].split("</table>")[0]
    assert today.count("<tr data-visit-id=") == 2  # Pat's and Sam's running one: not the cancelled, tomorrow's, Ola's
    assert "in progress" in today and "12:00" in today
    # Pat's scheduled visit, once past 12:00 and not started, says how late it is
    assert ("not started, " in today and " late<" in today) if datetime.now(timezone.utc) >= now else "scheduled" in today
    assert patient_ola.display_name not in today


async def test_patient_page_shows_the_header_and_each_order_with_its_revision(
    client_factory, pharmacist_pia, patient_pat
):
    await patient_pat.fetch_related("orders")
    page = await (await client_factory(pharmacist_pia)).get(f"/pharmacy/patients/{patient_pat.id}")
    assert page.status_code == 200
    for text in ("MRN-PAT", "70 kg", "none recorded", "revision 1", "1 g/kg × 70 kg"):
        assert text in page.text
    assert f'href="/pharmacy/orders/{patient_pat.orders[0].id}/edit"' in page.text


# --- writing ----------------------------------------------------------------------------------

async def test_pharmacist_creates_an_order_and_the_total_grams_are_computed(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    response = await create_order(
        client, patient_pat.id, basis="order", steps_ml_h="24, 60,90", step_interval_min="15",
        rate_cap_ml_h="90", dose_g_per_kg="0.5",
    )
    assert response.status_code == 303 and response.headers["location"] == f"/pharmacy/patients/{patient_pat.id}"
    order = await Order.filter(patient=patient_pat).order_by("-id").first()
    assert (order.product_id, order.therapy, order.indication, order.dose_g) == ("privigen-10", "ivig", "CIDP", 40.0)
    assert order.basis == ProtocolBasis.ORDER and order.steps_ml_h == [24, 60, 90]
    assert order.step_interval_min == 15 and order.rate_cap_ml_h == 90 and order.revision == 1
    assert order.premeds == [{"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "minutes_before": 30}]
    assert order.prn_orders[0]["indication"] == "anaphylaxis" and order.created_by_id == pharmacist_pia.id
    assert await AuditEntry.filter(action="order.create", object_id=str(order.id), user_id=pharmacist_pia.id).exists()
    page = (await client.get(f"/pharmacy/patients/{patient_pat.id}")).text
    assert "40 g" in page and "<dt>Therapy</dt><dd>IVIG</dd>" in page


async def test_editing_an_order_keeps_the_old_values_as_a_revision_and_audits_field_names_only(
    client_factory, pharmacist_pia, patient_pat
):
    order = await Order.get(patient=patient_pat)
    client = await client_factory(pharmacist_pia)
    premed = {"premeds-0-drug": "cetirizine", "premeds-0-dose": "10", "premeds-0-unit": "mg",
              "premeds-0-route": "PO", "premeds-0-minutes_before": "60", **{f"premeds-1-{key}": None for key in
              ("drug", "dose", "unit", "route", "minutes_before")}}
    response = await edit_order(client, order, dose_g_per_kg="0.5", dose_differs="on", **premed)
    assert response.status_code == 303
    saved = await Order.get(id=order.id)
    assert (saved.revision, saved.dose_g_per_kg, saved.dose_g) == (2, 0.5, 35.0)
    assert saved.premeds == [{"drug": "cetirizine", "dose": 10, "unit": "mg", "route": "PO", "minutes_before": 60}]
    revision = await OrderRevision.get(order=order)
    assert revision.revision == 1 and revision.changed_by_id == pharmacist_pia.id
    old = revision.snapshot
    assert (old["dose_g_per_kg"], old["dose_g"], old["premeds"], old["revision"]) == (1.0, 70.0, ORDER_PREMEDS, 1)
    entry = await AuditEntry.filter(action="order.update", object_id=str(order.id)).get()
    assert entry.detail == {"changed": ["dose_g_per_kg", "dose_g", "premeds"], "revision": 2, "meant": ["dose_differs"]}
    page = await client.get(f"/pharmacy/patients/{patient_pat.id}")
    assert "revision 2" in page.text and "Revision 1</strong>" in page.text and "70 g" in page.text


async def test_saving_an_order_unchanged_creates_no_revision(client_factory, pharmacist_pia, patient_pat):
    order = await Order.get(patient=patient_pat)
    client = await client_factory(pharmacist_pia)
    assert (await edit_order(client, order)).status_code == 303
    assert (await Order.get(id=order.id)).revision == 1
    assert not await OrderRevision.filter(order=order).exists()


async def test_an_edit_based_on_an_old_revision_is_refused_and_changes_nothing(
    client_factory, pharmacist_pia, patient_pat
):
    order = await Order.get(patient=patient_pat)
    client = await client_factory(pharmacist_pia)
    assert (await edit_order(client, order, dose_g_per_kg="0.5", dose_differs="on")).status_code == 303
    stale = await edit_order(client, order, dose_g_per_kg="0.6", dose_differs="on")  # still says revision 1
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    assert (await Order.get(id=order.id)).dose_g_per_kg == 0.5
    # the form comes back with her values, now based on the current revision: one more save, after comparing
    page = html.unescape(stale.text)
    assert "Your values are kept below; saving them replaces revision 2" in page
    assert 'name="based_on_revision" value="2"' in page and 'name="dose_g_per_kg" inputmode="decimal" autocomplete="off" value="0.6"' in page
    again = await edit_order(client, await Order.get(id=order.id), dose_g_per_kg="0.6", dose_differs="on")
    assert again.status_code == 303 and (await Order.get(id=order.id)).dose_g_per_kg == 0.6


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dose_g_per_kg": "0"}, "Dose (g/kg): must be more than 0"),
        ({"product": "no-such-product|PI"}, "Product: choose a product from the catalogue"),
        ({"product": "privigen-10|MMN"}, "Indication: the catalogue has no"),
        ({"basis": "order", "step_interval_min": "15"}, "Steps (mL/h): an order protocol needs its mL/h steps"),
        ({"basis": "order", "steps_ml_h": "60, 30", "step_interval_min": "15"},
         "Steps (mL/h): the steps must go up"),
        ({"rate_cap_ml_h": "-5"}, "Rate cap (mL/h): must be more than 0"),
        ({"dosing_weight_kg": "0.5"}, "Dosing weight (kg): must be at least 1"),
        ({"premeds-0-dose": ""}, "Premedication 1, dose: is required"),
        ({"prn_orders-0-route": "intrathecal"}, "PRN order 1, route: must be one of"),
    ],
)
async def test_an_invalid_order_re_renders_with_the_field_named_and_saves_nothing(
    client_factory, pharmacist_pia, patient_pat, changes, message
):
    before = await Order.all().count()
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **changes)
    assert response.status_code == 422
    assert message in response.text
    assert 'name="prescriber" required maxlength="200" autocomplete="off" value="Dr. Phil Amari"' in response.text
    assert await Order.all().count() == before


async def test_an_invalid_edit_leaves_the_order_and_its_revisions_untouched(
    client_factory, pharmacist_pia, patient_pat
):
    order = await Order.get(patient=patient_pat)
    response = await edit_order(await client_factory(pharmacist_pia), order, dose_g_per_kg="0", basis="order")
    assert response.status_code == 422
    for words in ("Dose (g/kg)", "Steps (mL/h)", "Minutes between steps"):  # as the form labels them
        assert f"{words}: " in response.text
    assert (await Order.get(id=order.id)).revision == 1
    assert not await OrderRevision.exists()
    assert not await AuditEntry.filter(action="order.update", outcome="ok").exists()
    refused = await AuditEntry.get(action="order.update", outcome="refused")  # said refused, fields named, no values
    assert refused.detail == {"code": "validation_failed", "fields": ["dose_g_per_kg", "step_interval_min", "steps_ml_h"]}


async def test_text_a_pharmacist_types_is_shown_escaped(client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    assert (await create_order(client, patient_pat.id, prescriber="<script>alert(1)</script>")).status_code == 303
    page = await client.get(f"/pharmacy/patients/{patient_pat.id}")
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text


# --- who may ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["nurse_ana", "physician_phil", "admin_ada"])
async def test_other_roles_posting_to_pharmacy_routes_are_refused(
    client_factory, persona, nurse_ana, physician_phil, admin_ada, patient_pat
):
    user = {"nurse_ana": nurse_ana, "physician_phil": physician_phil, "admin_ada": admin_ada}[persona]
    client = await client_factory(user)
    order = await Order.get(patient=patient_pat)
    home = {"nurse_ana": "/nurse", "physician_phil": "/physician", "admin_ada": "/admin"}[persona]
    created = await post_form(client, f"/pharmacy/patients/{patient_pat.id}/orders", order_form(), page=home)
    edited = await post_form(client, f"/pharmacy/orders/{order.id}", order_form(based_on_revision="1"), page=home)
    assert created.status_code == edited.status_code == 403
    assert (await client.get(f"/pharmacy/patients/{patient_pat.id}")).status_code == 403
    assert await Order.all().count() == 1 and (await Order.get(id=order.id)).revision == 1


async def test_an_order_form_without_csrf_token_is_refused_and_changes_nothing(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    await client.get(f"/pharmacy/patients/{patient_pat.id}/orders/new")
    response = await client.post(f"/pharmacy/patients/{patient_pat.id}/orders", data=order_form())
    assert response.status_code == 403
    assert await Order.all().count() == 1


async def test_a_pharmacist_of_another_organization_gets_404_on_our_patients_pages(
    client_factory, pharmacist_oz, patient_pat, patient_ola
):
    order = await Order.get(patient=patient_pat)
    client = await client_factory(pharmacist_oz)
    for url in (f"/pharmacy/patients/{patient_pat.id}", f"/pharmacy/patients/{patient_pat.id}/orders/new",
                f"/pharmacy/orders/{order.id}/edit"):
        assert (await client.get(url)).status_code == 404, url
    home = "/pharmacy"
    assert (await create_order(client, patient_pat.id)).status_code == 404
    edit = await post_form(client, f"/pharmacy/orders/{order.id}", order_form(based_on_revision="1"), page=home)
    assert edit.status_code == 404
    assert await Order.filter(patient=patient_pat).count() == 1 and (await Order.get(id=order.id)).revision == 1


async def test_an_edit_that_changes_nothing_says_so_and_keeps_the_revision(client_factory, pharmacist_pia, patient_pat):
    desk = await client_factory(pharmacist_pia)
    order = await Order.get(patient=patient_pat)
    response = await edit_order(desk, order)
    page = (await desk.get(response.headers["location"])).text
    assert "Nothing was changed: the order stays at its revision." in page and "Saved as a new revision" not in page
    assert (await Order.get(id=order.id)).revision == 1


async def test_a_notice_for_an_order_named_by_odd_digits_is_no_server_error(client_factory, pharmacist_pia, patient_pat):
    desk = await client_factory(pharmacist_pia)
    page = await desk.get(f"/pharmacy/patients/{patient_pat.id}?done=edited&order=%C2%B2")  # "²" is a digit to isdigit
    assert page.status_code == 200
