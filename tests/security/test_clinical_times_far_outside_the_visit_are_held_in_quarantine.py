"""Issue 16.1 at the door: an entry dated far outside its visit (before it started, long after it, or
ahead of the server's clock) is held in quarantine with a reason a nurse can act on, for every kind
a nurse records; a legitimately late entry, or a visit that runs past midnight, is accepted."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.db.models import Order, Visit
from server.services.visit_window import AFTER_START, BEFORE_START, FUTURE_HORIZON, START_MAX_AGE
from sync.models import Quarantine
from tests.api.events import readdress
from tests.clinical.script import VisitScript
from tests.review import scripts

MINUTE = timedelta(minutes=1)
LATER_KINDS = {"note", "entry.amended", "entry.voided"}  # may be dated any time after the visit


def far_times(started: datetime) -> dict[str, tuple[datetime, str]]:
    now = datetime.now(timezone.utc)
    return {
        "year-2": (datetime(2, 1, 1, tzinfo=timezone.utc), "time_before_visit"),
        "1900": (datetime(1900, 1, 1, tzinfo=timezone.utc), "time_before_visit"),
        "2019": (datetime(2019, 6, 1, 8, tzinfo=timezone.utc), "time_before_visit"),
        "just-before-window": (started - BEFORE_START - MINUTE, "time_before_visit"),
        "just-after-window": (started + AFTER_START + MINUTE, "time_after_visit"),
        "past-future-horizon": (now + FUTURE_HORIZON + 5 * MINUTE, "time_in_future"),
        "2300": (datetime(2300, 1, 1, tzinfo=timezone.utc), "time_in_future"),
        "9998": (datetime(9998, 12, 31, tzinfo=timezone.utc), "time_in_future"),
    }


def payload_of(kind: str, visit_events: list[dict]) -> dict:
    """A valid payload of `kind`, taken from a scripted visit (corrections target its first vitals)."""
    sample = next((e for e in visit_events if e["kind"] == kind), None)
    if sample is not None:
        return dict(sample["payload"])
    target = next(e["id"] for e in visit_events if e["kind"] == "vitals")
    return {"target_id": target, "reason": "typo"} | ({"payload": {"hr": 80}} if kind == "entry.amended" else {})


def one(visit: Visit, seq: int, kind: str, payload: dict, occurred: datetime, recorded: datetime | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "visit_id": str(visit.id), "device_seq": seq, "kind": kind, "schema": 1,
            "occurred_at": occurred.isoformat(), "recorded_at": (recorded or occurred).isoformat(),
            "payload": payload}


@pytest.fixture
async def started_visit(push_visit, nurse_ana, patient_pat):
    script = scripts.febrile_reaction(minutes_ago=3 * 24 * 60)  # its whole window lies in the past
    visit = await push_visit(nurse_ana, patient_pat, script)
    return visit, script


async def test_an_entry_of_any_kind_dated_far_outside_its_visit_is_held_with_a_reason(
    started_visit, tablet_for, nurse_ana
):
    visit, script = started_visit
    tablet = await tablet_for(nurse_ana)
    events = readdress(script, visit_id=visit.id, patient_id=visit.patient_id, order_id=visit.order_id)
    kinds = sorted({e["kind"] for e in events} - {"visit.started"} | {"entry.amended", "entry.voided"})
    assert len(kinds) >= 14  # every kind a nurse records in a visit with a reaction, and the corrections
    sent, expected = [], {}
    for kind in kinds:
        payload = payload_of(kind, events)
        for name, (moment, code) in far_times(script.t0).items():
            if kind in LATER_KINDS and code == "time_after_visit":
                continue
            event = one(visit, tablet.next_seq + len(sent), kind, payload, moment)
            sent.append(event)
            expected[event["id"]] = (code, kind, name)
    results = (await tablet.client.post("/api/sync/push", json=_body(tablet, sent))).json()["results"]
    for answer in results:
        code, kind, name = expected[answer["id"]]
        assert (answer["status"], answer["code"]) == ("quarantined", code), (kind, name, answer)
        assert "Check the entry's date and time, and the tablet's clock" in answer["reason"]
    held = await Quarantine.filter(visit_id=visit.id).count()
    assert held == len(sent)


def _body(tablet, events: list[dict]) -> dict:
    from tests.api.events import push_body

    tablet.next_seq += len(events)
    return push_body(tablet.device_id, events)


async def test_a_visit_start_dated_far_from_now_or_its_schedule_is_held(tablet_for, nurse_ana, patient_pat):
    order = await Order.get(patient=patient_pat)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    tablet = await tablet_for(nurse_ana)
    cases = {"2019": (now, now.replace(year=2019), "time_before_visit"),
             "a-month-ago": (now, now - START_MAX_AGE - MINUTE, "time_before_visit"),
             "ten-days-after-schedule": (now - timedelta(days=10), now, "time_after_visit")}
    for name, (scheduled, moment, code) in cases.items():
        visit = await Visit.create(id=uuid.uuid4(), organization_id=patient_pat.organization_id, patient=patient_pat,
                                   order=order, nurse=nurse_ana, scheduled_at=scheduled)
        script = VisitScript(start=moment.isoformat())
        script.started(0)
        events = readdress(script, visit_id=visit.id, patient_id=patient_pat.id, order_id=order.id,
                           first_seq=tablet.next_seq)
        answer = (await tablet.client.post("/api/sync/push", json=_body(tablet, events))).json()["results"][0]
        assert (answer["status"], answer["code"]) == ("quarantined", code), (name, answer)


async def test_an_unscheduled_visit_start_dated_more_than_30_days_ago_is_held(tablet_for, nurse_ana, patient_pat):
    """A tablet may start a visit the pharmacy did not schedule; its start then becomes the schedule."""
    order = await Order.get(patient=patient_pat)
    tablet = await tablet_for(nurse_ana)
    for moment in (datetime(2019, 6, 1, 8, tzinfo=timezone.utc), datetime.now(timezone.utc) - START_MAX_AGE - MINUTE):
        script = VisitScript(start=moment.isoformat())
        script.started(0)
        events = readdress(script, visit_id=uuid.uuid4(), patient_id=patient_pat.id, order_id=order.id,
                           first_seq=tablet.next_seq)
        answer = (await tablet.client.post("/api/sync/push", json=_body(tablet, events))).json()["results"][0]
        assert (answer["status"], answer["code"]) == ("quarantined", "time_too_old"), answer
        assert not await Visit.exists(id=events[0]["visit_id"])


async def test_late_documentation_and_a_visit_past_midnight_are_accepted(push_visit, tablet_for, nurse_ana,
                                                                         patient_pat):
    """Started at 22:00 yesterday, vitals at 03:30, documented at 06:30; a note a day later;
    an amendment three days later; a premed the patient took at home an hour before arrival."""
    yesterday = datetime.now(timezone.utc).replace(hour=22, minute=0, second=0, microsecond=0) - timedelta(days=1)
    script = VisitScript(start=yesterday.isoformat())
    script.started(0)
    visit = await push_visit(nurse_ana, patient_pat, script)
    tablet = await tablet_for(nurse_ana)
    vitals = {"hr": 72, "rr": 16, "sbp": 122, "dbp": 78, "temp_c": 36.8, "spo2": 98}
    first = one(visit, tablet.next_seq, "vitals", vitals, yesterday + timedelta(hours=5.5),
                yesterday + timedelta(hours=8.5))
    events = [first,
              one(visit, tablet.next_seq + 1, "note", {"text": "called the next day"}, yesterday + timedelta(hours=26)),
              one(visit, tablet.next_seq + 2, "entry.amended",
                  {"target_id": first["id"], "payload": {**vitals, "hr": 80}, "reason": "typo"},
                  yesterday + timedelta(days=3)),
              one(visit, tablet.next_seq + 3, "medication.given",
                  {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "purpose": "premed"},
                  yesterday - timedelta(hours=1))]
    events[2]["occurred_at"] = events[2]["recorded_at"] = min(
        yesterday + timedelta(days=3), datetime.now(timezone.utc)).isoformat()
    results = (await tablet.client.post("/api/sync/push", json=_body(tablet, events))).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 4, results
