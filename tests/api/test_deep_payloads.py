"""JSON nested without bound, from an authenticated tablet (penetration test): one too-deep entry
is kept aside with a reason naming the limit and the rest of the push is stored; a body nested
beyond what any parser should walk is refused whole with a 400; nothing answers 500 or hangs.

httpx's `json=` would itself recurse on such values, so the bodies are written as text."""

from __future__ import annotations

import json
import time
from typing import Any

from sync.models import Event, Quarantine
from sync.protocol import MAX_DEPTH, MAX_REASON
from tests.api.events import one_event, push_body

JSON_HEADERS = {"content-type": "application/json"}


def nested(depth: int) -> str:
    """A JSON object nested `depth` levels deep: {"a":{"a":...{"a":1}...}}."""
    return '{"a":' * (depth - 1) + '{"a":1' + "}" * depth


def with_payload(body: dict[str, Any], index: int, payload_text: str) -> bytes:
    """The body as JSON text, the `index`-th event's payload replaced by `payload_text`."""
    marker = "@@deep-payload@@"
    body["events"][index]["payload"] = marker
    return json.dumps(body).replace(f'"{marker}"', payload_text).encode()


async def test_a_push_with_one_payload_nested_too_deep_keeps_that_entry_aside_and_accepts_the_rest(
        tablet_ana, scheduled_visit):
    events = [one_event(scheduled_visit.id, seq, "note", {"text": f"entry {seq}"}) for seq in (1, 2, 3)]
    body = with_payload(push_body(tablet_ana.device_id, events), 1, nested(1_000))
    response = await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)
    assert response.status_code == 200, response.text[:300]
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "quarantined", "accepted"]
    assert results[1]["code"] == "too_deep"
    assert "payload" in results[1]["reason"] and str(MAX_DEPTH) in results[1]["reason"]
    held = await Quarantine.get(event_id=events[1]["id"])
    assert json.loads(held.sent_json.replace(nested(1_000), "null"))["id"] == events[1]["id"]  # kept whole
    assert held.sent_json.count("{") == 1_001
    assert await Event.filter(id__in=[events[0]["id"], events[2]["id"]]).count() == 2


async def test_the_retry_of_a_too_deep_entry_gets_the_same_answer(tablet_ana, scheduled_visit):
    events = [one_event(scheduled_visit.id, 1, "note", {"text": "entry"})]
    body = with_payload(push_body(tablet_ana.device_id, events), 0, nested(600))
    answers = [(await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)).json()
               for _ in ("first", "retry")]
    assert [a["results"][0]["code"] for a in answers] == ["too_deep", "too_deep"]
    assert await Quarantine.filter(event_id=events[0]["id"]).count() == 1


async def test_a_payload_at_the_nesting_limit_is_checked_as_usual(tablet_ana, scheduled_visit):
    events = [one_event(scheduled_visit.id, 1, "note", {"text": "entry"})]
    body = with_payload(push_body(tablet_ana.device_id, events), 0, nested(MAX_DEPTH))
    result = (await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)).json()["results"][0]
    assert result["status"] == "quarantined" and result["code"] == "invalid_payload"  # not a note's shape


async def test_a_payload_nested_in_lists_is_measured_the_same_way(tablet_ana, scheduled_visit):
    events = [one_event(scheduled_visit.id, 1, "note", {"text": "entry"})]
    body = with_payload(push_body(tablet_ana.device_id, events), 0, '{"a":' + "[" * 300 + "]" * 300 + "}")
    result = (await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)).json()["results"][0]
    assert result["code"] == "too_deep"


async def test_a_too_deep_entry_holding_broken_text_is_kept_aside_too(tablet_ana, scheduled_visit):
    """A lone surrogate sends the body through the standard library's parser: same answer."""
    events = [one_event(scheduled_visit.id, 1, "note", {"text": "entry"})]
    deep = '{"a":' * 99 + '"\\ud800"' + "}" * 99
    body = with_payload(push_body(tablet_ana.device_id, events), 0, deep)
    result = (await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)).json()["results"][0]
    assert result["code"] == "too_deep"


async def test_a_body_nested_100_000_deep_is_refused_quickly_with_a_400_naming_the_limit(tablet_ana, scheduled_visit):
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
                 with_payload(push_body(tablet_ana.device_id, [one_event(scheduled_visit.id, 1, "note", {})]), 0,
                              nested(100_000))):
        started = time.perf_counter()
        response = await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)
        assert response.status_code == 400, response.text[:300]
        assert response.json()["code"] == "malformed_push" and "levels" in response.json()["detail"]
        assert time.perf_counter() - started < 2
    assert await Event.all().count() == 0 and await Quarantine.all().count() == 0


async def test_a_deep_body_with_broken_text_is_refused_with_a_400_too(tablet_ana):
    body = b'["\\ud800",' + b"[" * 50_000 + b"]" * 50_000 + b"]"
    response = await tablet_ana.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)
    assert response.status_code == 400 and response.json()["code"] == "malformed_push"


async def test_other_json_endpoints_refuse_a_deeply_nested_body_with_a_400(anonymous):
    for depth in (900, 100_000):
        body = b'{"username":' + b"[" * depth + b"]" * depth + b', "password": "x"}'
        response = await anonymous.post("/api/session", content=body, headers=JSON_HEADERS)
        assert response.status_code in (400, 422), (depth, response.status_code, response.text[:200])


async def push_deep(tablet, visit_id, depth: int = 1_000) -> dict:
    """One entry nested `depth` deep, kept aside; the entry as sent, with its payload left out."""
    [entry] = [one_event(visit_id, tablet.next_seq, "note", {"text": "entry"})]
    tablet.next_seq += 1
    body = with_payload(push_body(tablet.device_id, [entry]), 0, nested(depth))
    response = await tablet.client.post("/api/sync/push", content=body, headers=JSON_HEADERS)
    assert response.json()["results"][0]["code"] == "too_deep"
    return entry


async def test_every_list_of_kept_aside_entries_shows_a_too_deep_one_by_its_first_characters(
        client_factory, tablet_ana, pharmacist_pia, scheduled_visit):
    entry = await push_deep(tablet_ana, scheduled_visit.id, depth=100)  # small enough to be shown whole, if it could
    own = (await tablet_ana.client.get("/api/sync/quarantine")).json()["quarantined"]
    visit = (await tablet_ana.client.get(f"/api/visits/{scheduled_visit.id}")).json()["quarantined"]
    for listed in (own, visit):
        assert [(e["event_id"], e["content"]) for e in listed] == [(entry["id"], None)]
        assert listed[0]["content_start"].startswith('{"id":') and '{"a":{"a":' in listed[0]["content_start"]
    desk = await client_factory(pharmacist_pia)
    review = await desk.get(f"/review/visits/{scheduled_visit.id}")
    assert review.status_code == 200 and "Quarantined submissions (1)" in review.text and "too_deep" in review.text
    page = await desk.get("/quarantine")
    assert page.status_code == 200 and "nested too deep to read" in page.text and "too_deep" in page.text


async def test_accepting_a_too_deep_entry_is_refused_naming_the_limit_and_rejecting_it_works(
        client_factory, tablet_ana, pharmacist_pia, scheduled_visit):
    entry = await push_deep(tablet_ana, scheduled_visit.id)
    held = await Quarantine.get(event_id=entry["id"])
    desk = await client_factory(pharmacist_pia)
    token = (await desk.get("/quarantine")).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    accepted = await desk.post(f"/quarantine/{held.id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 422 and f"deeper than {MAX_DEPTH} levels" in accepted.text
    rejected = await desk.post(f"/quarantine/{held.id}/reject", data={"csrf_token": token, "reason": "junk"})
    assert rejected.status_code == 303
    assert (await Quarantine.get(id=held.id)).decision == "rejected"
    assert not await Event.filter(id=entry["id"]).exists()


async def test_a_reason_naming_thousands_of_unknown_fields_is_stored_and_answered_cut_short(tablet_ana, scheduled_visit):
    """The host's payload check names every field a payload should not have: 140 KB for one entry, carried by
    every page and answer that shows it. Reasons are kept to MAX_REASON characters, saying how much was cut."""
    payload = {"text": "hello", **{f"unknown_field_{n:05d}": n for n in range(5_000)}}
    result = (await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", payload)])).json()["results"][0]
    assert result["status"] == "quarantined" and len(result["reason"]) < MAX_REASON + 60
    assert result["reason"].endswith("more characters not kept)")
    held = await Quarantine.get(event_id=result["event_id"] if "event_id" in result else result["id"])
    assert held.reason == result["reason"] and len(held.sent_json) > 100_000  # the entry itself is kept whole
