"""A second Qivigy infusion on the tablet and on the review page: the visit knows it is infusion 2 of
its series, offers the subsequent protocol's start (2 mg/kg/min = 84 mL/h at 70 kg, where the first
infusion starts at 42) and the rate tolerated four weeks ago as the target."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from tortoise import Tortoise

from server.db.config import tortoise_config
from server.db.models import Order, Patient, Visit, VisitStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_async
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import GEO

pytestmark = pytest.mark.browser


async def qivigy_series(database_url: str) -> tuple[str, str]:
    """Alma (70 kg) moves to a Qivigy order, with a Qivigy infusion four weeks before today's visit that
    she tolerated up to 168 mL/h (as the projection leaves the row); (today's visit id, the date shown)."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        alma = await Patient.get(mrn="MRN-1001")
        old = await Order.get(patient=alma, active=True)
        order = await Order.create(
            organization_id=alma.organization_id, patient=alma, product_id="qivigy-10", indication="PI",
            dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0, premeds=old.premeds, prn_orders=old.prn_orders,
            prescriber=old.prescriber, created_by_id=old.created_by_id)
        await Order.filter(id=old.id).update(active=False)
        today = await Visit.get(patient=alma)
        await Visit.filter(id=today.id).update(order_id=order.id)
        ended = today.scheduled_at - timedelta(weeks=4)
        await Visit.create(id=uuid.uuid4(), organization_id=alma.organization_id, patient=alma, order=order,
                           nurse_id=today.nurse_id, scheduled_at=ended - timedelta(hours=3), time_in=ended - timedelta(hours=3),
                           time_out=ended, status=VisitStatus.REVIEWED, volume_infused_ml=280,
                           last_tolerated_rate_ml_h=168)
        return str(today.id), ended.strftime("%Y-%m-%d")
    finally:
        await Tortoise.close_connections()


def test_a_second_qivigy_infusion_starts_at_the_subsequent_rate_and_offers_the_last_tolerated_rate(
        server_factory, launch, playwright, artifacts):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    visit_id, day = run_async(lambda: qivigy_series(server.env["IVLOG_DATABASE_URL"]))

    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(visit_id)
    expect(tablet.tid("series-title")).to_have_text("Infusion 2 of series (subsequent protocol)")
    expect(tablet.tid("last-tolerated")).to_contain_text("Last tolerated rate: 168 mL/h (visit of ")
    expect(tablet.tid("last-tolerated")).to_contain_text("— target 168 mL/h")
    tablet.start_visit()
    expect(tablet.tid("next-step")).to_contain_text("Start at")
    expect(tablet.tid("next-rate")).to_have_text("84 mL/h")  # 2 mg/kg/min x 70 kg x 60 / 100 mg/mL
    expect(tablet.tid("next-step")).to_contain_text("step 1 of 3")  # 84, 168, 336: 15 min each
    tablet.screenshot(artifacts / "series-second-qivigy-1280x800.png")
    tablet.screenshot(artifacts / "series-second-qivigy-768x1024.png", width=768, height=1024)
    assert tablet.errors == []
    tablet.context.close()

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # the pharmacist's desk
    desk = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(desk, server.base_url, "pharmacist")
    desk.goto(f"{server.base_url}/review/visits/{visit_id}")
    expect(desk.get_by_test_id("series-title")).to_have_text("Infusion 2 of series (subsequent protocol)")
    expect(desk.get_by_test_id("last-tolerated")).to_have_text(f"168 mL/h (visit of {day}) — target 168 mL/h")
    desk.screenshot(path=str(artifacts / "series-review-page-1280x800.png"))
    browser.close()
