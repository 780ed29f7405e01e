"""Characters no database stores as text (NUL, lone surrogates) never block a tablet's outbox:
the event is kept in quarantine, losslessly, and the rest of the batch is accepted."""

from __future__ import annotations

import json
import uuid

from sync.models import Event, Quarantine
from tests.sync.conftest import as_user, batch, event


async def test_nul_and_lone_surrogates_are_quarantined_losslessly_and_the_batch_goes_through(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    nul = event(visit, 1, payload={"text": "before\x00after"})
    surrogate = event(visit, 2, payload={"text": "broken \ud83d emoji"})
    in_key = event(visit, 3, payload={"te\x00xt": "x"})
    fine = event(visit, 4)
    def escaped(events):  # how JSON.stringify sends a lone surrogate: as a \\u escape
        return {"content": json.dumps(batch(device, events)), "headers": {**as_user(1), "content-type": "application/json"}}

    response = await http.post("/api/sync/push", **escaped([nul, surrogate, in_key, fine]))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["quarantined", "quarantined", "quarantined", "accepted"]
    assert {r["code"] for r in results[:3]} == {"invalid_characters"}
    assert "Re-enter the text" in results[0]["reason"]
    held = {str(q.event_id): q.sent for q in await Quarantine.all()}
    assert held[nul["id"]]["payload"]["text"] == "before\x00after"
    assert held[surrogate["id"]]["payload"]["text"] == "broken \ud83d emoji"
    assert await Event.all().count() == 1
    listed = (await http.get("/api/sync/quarantine", headers=as_user(1))).json()["quarantined"]
    assert {q["event_id"] for q in listed} == {nul["id"], surrogate["id"], in_key["id"]}
    again = await http.post("/api/sync/push", **escaped([nul]))
    assert again.json()["results"][0]["status"] == "quarantined" and await Quarantine.all().count() == 3


async def test_forms_and_json_bodies_refuse_unstorable_text_naming_the_field(anonymous):
    response = await anonymous.post("/api/session", json={"username": "nurse\x00", "password": "x"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "username"


async def test_an_emoji_and_a_typed_backslash_u0000_are_stored_as_sent(http):
    """Both look like suspect escapes in the body (an emoji is sent as a surrogate pair), so the
    events are checked one by one, and both are perfectly storable text."""
    device, visit = uuid.uuid4(), uuid.uuid4()
    emoji = event(visit, 1, payload={"text": "patient smiled \U0001F600"})
    typed = event(visit, 2, payload={"text": "typed \\u0000 by hand"})
    body = json.dumps(batch(device, [emoji, typed]))  # ensure_ascii: the emoji becomes \ud83d\ude00
    assert "\\ud83d\\ude00" in body

    response = await http.post("/api/sync/push", content=body, headers={**as_user(1), "content-type": "application/json"})

    assert [r["status"] for r in response.json()["results"]] == ["accepted", "accepted"]
    pulled = (await http.get("/api/sync/pull", headers=as_user(1))).json()["events"]
    assert [e["payload"]["text"] for e in pulled] == ["patient smiled \U0001F600", "typed \\u0000 by hand"]


async def test_a_body_not_in_utf8_is_refused_whole_and_nothing_is_stored(http):
    """UTF-16 would hide a NUL escape from the body's screen; JSON on the wire is UTF-8 (RFC 8259)."""
    device, visit = uuid.uuid4(), uuid.uuid4()
    body = json.dumps(batch(device, [event(visit, 1, payload={"text": "before\x00after"})])).encode("utf-16")

    response = await http.post("/api/sync/push", content=body, headers={**as_user(1), "content-type": "application/json"})

    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
    assert await Event.all().count() == 0 and await Quarantine.all().count() == 0
