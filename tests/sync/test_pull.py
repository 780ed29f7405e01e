"""Pull: cursor pages in server_seq order, only what the user may read, nothing skipped."""

from __future__ import annotations

import asyncio
import uuid

from tests.sync.conftest import as_user, batch, event


async def pull_all(http, user=1, limit=7, org=1):
    seen, after = [], 0
    while True:
        page = (await http.get(f"/api/sync/pull?after={after}&limit={limit}", headers=as_user(user, org))).json()
        seen.extend(page["events"])
        after = page["next"]
        if not page["more"]:
            return seen, after


async def test_pull_pages_through_every_event_in_server_seq_order(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    sent = [event(visit, n) for n in range(1, 31)]
    await http.post("/api/sync/push", json=batch(device, sent), headers=as_user(1))
    pulled, cursor = await pull_all(http)
    assert [e["id"] for e in pulled] == [e["id"] for e in sent]
    seqs = [e["server_seq"] for e in pulled]
    assert seqs == sorted(seqs) and cursor == seqs[-1]
    assert pulled[0]["payload"] == sent[0]["payload"] and pulled[0]["author_id"] == 1


async def test_empty_pull_returns_the_same_cursor(http):
    page = (await http.get("/api/sync/pull?after=42", headers=as_user(1))).json()
    assert page["events"] == [] and page["next"] == 42 and page["more"] is False


async def test_pull_shows_only_readable_visits_and_never_another_organization(http, policy):
    mine, theirs, device = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await http.post("/api/sync/push", json=batch(device, [event(mine, 1), event(theirs, 2)]), headers=as_user(1))
    policy.readable_visits[2] = frozenset({mine})
    pulled, _ = await pull_all(http, user=2)
    assert {e["visit_id"] for e in pulled} == {str(mine)}
    other_org, _ = await pull_all(http, user=3, org=2)
    assert other_org == []


async def test_concurrent_pushes_while_paging_pulls_never_skip_an_event(http):
    visit = uuid.uuid4()
    devices = [uuid.uuid4() for _ in range(8)]
    sent_ids: set[str] = set()
    pulled_ids: list[str] = []

    async def writer(device):
        for round_ in range(5):
            events = [event(visit, round_ * 4 + k + 1) for k in range(4)]
            sent_ids.update(e["id"] for e in events)
            response = await http.post("/api/sync/push", json=batch(device, events), headers=as_user(1))
            assert response.status_code == 200

    async def reader(stop: asyncio.Event):
        after = 0
        while True:
            done = stop.is_set()
            page = (await http.get(f"/api/sync/pull?after={after}&limit=5", headers=as_user(1))).json()
            pulled_ids.extend(e["id"] for e in page["events"])
            after = page["next"]
            if done and not page["more"]:
                return

    stop = asyncio.Event()
    reading = asyncio.create_task(reader(stop))
    await asyncio.gather(*(writer(d) for d in devices))
    stop.set()
    await reading
    assert len(pulled_ids) == len(set(pulled_ids)) == len(sent_ids) == 160
    assert set(pulled_ids) == sent_ids


async def test_bad_cursor_is_refused_with_a_clear_message(http):
    response = await http.get("/api/sync/pull?after=abc", headers=as_user(1))
    assert response.status_code == 400 and "whole numbers" in response.json()["detail"]
    assert (await http.get("/api/sync/pull?limit=5001", headers=as_user(1))).status_code == 400
