"""A second visit of one order on a day that already has one is refused as a second dose
(server.services.second_dose), naming the visit there, until the pharmacist ticks that it is meant."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.db.models import Order, Visit, VisitStatus
from server.services import second_dose
from tests.server.test_pharmacy_pages import post_form
from tests.server.test_scheduling import form, order, pia, schedule, tomorrow  # noqa: F401 (order and pia: fixtures)


async def test_a_second_visit_of_an_order_on_a_day_that_has_one_is_refused_as_a_second_dose(pia, patient_pat, order,
                                                                                          nurse_ana):
    """Found by a new user's walk: the demo's visit at 08:00 and one scheduled at 09:00 of the same order
    were both given, each offered "Start visit" and "First infusion"."""
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="08:00"))).status_code == 303
    refused = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="15:30"))
    assert refused.status_code == 422
    assert f"A second visit that day: this patient already has a visit of this order on {tomorrow()} at 08:00 " \
           "(scheduled): a second visit that day would be a second dose" in refused.text
    assert 'name="same_day"' in refused.text  # offered once refused
    assert await Visit.filter(patient=patient_pat).count() == 1

    meant = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="15:30", same_day="on"))
    assert meant.status_code == 303 and await Visit.filter(patient=patient_pat).count() == 2


async def test_a_daily_course_and_a_cancelled_visit_are_no_second_visit_that_day(pia, patient_pat, order, nurse_ana):
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="08:00"))).status_code == 303
    first = await Visit.get(patient=patient_pat)
    await Visit.filter(id=first.id).update(status=VisitStatus.CANCELLED)
    again = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="09:00", repeat="daily", count="3",
                                                     course_meant="on"))  # 3 x 1 g/kg: meant (course_total)
    assert again.status_code == 303
    assert await Visit.filter(patient=patient_pat).exclude(status=VisitStatus.CANCELLED).count() == 3
    clash = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, date=(date.today() + timedelta(days=3)).isoformat(),
                                                     time="18:00", repeat="daily", count="2"))
    assert clash.status_code == 422 and "a second visit that day would be a second dose" in clash.text


async def test_moving_a_visit_onto_a_day_with_one_of_its_order_is_refused_as_a_second_dose(pia, patient_pat, order,
                                                                                         nurse_ana):
    """Found in review: Move checked only the exact minute, so two visits of one order could meet on one day."""
    later = (date.today() + timedelta(days=2)).isoformat()
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="08:00"))).status_code == 303
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, date=later, time="09:00"))).status_code == 303
    second = await Visit.get(patient=patient_pat, scheduled_at__gte=date.today() + timedelta(days=2))
    url = f"/pharmacy/visits/{second.id}/move"
    moved = {"date": tomorrow(), "time": "09:00", "reason": "the patient asked"}
    refused = await post_form(pia, url, moved, page=url)
    assert refused.status_code == 422 and "a second visit that day would be a second dose" in refused.text
    assert 'name="same_day"' in refused.text
    assert (await post_form(pia, url, {**moved, "same_day": "on"}, page=url)).status_code == 303
    assert (await Visit.get(id=second.id)).scheduled_at.date().isoformat() == tomorrow()


async def test_a_visit_of_another_ivig_order_that_day_is_refused_as_a_second_dose_a_saline_one_is_not(
        pia, patient_pat, order, nurse_ana, pharmacist_pia):
    """Found by a new user's walk: Gammagard at 09:00 and a second IVIG order (Privigen) at 13:00 on one day
    were both booked, unwarned: the check looked at one order at a time. A hydration order is another therapy."""
    privigen = await Order.create(organization_id=patient_pat.organization_id, patient=patient_pat,
                                  product_id="privigen-10", indication="PI", dose_g_per_kg=0.4, dose_g=28.0,
                                  dosing_weight_kg=70.0, prescriber="Dr. Test", created_by=pharmacist_pia)
    saline = await Order.create(organization_id=patient_pat.organization_id, patient=patient_pat, therapy="hydration",
                                product_id="sodium-chloride-0.9", indication="Hydration", dose_g_per_kg=4.5 / 70, dose_g=4.5,
                                dosing_weight_kg=70.0, basis="order", volume_ml=500.0, duration_min=120,
                                prescriber="Dr. Test", created_by=pharmacist_pia)
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="09:00"))).status_code == 303
    refused = await schedule(pia, patient_pat.id, form(privigen, nurse_ana.id, time="13:00"))
    assert refused.status_code == 422
    assert (f"A second visit that day: this patient already has a visit giving IVIG (order {order.id}) on {tomorrow()} "
            "at 09:00 (scheduled): a second visit that day would be a second dose") in refused.text
    assert (await schedule(pia, patient_pat.id, form(saline, nurse_ana.id, time="13:00"))).status_code == 303
    meant = await schedule(pia, patient_pat.id, form(privigen, nurse_ana.id, time="16:00", same_day="on"))
    assert meant.status_code == 303 and await Visit.filter(patient=patient_pat).count() == 3


async def test_a_clash_with_a_visit_already_given_says_to_choose_another_day_not_to_move_it(pia, patient_pat, order,
                                                                                            nurse_ana):
    """A walk was told to "move or cancel" a visit already signed off, which nobody can."""
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="08:00"))).status_code == 303
    await Visit.filter(patient=patient_pat).update(status=VisitStatus.SIGNED)
    refused = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, time="15:30"))
    assert refused.status_code == 422
    assert ("a second visit that day would be a second dose. That visit has begun or been given: choose another "
            "day, or mark a second visit that day as meant") in refused.text
    assert "Move or cancel that visit" not in refused.text


async def test_a_visit_late_or_early_in_the_local_day_is_found_on_that_day_in_any_zone(patient_pat, order, nurse_ana):
    """The day's bounds were local times with an offset; SQLite compares stored times as text, so a visit at
    23:30 in New York (04:30 UTC the next day) fell outside "that day" and a second dose went unwarned."""
    day = date.today() + timedelta(days=2)
    for zone, at in ((ZoneInfo("America/New_York"), time(23, 30)), (ZoneInfo("Asia/Tokyo"), time(0, 30))):
        visit = await Visit.create(organization_id=patient_pat.organization_id, patient=patient_pat, order=order,
                                   nurse=nurse_ana, scheduled_at=datetime.combine(day, at, tzinfo=zone))
        clash = await second_dose.visit_that_day(patient_pat.id, [order], [day], zone)
        assert clash is not None and clash.visit.id == visit.id, zone
        await visit.delete()
