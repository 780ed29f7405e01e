"""Changing a scheduled visit's additional orders (server/services/visit_order_changes.py) through the real
HTTP stack: the pharmacist fixes a wrong tick without cancelling and rescheduling; the rules are the
scheduling ones; a started visit keeps its orders; the audit names the orders by id only; the nurse's
tablet learns the change from the visit context."""

from __future__ import annotations

import httpx
import pytest

from server.db.models import AuditEntry, Order, Visit
from server.services import visit_orders
from tests.server.test_pharmacy_pages import post_form
from tests.server.test_scheduling import booked, form, schedule, started  # noqa: F401 (fixtures)
from tests.server.test_visit_orders import orders, pia  # noqa: F401 (fixtures)


@pytest.fixture
async def order(orders) -> Order:
    """The primary order, for the `booked` fixture."""
    return orders[0]


def url(visit: Visit) -> str:
    return f"/pharmacy/visits/{visit.id}/orders"


async def change(client: httpx.AsyncClient, visit: Visit, ids: list) -> httpx.Response:
    return await post_form(client, url(visit), {visit_orders.FIELD: [str(i) for i in ids]}, page=url(visit))


async def held(visit: Visit) -> list[int]:
    return [o.id for o in await visit_orders.other_orders_of(visit)]


async def test_pharmacist_changes_the_additional_orders_of_a_scheduled_visit(
    client_factory, pia, patient_pat, orders, nurse_ana
):
    primary, second, third = orders
    done = await schedule(pia, patient_pat.id, form(primary, nurse_ana.id) | {"other_order_ids": [str(second.id)]})
    assert done.status_code == 303, done.text
    visit = await Visit.get(patient=patient_pat)
    page = (await pia.get(url(visit))).text
    assert f'value="{third.id}"' in page and f'value="{primary.id}"' not in page  # the primary is not offered
    saved = await change(pia, visit, [third.id])
    assert saved.status_code == 303 and saved.headers["location"].endswith("/orders?done=orders")
    assert await held(visit) == [third.id]
    shown = (await pia.get(saved.headers["location"])).text
    assert "Saved." in shown and f"Order {third.id} · " in shown
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    assert [o["id"] for o in reference["visits"][0]["context"]["other_orders"]] == [str(third.id)]


async def test_every_change_is_audited_with_the_order_ids_before_and_after(pia, booked, orders, pharmacist_pia):
    _, second, third = orders
    assert (await change(pia, booked, [second.id, third.id])).status_code == 303
    assert (await change(pia, booked, [])).status_code == 303
    entries = await AuditEntry.filter(action="visit.orders", object_id=str(booked.id)).order_by("id")
    assert [(e.detail["before"], e.detail["after"]) for e in entries] == [
        ([], [second.id, third.id]), ([second.id, third.id], [])]
    assert all(e.user_id == pharmacist_pia.id and set(e.detail) == {"patient_id", "order_id", "before", "after"}
               for e in entries)
    assert await held(booked) == []


async def test_a_started_visit_keeps_its_orders_and_the_page_offers_no_checkboxes(pia, started, orders):
    refused = await change(pia, started, [orders[1].id])
    assert refused.status_code == 409
    assert "other_order_ids: this visit is already started" in refused.text
    assert "can no longer be changed" in refused.text and 'type="checkbox"' not in refused.text
    page = (await pia.get(url(started))).text
    assert "can no longer be changed" in page and 'name="other_order_ids"' not in page
    assert await held(started) == []
    assert not await AuditEntry.exists(action="visit.orders", object_id=str(started.id))


async def test_a_cancelled_visit_keeps_its_orders(pia, booked, orders):
    cancel = f"/pharmacy/visits/{booked.id}/cancel"
    assert (await post_form(pia, cancel, {"reason": "hospitalised"}, page=cancel)).status_code == 303
    refused = await change(pia, booked, [orders[1].id])
    assert refused.status_code == 409 and "this visit is cancelled" in refused.text
    assert await held(booked) == []


async def test_a_nurse_cannot_change_a_visits_orders(client_factory, nurse_ana, booked, orders):
    nurse = await client_factory(nurse_ana)
    assert (await nurse.get(url(booked))).status_code == 403
    data = {visit_orders.FIELD: [str(orders[1].id)]}
    refused = await post_form(nurse, url(booked), data, page="/account/password")  # a page of hers, its token
    assert refused.status_code == 403 and "not part of your role" in refused.text
    assert await held(booked) == []


@pytest.mark.parametrize("choose, words", [
    (lambda primary, second, foreign: [foreign.id], "not an order of this patient"),
    (lambda primary, second, foreign: [second.id], "inactive"),
    (lambda primary, second, foreign: [primary.id], "primary order of this visit"),
    (lambda primary, second, foreign: [second.id, second.id], "listed twice"),
])
async def test_an_order_scheduling_would_refuse_is_refused_naming_the_field(
    pia, booked, orders, patient_sam, choose, words
):
    primary, second, _ = orders
    if words == "inactive":
        await Order.filter(id=second.id).update(active=False)
    foreign = await Order.get(patient=patient_sam)
    refused = await change(pia, booked, choose(primary, second, foreign))
    assert refused.status_code == 422, refused.text
    assert "Other orders: " in refused.text and words in refused.text
    assert await held(booked) == []
    assert not await AuditEntry.exists(action="visit.orders", object_id=str(booked.id))
