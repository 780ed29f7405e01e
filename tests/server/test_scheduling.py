"""Scheduling visits (server/services/scheduling.py, server/routes/schedule.py) through the real HTTP
stack: the pharmacist books, moves and cancels; the nurse's reference follows; bad input names its field."""

from __future__ import annotations

import html
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.db.models import AuditEntry, Order, Visit, VisitScheduleChange, VisitStatus
from server.services import scheduling, visits
from tests.api.events import one_event, push_body
from tests.server.test_pharmacy_pages import edit_order, post_form

BERLIN = ZoneInfo("Europe/Berlin")


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


def form(order: Order, nurse_id: int, **changes: str) -> dict:
    values = {"order_id": str(order.id), "nurse_id": str(nurse_id), "date": tomorrow(), "time": "10:00",
              "repeat": "once", "every_weeks": "4", "count": "1"}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


async def schedule(client: httpx.AsyncClient, patient_id: int, data: dict) -> httpx.Response:
    page = f"/pharmacy/patients/{patient_id}/schedule"
    return await post_form(client, page, data, page=page)


@pytest.fixture
async def order(patient_pat) -> Order:
    return await Order.get(patient=patient_pat)


@pytest.fixture
async def pia(client_factory, pharmacist_pia) -> httpx.AsyncClient:
    return await client_factory(pharmacist_pia)


def request(order: Order, nurse_id: int, day: date, at: time, **more) -> scheduling.ScheduleRequest:
    return scheduling.ScheduleRequest(order_id=order.id, nurse_id=nurse_id, date=day, time=at, **more)


# --- times ---------------------------------------------------------------------------------------

async def test_a_series_every_four_weeks_stays_at_ten_oclock_local_across_daylight_saving(
    patient_pat, order, nurse_ana, pharmacist_pia
):
    start = date(date.today().year + 1, 3, 1)
    made = await scheduling.schedule_visits(
        patient=patient_pat, by=pharmacist_pia, zone=BERLIN,
        request=request(order, nurse_ana.id, start, time(10, 0), repeat="weekly", every_weeks=4, count=3))
    local = [v.scheduled_at.astimezone(BERLIN) for v in made]
    assert [t.strftime("%H:%M") for t in local] == ["10:00", "10:00", "10:00"]
    assert [t.date() for t in local] == [start, start + timedelta(weeks=4), start + timedelta(weeks=8)]
    assert len({v.scheduled_at.utcoffset() for v in made}) == 1  # stored UTC
    assert {t.astimezone(timezone.utc).hour for t in local} == {9, 8}  # CET, then CEST


async def test_a_daily_course_books_one_visit_a_day(patient_pat, order, nurse_ana, pharmacist_pia):
    start = date.today() + timedelta(days=2)
    made = await scheduling.schedule_visits(
        patient=patient_pat, by=pharmacist_pia, zone=BERLIN,
        request=request(order, nurse_ana.id, start, time(8, 30), repeat="daily", count=5, course_meant=True))
    assert [v.scheduled_at.astimezone(BERLIN).date() for v in made] == [start + timedelta(days=n) for n in range(5)]
    series = {c.series_id for c in await VisitScheduleChange.filter(visit_id__in=[v.id for v in made])}
    assert len(series) == 1 and None not in series


def test_a_clock_time_skipped_by_daylight_saving_is_refused_naming_the_time():
    skipped = date(2027, 3, 28)  # Europe/Berlin goes from 02:00 to 03:00
    with pytest.raises(scheduling.ValidationFailed) as refused:
        scheduling.to_utc(skipped, time(2, 30), BERLIN)
    assert refused.value.errors[0].field == "time" and "does not exist" in refused.value.message


# --- the form --------------------------------------------------------------------------------------

async def test_pharmacist_schedules_a_visit_the_assigned_nurse_receives_in_her_reference(
    client_factory, pia, patient_pat, order, nurse_ana
):
    page = await pia.get(f"/pharmacy/patients/{patient_pat.id}")
    assert f'href="/pharmacy/patients/{patient_pat.id}/schedule">Schedule visits' in page.text
    done = await schedule(pia, patient_pat.id, form(order, nurse_ana.id))
    assert done.status_code == 303, done.text
    visit = await Visit.get(patient=patient_pat)
    assert (visit.order_id, visit.nurse_id, visit.status) == (order.id, nurse_ana.id, VisitStatus.SCHEDULED)
    listed = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert f"/pharmacy/visits/{visit.id}/move" in listed and f"/pharmacy/visits/{visit.id}/cancel" in listed
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    assert [v["id"] for v in reference["visits"]] == [str(visit.id)]
    entry = await AuditEntry.get(action="visit.schedule", object_id=str(visit.id))
    assert entry.detail["patient_id"] == patient_pat.id and entry.detail["nurse_id"] == nurse_ana.id


def _past() -> dict:
    return {"date": (date.today() - timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("changes, field, words", [
    (_past(), "Date", "in the past"),
    ({"repeat": "once", "count": "3"}, "Number of visits", "single visit"),
    ({"repeat": "weekly", "count": "53"}, "Number of visits", "52"),
    ({"repeat": "daily", "count": "32"}, "Number of visits", "at most 31"),
    ({"repeat": "weekly", "every_weeks": "13", "count": "2"}, "Every how many weeks", "12"),
    ({"repeat": "fortnightly"}, "Repeat", "once"),
    ({"time": "25:00"}, "Time", "time"),
    ({"repeat": "weekly", "every_weeks": "12", "count": "52"}, "Number of visits", "two years"),
])
async def test_scheduling_refuses_bad_input_naming_the_field(pia, patient_pat, order, nurse_ana, changes, field, words):
    refused = await schedule(pia, patient_pat.id, form(order, nurse_ana.id, **changes))
    assert refused.status_code == 422
    assert f"{field}:" in refused.text and words in refused.text
    assert await Visit.filter(patient=patient_pat).count() == 0


async def test_scheduling_refuses_an_inactive_order(pia, patient_pat, order, nurse_ana):
    await Order.filter(id=order.id).update(active=False)
    refused = await schedule(pia, patient_pat.id, form(order, nurse_ana.id))
    assert refused.status_code == 422 and "Order:" in refused.text and "inactive" in refused.text


async def test_scheduling_refuses_a_nurse_not_assigned_on_the_visit_date(
    pia, patient_pat, order, nurse_ana, nurse_ben
):
    refused = await schedule(pia, patient_pat.id, form(order, nurse_ben.id))
    assert refused.status_code == 422 and "Nurse:" in refused.text and "not assigned" in refused.text
    from server.db.models import Assignment

    await Assignment.filter(patient=patient_pat, nurse=nurse_ana).update(ends_on=date.today() + timedelta(days=7))
    series = form(order, nurse_ana.id, repeat="weekly", every_weeks="1", count="3")
    refused = await schedule(pia, patient_pat.id, series)
    assert refused.status_code == 422 and "Nurse:" in refused.text
    assert str(date.today() + timedelta(days=8)) in refused.text  # the first date she is not assigned
    assert await Visit.filter(patient=patient_pat).count() == 0  # all or none


async def test_the_same_time_is_not_booked_twice(pia, patient_pat, order, nurse_ana):
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id))).status_code == 303
    again = await schedule(pia, patient_pat.id, form(order, nurse_ana.id))
    assert again.status_code == 422 and "already has a visit" in again.text


async def test_the_upcoming_list_is_paged(pia, patient_pat, order, nurse_ana):
    series = form(order, nurse_ana.id, repeat="weekly", every_weeks="1", count=str(scheduling.PAGE + 5))
    assert (await schedule(pia, patient_pat.id, series)).status_code == 303
    first = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert first.count("/move\"") == scheduling.PAGE and f"of {scheduling.PAGE + 5}" in first
    later = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule?from={scheduling.PAGE}")).text
    assert later.count("/move\"") == 5


async def test_each_upcoming_visit_names_its_order_and_product_and_says_when_the_order_is_inactive(
        pia, patient_pat, order, nurse_ana):
    """Found by a new user's walk: two visits of one day on different products looked the same, and a visit of
    an order made inactive stayed listed with nothing to say so."""
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id))).status_code == 303
    page = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert f"Order {order.id} · Gammagard Liquid 10%" in page and "order inactive" not in page
    await Order.filter(id=order.id).update(active=False)
    page = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert "order inactive: cancel the visit, or make the order active again" in page


async def test_an_order_with_a_scheduled_visit_is_made_inactive_only_once_the_visit_is_cancelled(
        pia, patient_pat, order, nurse_ana):
    """A walk made an order inactive with a visit booked on it today; the nurse's tablet still listed the
    visit, and she started it."""
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id))).status_code == 303
    visit = await Visit.get(patient=patient_pat)
    refused = await edit_order(pia, order, active=None)
    assert refused.status_code == 422
    assert (f"Active: order {order.id} has 1 scheduled visit(s) not yet started, the first at "
            f"{visit.scheduled_at:%Y-%m-%d %H:%M} UTC; cancel or move them first") in html.unescape(refused.text)
    assert (await Order.get(id=order.id)).active
    url = f"/pharmacy/visits/{visit.id}/cancel"
    assert (await post_form(pia, url, {"reason": "therapy stopped"}, page=url)).status_code == 303
    assert (await edit_order(pia, order, active=None)).status_code == 303
    assert not (await Order.get(id=order.id)).active


# --- moving and cancelling ---------------------------------------------------------------------------

@pytest.fixture
async def booked(pia, patient_pat, order, nurse_ana) -> Visit:
    assert (await schedule(pia, patient_pat.id, form(order, nurse_ana.id))).status_code == 303
    return await Visit.get(patient=patient_pat)


async def test_moving_a_visit_keeps_the_old_time_and_the_reason(client_factory, pia, booked, nurse_ana, pharmacist_pia):
    day = (date.today() + timedelta(days=2)).isoformat()
    url = f"/pharmacy/visits/{booked.id}/move"
    done = await post_form(pia, url, {"date": day, "time": "14:15", "reason": "patient asked"}, page=url)
    assert done.status_code == 303, done.text
    moved = await Visit.get(id=booked.id)
    assert moved.scheduled_at == datetime.combine(date.fromisoformat(day), time(14, 15), tzinfo=timezone.utc)
    change = await VisitScheduleChange.get(visit_id=booked.id, kind="moved")
    assert (change.scheduled_from, change.scheduled_to) == (booked.scheduled_at, moved.scheduled_at)
    assert change.reason == "patient asked" and change.by_id == pharmacist_pia.id
    entry = await AuditEntry.get(action="visit.move", object_id=str(booked.id))
    assert "patient asked" not in str(entry.detail)  # free text stays off the audit log
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    assert reference["visits"][0]["scheduled_at"].startswith(f"{day}T14:15")


async def test_a_cancelled_visit_stays_recorded_and_leaves_the_nurses_lists(
    client_factory, pia, booked, nurse_ana, pharmacist_pia
):
    url = f"/pharmacy/visits/{booked.id}/cancel"
    confirm = await pia.get(url)
    assert "Yes, cancel this visit" in confirm.text
    assert (await post_form(pia, url, {"reason": "hospitalised"}, page=url)).status_code == 303
    kept = await Visit.get(id=booked.id)
    assert kept.status == VisitStatus.CANCELLED
    change = await VisitScheduleChange.get(visit_id=booked.id, kind="cancelled")
    assert change.reason == "hospitalised" and change.by_id == pharmacist_pia.id
    assert await AuditEntry.exists(action="visit.cancel", object_id=str(booked.id), user_id=pharmacist_pia.id)
    page = (await pia.get(f"/pharmacy/patients/{booked.patient_id}/schedule")).text
    assert "Recently cancelled" in page and "hospitalised" in page and f"{booked.id}/move" not in page
    nurse = await client_factory(nurse_ana)
    assert (await nurse.get("/api/reference")).json()["visits"] == []
    await visits.project(kept)  # a fold with no entries leaves it cancelled
    assert (await Visit.get(id=booked.id)).status == VisitStatus.CANCELLED


@pytest.mark.parametrize("action", ["move", "cancel"])
async def test_moving_or_cancelling_asks_for_a_reason(pia, booked, action):
    url = f"/pharmacy/visits/{booked.id}/{action}"
    data = {"date": tomorrow(), "time": "11:00"} if action == "move" else {}
    refused = await post_form(pia, url, data, page=url)
    assert refused.status_code == 422 and "Reason: give a reason" in refused.text
    assert (await Visit.get(id=booked.id)).scheduled_at == booked.scheduled_at
    assert (await Visit.get(id=booked.id)).status == VisitStatus.SCHEDULED


@pytest.fixture
async def started(client_factory, nurse_ana, booked, patient_pat, app) -> Visit:
    """The nurse started the visit on her tablet: her first entry is on the server."""
    device = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device), device_label="Ana's tablet")
    event = one_event(booked.id, 1, "visit.started", {"patient_id": str(patient_pat.id), "location": None})
    pushed = await tablet.post("/api/sync/push", json=push_body(device, [event]))
    assert pushed.json()["results"][0]["status"] == "accepted"
    await app.state.projector.settled()
    return booked


@pytest.mark.parametrize("action", ["move", "cancel"])
async def test_a_started_visit_cannot_be_moved_or_cancelled(pia, started, action):
    url = f"/pharmacy/visits/{started.id}/{action}"
    data = {"date": tomorrow(), "time": "11:00", "reason": "x"} if action == "move" else {"reason": "x"}
    refused = await post_form(pia, url, data, page=url)
    assert refused.status_code == 409 and "can no longer be moved or cancelled" in refused.text
    assert not await VisitScheduleChange.exists(visit_id=started.id, kind__in=["moved", "cancelled"])


async def test_the_nurses_entries_win_over_a_cancellation_her_tablet_had_not_seen(
    client_factory, pia, booked, nurse_ana, patient_pat, app
):
    url = f"/pharmacy/visits/{booked.id}/cancel"
    assert (await post_form(pia, url, {"reason": "double booking"}, page=url)).status_code == 303
    device = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device), device_label="Ana's tablet")
    event = one_event(booked.id, 1, "visit.started", {"patient_id": str(patient_pat.id), "location": None})
    assert (await tablet.post("/api/sync/push", json=push_body(device, [event]))).json()["results"][0]["status"] \
        == "accepted"
    await app.state.projector.settled()
    assert (await Visit.get(id=booked.id)).status == VisitStatus.IN_PROGRESS
    assert await VisitScheduleChange.exists(visit_id=booked.id, kind="cancelled")  # still on the record


# --- JSON ----------------------------------------------------------------------------------------------

async def test_the_api_schedules_with_the_same_schema(client_factory, pia, patient_pat, order, nurse_ana):
    body = {"patient_id": patient_pat.id, "order_id": order.id, "nurse_id": nurse_ana.id, "date": tomorrow(),
            "time": "09:00", "repeat": "daily", "count": 3, "course_meant": True}
    made = await pia.post("/api/visits", json=body)
    assert made.status_code == 201, made.text
    assert len(made.json()["visits"]) == 3
    refused = await pia.post("/api/visits", json={**body, "count": 60})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "count"
    nurse = await client_factory(nurse_ana)
    assert (await nurse.post("/api/visits", json=body)).status_code == 403


async def test_a_visit_cancelled_today_leaves_the_nurses_desk_list(client_factory, pia, patient_pat, order, nurse_ana):
    now = datetime.now(timezone.utc)
    at = max(now - timedelta(minutes=5), datetime.combine(now.date(), time(0, 0), tzinfo=timezone.utc))
    today = form(order, nurse_ana.id, date=at.date().isoformat(), time=at.strftime("%H:%M"))
    assert (await schedule(pia, patient_pat.id, today)).status_code == 303
    visit = await Visit.get(patient=patient_pat)
    nurse = await client_factory(nurse_ana)
    assert "Testperson" in (await nurse.get("/nurse")).text
    url = f"/pharmacy/visits/{visit.id}/cancel"
    assert (await post_form(pia, url, {"reason": "no supply"}, page=url)).status_code == 303
    assert "Testperson" not in (await nurse.get("/nurse")).text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_a_date_out_of_any_plausible_range_is_refused_naming_the_date(pia, patient_pat, order, nurse_ana, day):
    body = {"patient_id": patient_pat.id, "order_id": order.id, "nurse_id": nurse_ana.id, "date": day,
            "time": "09:00", "repeat": "weekly", "every_weeks": 12, "count": 52}
    refused = await pia.post("/api/visits", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "date"


async def test_a_visit_is_not_moved_onto_another_visit_of_the_patient(pia, patient_pat, order, nurse_ana):
    series = form(order, nurse_ana.id, repeat="daily", count="2")  # 2 x 1 g/kg: the course bound, not above it
    assert (await schedule(pia, patient_pat.id, series)).status_code == 303
    first, second = await Visit.filter(patient=patient_pat).order_by("scheduled_at")
    url = f"/pharmacy/visits/{second.id}/move"
    refused = await post_form(pia, url, {"date": tomorrow(), "time": "10:00", "reason": "swap"}, page=url)
    assert refused.status_code == 422 and "already has a visit" in refused.text
    same = await post_form(pia, url, {"date": str(date.today() + timedelta(days=2)), "time": "10:00",
                                      "reason": "confirming the time"}, page=url)
    # its own time is not a clash with another visit, and not a move either: nothing is written
    assert same.status_code == 422 and "already has a visit" not in same.text
    assert "the visit's time already" in html.unescape(same.text)
    assert await VisitScheduleChange.filter(visit_id=second.id).count() == 1  # its booking alone



@pytest.mark.parametrize("at", ["09:00+05:00", "09:00Z", "09:00-00:30"])
async def test_a_time_with_an_offset_is_refused_naming_the_time_as_local_clock_time(pia, patient_pat, order,
                                                                                       nurse_ana, at):
    """The API takes local clock time in IVLOG_TIMEZONE (server/openapi.py); an offset was silently dropped,
    booking 09:00 local for a caller who meant 09:00 at +05:00."""
    body = {"patient_id": patient_pat.id, "order_id": order.id, "nurse_id": nurse_ana.id, "date": tomorrow(),
            "time": at}
    refused = await pia.post("/api/visits", json=body)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "time" and "local" in error["message"] and "without an offset" in error["message"]
    assert await Visit.filter(patient=patient_pat).count() == 0
    described = (await pia.get("/api/openapi.json")).json()["components"]["schemas"]["ApiScheduleRequest"]
    assert "without an offset" in described["properties"]["time"]["description"]


async def test_moving_a_visit_to_a_time_with_an_offset_is_refused_naming_the_time(pia, booked):
    url = f"/pharmacy/visits/{booked.id}/move"
    data = {"date": tomorrow(), "time": "14:15+05:00", "reason": "patient asked"}
    refused = await post_form(pia, url, data, page=url)
    assert refused.status_code == 422 and "Time:" in refused.text and "without an offset" in refused.text
    assert (await Visit.get(id=booked.id)).scheduled_at == booked.scheduled_at


async def test_a_daily_course_above_one_orders_largest_dose_is_asked_about_naming_its_total(
        pia, patient_pat, order, nurse_ana):
    """A walk booked a 2 g/kg order daily for five days (10 g/kg) and nothing was said (course_total)."""
    course = form(order, nurse_ana.id, repeat="daily", count="3")
    refused = await schedule(pia, patient_pat.id, course)
    page = html.unescape(refused.text)
    assert refused.status_code == 422
    assert (f"Daily course: each of its 3 visits gives order {order.id}'s whole dose: 3 × 70 g = "
            "210 g (3 g/kg). Write an order of the day's share, or tick that every visit's full dose is meant.") in page
    assert 'name="course_meant"' in page and not await Visit.filter(patient=patient_pat).exists()
    refused_entry = await AuditEntry.get(action="visit.schedule", outcome="refused")  # the log says it was refused
    assert refused_entry.detail == {"code": "validation_failed", "fields": ["course_meant"]}
    assert (await schedule(pia, patient_pat.id, {**course, "course_meant": "on"})).status_code == 303
    assert await Visit.filter(patient=patient_pat).count() == 3
