"""A hypothesis state machine over several tablets pushing to the real server through HTTP.

Tablets record entries (valid, invalid, or for a visit their nurse may not write), push random
subsets in random order, repeat them, lose responses, forge collisions and drift their clocks.
At quiescence (every outbox flushed): no acknowledged event is lost, no event is stored twice,
every quarantined event is visible to its author, and each tablet's pull equals the server's log.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sync.content import content_sha256, unstorable
from sync.models import Event, Quarantine
from tests.api.sync_world import Tablet, World

ACCEPTABLE = {"accepted", "duplicate"}
KEPT_ASIDE = {"quarantined", "collision"}


class SyncMachine(RuleBasedStateMachine):
    world_args: tuple = ()

    def __init__(self) -> None:
        super().__init__()
        self.world = World(*self.world_args)
        self.expected: dict[str, dict[str, Any]] = {}    # event id -> what must hold at quiescence
        self.acknowledged: dict[str, str] = {}             # event id -> status the server gave
        self.forged: list[tuple[str, str, str]] = []       # (id, original content, forged content)

    tablets = st.integers(min_value=0, max_value=2)

    def _event(self, tablet: Tablet, kind: str, payload: dict, visit: str) -> dict[str, Any]:
        moment = (datetime.now(timezone.utc) + timedelta(minutes=tablet.clock_skew_min)).isoformat()
        event = {"id": str(uuid.uuid4()), "visit_id": str(self.world.visits[visit]), "device_seq": tablet.next_seq,
                 "kind": kind, "schema": 1, "occurred_at": moment, "recorded_at": moment, "payload": payload}
        tablet.next_seq += 1
        tablet.outbox.append(event)
        return event

    @rule(which=tablets, text=st.text(min_size=1, max_size=40).filter(str.strip))
    def record_valid_note(self, which: int, text: str) -> None:
        tablet = self.world.tablets[which]
        event = self._event(tablet, "note", {"text": text}, tablet.user)
        if unstorable(text):  # NUL or a lone surrogate: kept aside, never a failed push
            self.expected[event["id"]] = {"where": "quarantine", "author": tablet.user}
        else:
            self.expected[event["id"]] = {"where": "log", "sha": content_sha256(event), "author": tablet.user}

    @rule(which=tablets, temp=st.sampled_from([12.0, 53.0, 99.9]))
    def record_impossible_vitals(self, which: int, temp: float) -> None:
        tablet = self.world.tablets[which]
        event = self._event(tablet, "vitals", {"temp_c": temp}, tablet.user)
        self.expected[event["id"]] = {"where": "quarantine", "author": tablet.user}

    @rule(which=tablets)
    def record_for_a_visit_not_assigned(self, which: int) -> None:
        tablet = self.world.tablets[which]
        other = "ben" if tablet.user == "ana" else "ana"
        event = self._event(tablet, "note", {"text": "wrong chart"}, other)
        self.expected[event["id"]] = {"where": "quarantine", "author": tablet.user}

    @rule(which=tablets, forged_from=tablets)
    def forge_collision(self, which: int, forged_from: int) -> None:
        """Reuse another entry's id with different content: the first copy must stay untouched."""
        source = [e for e in self.world.tablets[forged_from].outbox if e["id"] in self.expected
                  and self.expected[e["id"]]["where"] == "log"]
        if not source:
            return
        tablet, original = self.world.tablets[which], source[0]
        forged = {**original, "device_seq": tablet.next_seq, "payload": {"text": "forged copy"}}
        tablet.next_seq += 1
        tablet.outbox.append(forged)
        self.expected.pop(original["id"])  # which copy wins depends on which arrives first
        self.forged.append((original["id"], content_sha256(original), content_sha256(forged)))

    @rule(which=tablets, minutes=st.sampled_from([-90, -3, 0, 4, 45]))
    def drift_clock(self, which: int, minutes: int) -> None:
        self.world.tablets[which].clock_skew_min = minutes

    @rule(which=tablets, data=st.data(), lose_response=st.booleans(), repeat=st.booleans())
    def push_some(self, which: int, data: st.DataObject, lose_response: bool, repeat: bool) -> None:
        tablet = self.world.tablets[which]
        if not tablet.outbox:
            return
        chosen = data.draw(st.lists(st.sampled_from(tablet.outbox), min_size=1, max_size=8))
        if repeat:
            chosen = chosen + chosen[: len(chosen) // 2]
        results = self._push(tablet, chosen)
        if not lose_response:
            self._acknowledge(tablet, chosen, results)

    def _push(self, tablet: Tablet, events: list[dict]) -> list[dict]:
        body = {"protocol": 1, "device_id": str(tablet.device_id), "batch_id": str(uuid.uuid4()),
                "sent_at": (datetime.now(timezone.utc) + timedelta(minutes=tablet.clock_skew_min)).isoformat(),
                "events": events}
        response = self.world.run(tablet.client.post(  # ASCII JSON, as JSON.stringify sends surrogates
            "/api/sync/push", content=json.dumps(body), headers={"content-type": "application/json"}))
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def _acknowledge(self, tablet: Tablet, sent: list[dict], results: list[dict]) -> None:
        """Like outbox.js: an entry leaves the outbox only once the server has answered for it.
        Results are positional, so two copies under one id (a forged collision) stay distinct."""
        assert len(results) == len(sent)
        answered = set()
        for event, result in zip(sent, results):
            assert result["status"] in ACCEPTABLE | KEPT_ASIDE and result["id"] == event["id"]
            self.acknowledged.setdefault(result["id"], result["status"])
            answered.add((event["id"], event["device_seq"]))
        tablet.outbox = [e for e in tablet.outbox if (e["id"], e["device_seq"]) not in answered]

    @invariant()
    def nothing_is_stored_twice(self) -> None:
        ids = self.world.run(Event.all().values_list("id", flat=True))
        assert len(ids) == len(set(ids))

    def teardown(self) -> None:
        try:
            self._flush_everything()
            self.world.run(self._check_quiescence())
        finally:
            self.world.close()

    def _flush_everything(self) -> None:
        for tablet in self.world.tablets:
            while tablet.outbox:
                batch = tablet.outbox[:50]
                self._acknowledge(tablet, batch, self._push(tablet, batch))

    async def _check_quiescence(self) -> None:
        logged = {str(row["id"]): row for row in await Event.all().values("id", "content_sha256", "author_id")}
        held = await Quarantine.all().values("event_id", "author_id", "code", "content_sha256")
        held_ids = {str(row["event_id"]) for row in held}
        for event_id, expectation in self.expected.items():
            author = self.world.user_ids[expectation["author"]]
            if expectation["where"] == "log":
                assert event_id in logged, f"acknowledged event {event_id} was lost"
                assert logged[event_id]["content_sha256"] == expectation["sha"], "the first copy was altered"
                assert logged[event_id]["author_id"] == author
            else:
                assert event_id in held_ids and event_id not in logged
        for event_id, status in self.acknowledged.items():
            if status in ACCEPTABLE:
                assert event_id in logged, f"event {event_id} acknowledged as {status} was lost"
            else:
                assert event_id in held_ids, f"event {event_id} acknowledged as {status} is not in quarantine"
        held_copies = {(str(r["event_id"]), r["content_sha256"]) for r in held}
        for event_id, original, forged in self.forged:
            winner = logged[event_id]["content_sha256"]
            assert winner in (original, forged), "the logged copy is neither of the two sent"
            loser = forged if winner == original else original
            assert (event_id, loser) in held_copies, "the second copy of a collision was dropped"
        await self._check_visibility(logged, held)

    async def _check_visibility(self, logged: dict, held: list[dict]) -> None:
        for tablet in self.world.tablets:
            mine = {q["event_id"] for q in (await tablet.client.get("/api/sync/quarantine")).json()["quarantined"]}
            author = self.world.user_ids[tablet.user]
            assert mine == {str(r["event_id"]) for r in held if r["author_id"] == author}
            pulled, after = [], 0
            while True:
                page = (await tablet.client.get(f"/api/sync/pull?after={after}&limit=7")).json()
                pulled += page["events"]
                after = page["next"]
                if not page["more"]:
                    break
            visit = str(self.world.visits[tablet.user])
            server_log = sorted((e for e in await Event.filter(visit_id=visit).values("id", "server_seq")),
                                key=lambda row: row["server_seq"])
            assert [e["id"] for e in pulled] == [str(row["id"]) for row in server_log]


def test_sync_state_machine_never_loses_or_duplicates(template_database, tmp_path_factory, password_hash):
    SyncMachine.world_args = (template_database, tmp_path_factory.mktemp("world"), password_hash)
    run_state_machine_as_test(SyncMachine, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ))
