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
