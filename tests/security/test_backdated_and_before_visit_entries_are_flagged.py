"""Issue 16.8: backdating was invisible. An entry whose recorded_at claims to be earlier than an entry
the same tablet numbered before it is flagged `backdated`; an entry dated before its visit began is
flagged too. Both mark the entry's row on the pharmacist's review page and rank the visit with late
entries in the review queue. A tablet that was offline and sends hours-old entries in order is not."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tortoise.connection import get_connection

from server.db.models import Visit
from server.services import visits as visit_service
from sync import store
from sync.models import Event
from tests.clinical.script import BASELINE
from tests.review import scripts
from tests.security.stored_times import store_extreme_entries

BACKDATED_LABEL = "recorded later than it says"
BEFORE_LABEL = "dated before the visit began"


def vitals(visit: Visit, seq: int, occurred: datetime, recorded: datetime) -> dict:
    return {"id": str(uuid.uuid4()), "visit_id": str(visit.id), "device_seq": seq, "kind": "vitals", "schema": 1,
            "occurred_at": occurred.isoformat(), "recorded_at": recorded.isoformat(), "payload": dict(BASELINE)}


async def push(tablet, events: list[dict]) -> list[dict]:
    from tests.api.events import push_body

    tablet.next_seq += len(events)
    return (await tablet.client.post("/api/sync/push", json=push_body(tablet.device_id, events))).json()["results"]


def row_of(html: str, event_id: str) -> str:
    start = html.index(f'id="ev-{event_id}"')
    return html[start:html.index("</tr>", start)]


async def test_vitals_sent_hours_late_with_a_forged_recorded_at_are_flagged_and_shown(
    push_visit, tablet_for, nurse_ana, patient_pat, desk, projected
):
    script = scripts.tolerated()  # entries recorded as they happened, the last ones minutes ago
    visit = await push_visit(nurse_ana, patient_pat, script)
    tablet = await tablet_for(nurse_ana)
    at = script.at(30)  # vitals "taken and recorded" at minute 30, sent after everything recorded since
    forged = vitals(visit, tablet.next_seq, at, at)

    [answer] = await push(tablet, [forged])
    await projected()

    assert answer["status"] == "accepted"
    assert "backdated" in (await Event.get(id=forged["id"])).flags
    assert "backdated_entries" in (await Visit.get(id=visit.id)).flags
    assert BACKDATED_LABEL in row_of((await desk.get(f"/review/visits/{visit.id}")).text, forged["id"])


async def test_an_entry_numbered_after_later_ones_in_the_same_push_is_flagged(
    push_visit, tablet_for, nurse_ana, patient_pat
):
    script = scripts.tolerated()
    visit = await push_visit(nurse_ana, patient_pat, script)
    tablet = await tablet_for(nurse_ana)
    now = datetime.now(timezone.utc)
    honest = vitals(visit, tablet.next_seq, now - timedelta(minutes=2), now - timedelta(minutes=1))
    forged = vitals(visit, tablet.next_seq + 1, script.at(60), script.at(60))

    await push(tablet, [honest, forged])

    assert "backdated" not in (await Event.get(id=honest["id"])).flags
    assert "backdated" in (await Event.get(id=forged["id"])).flags


async def test_an_offline_tablet_sending_hours_old_entries_in_order_is_not_flagged(
    push_visit, tablet_for, nurse_ana, patient_pat
):
    """The tablet pushed at the visit's start, then recorded the rest offline and sends it hours later."""
    script = scripts.tolerated()
    visit = await push_visit(nurse_ana, patient_pat, script)  # pushed "now", though recorded hours ago
    tablet = await tablet_for(nurse_ana)
    later = [vitals(visit, tablet.next_seq + n, script.at(400 + n), script.at(400 + n)) for n in range(3)]
    late = vitals(visit, tablet.next_seq + 3, script.at(300), script.at(404))  # honestly late: the fold says so

    await push(tablet, later + [late])

    flags = [(await Event.get(id=event["id"])).flags for event in (*later, late)]
    assert all("backdated" not in f for f in flags), flags
    assert not [e for e in await Event.filter(visit_id=visit.id) if "backdated" in e.flags]


async def test_entries_dated_before_the_visit_began_are_flagged_even_when_stored_by_an_older_server(
    push_visit, tablet_for, nurse_ana, patient_pat, desk, projected
):
    script = scripts.tolerated()
    visit = await push_visit(nurse_ana, patient_pat, script)
    tablet = await tablet_for(nurse_ana)
    early = vitals(visit, tablet.next_seq, script.at(-120), script.at(-120))  # inside the window: accepted
    [answer] = await push(tablet, [early])
    await projected()
    assert answer["status"] == "accepted"
    await store_extreme_entries(visit, (datetime(2019, 6, 1, 8, tzinfo=timezone.utc),))
    await visit_service.project(visit)

    html = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "entries_before_visit" in (await Visit.get(id=visit.id)).flags
    assert BEFORE_LABEL in row_of(html, early["id"])
    old = await store.events_of_visit(get_connection("default"), visit.id)
    from_2019 = next(e for e in old if e["occurred_at"].startswith("2019"))
    assert BEFORE_LABEL in row_of(html, from_2019["id"]) and "2019-06-01" in row_of(html, from_2019["id"])


async def test_a_visit_with_backdated_entries_ranks_with_late_entries_in_the_review_queue(
    push_visit, tablet_for, nurse_ana, nurse_ben, patient_pat, patient_sam, desk, projected
):
    control = await push_visit(nurse_ben, patient_sam, scripts.tolerated(minutes_ago=500))  # waited longer
    script = scripts.tolerated(minutes_ago=400)
    visit = await push_visit(nurse_ana, patient_pat, script)
    queue = (await desk.get("/review")).text
    assert queue.index(str(control.id)) < queue.index(str(visit.id))  # without flags: the longest waiting first
    tablet = await tablet_for(nurse_ana)
    await push(tablet, [vitals(visit, tablet.next_seq, script.at(30), script.at(30))])
    await projected()

    queue = (await desk.get("/review")).text

    assert queue.index(str(visit.id)) < queue.index(str(control.id))
    link = queue.index(str(visit.id))
    assert "backdated entries" in queue[queue.rindex("<tr>", 0, link):queue.index("</tr>", link)]
