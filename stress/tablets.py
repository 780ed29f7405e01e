"""Simulated tablets with a real outbox: what is not acknowledged is sent again, unchanged.

A nurse keeps recording while the server is away; her tablet keeps every entry until the
server acknowledges it (accepted or duplicate) and resends the same events (same ids, same
content) after any failure: a dropped connection, a 5xx, a 503. The tablet remembers every
acknowledgement, so the campaign can later prove that none of them was a lie.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.client import JSON, BenchBroken, log_in, new_client, push_body
from bench.clinical_events import visit_events
from bench.world import Nurse

ACKED = ("accepted", "duplicate")
MAX_PUSH = 200  # events per push: a tablet flushing after an outage sends its outbox in parts
MAX_OUTBOX = 600  # beyond this the simulated nurse pauses (a real one records a few entries a minute)


@dataclass
class Tally:
    """What every tablet saw, added up: the figures a campaign prints."""

    pushes: int = 0
    ok_pushes: int = 0
    resent_events: int = 0
    transport_errors: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)  # every non-200 answer, by status code
    locked: int = 0  # answers mentioning "database is locked"
    refused: list[str] = field(default_factory=list)  # results neither accepted nor duplicate
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (monotonic end, seconds) of 200s

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


class Tablet:
    """One device of one nurse, working through her visits in order."""

    def __init__(self, base_url: str, nurse: Nurse, tally: Tally, rng: random.Random, *, events_per_visit: int,
                 pace_s: tuple[float, float], timeout_s: float) -> None:
        self.base_url, self.nurse, self.tally, self.rng = base_url, nurse, tally, rng
        self.device_id = uuid.uuid4()
        self.events_per_visit, self.pace_s, self.timeout_s = events_per_visit, pace_s, timeout_s
        self.client: httpx.AsyncClient | None = None
        self.future: list[dict[str, Any]] = []
        self.visits = list(nurse.visits)
        self.next_seq = 1
        self.outbox: list[dict[str, Any]] = []
        self.sent: dict[str, dict[str, Any]] = {}  # every event this tablet ever recorded
        self.acked: dict[str, str] = {}  # event id -> the first acknowledgement's status
        self.attempts: Counter = Counter()
        self.max_push, self.max_outbox = MAX_PUSH, MAX_OUTBOX

    async def log_in(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.client = new_client(self.base_url, timeout=self.timeout_s)
        await log_in(self.client, self.nurse.username, self.device_id)

    def record(self, count: int) -> None:
        """The nurse saves `count` entries: they go to the outbox first, as on the tablet."""
        while count > 0 and len(self.outbox) < self.max_outbox:
            if not self.future:
                if not self.visits:
                    return
                visit = self.visits.pop(0)
                self.future = visit_events(visit_id=visit.visit_id, patient_id=visit.patient_id,
                                           order_id=visit.order_id, started=visit.scheduled_at,
                                           first_seq=self.next_seq, count=self.events_per_visit)
                self.next_seq += len(self.future)
            event = self.future.pop(0)
            self.sent[event["id"]] = event
            self.outbox.append(event)
            count -= 1

    async def run(self, recording: asyncio.Event, max_record: int) -> None:
        """Record and flush until told to stop recording and the outbox is empty."""
        while True:
            if recording.is_set():
                self.record(self.rng.randint(1, max_record))
            if not self.outbox:
                if not recording.is_set():
                    return
                await asyncio.sleep(self.rng.uniform(*self.pace_s))
                continue
            ok = await self.flush_once()
            await asyncio.sleep(self.rng.uniform(*self.pace_s) if ok else self.rng.uniform(0.1, 0.4))

    async def flush_once(self) -> bool:
        """One push of the head of the outbox; True when it was answered 200."""
        batch = self.outbox[:self.max_push]
        for event in batch:
            self.tally.resent_events += self.attempts[event["id"]] > 0
            self.attempts[event["id"]] += 1
        self.tally.pushes += 1
        started = time.monotonic()
        try:
            response = await self.client.post("/api/sync/push", content=push_body(self.device_id, batch), headers=JSON)
        except httpx.TransportError as error:
            self.tally.transport_errors[type(error).__name__] += 1
            return False
        if response.status_code != 200:
            return await self._failed(response)
        self.tally.ok_pushes += 1
        self.tally.latencies.append((time.monotonic(), time.monotonic() - started))
        self._acknowledge(response.json()["results"])
        return True

    async def _failed(self, response: httpx.Response) -> bool:
        self.tally.statuses[response.status_code] += 1
        self.tally.locked += "database is locked" in response.text
        if response.status_code == 401:
            try:
                await self.log_in()
            except (BenchBroken, httpx.TransportError):
                pass
        return False

    def _acknowledge(self, results: list[dict[str, Any]]) -> None:
        done = set()
        for result in results:
            event_id = str(uuid.UUID(result["id"]))
            if result["status"] not in ACKED:
                self.tally.refused.append(f"{result['status']}: {result.get('code') or result.get('reason')}")
            self.acked.setdefault(event_id, result["status"])
            done.add(event_id)
        self.outbox = [event for event in self.outbox if event["id"] not in done]

    async def backfill(self, count: int) -> None:
        """Entries recorded long ago and pushed in big batches: history that makes the database large."""
        self.max_push, self.max_outbox = 5_000, count
        self.record(count)
        while self.outbox:
            if not await self.flush_once():
                raise BenchBroken("a history push failed before the campaign began")
        self.max_push, self.max_outbox = MAX_PUSH, MAX_OUTBOX

    async def reconnect(self) -> None:
        """A fresh connection, same session: one idle past the server's keep-alive may be closed
        by it just as we reuse it (a client-side race, not a server fault; see bench/load.py)."""
        cookies = dict(self.client.cookies)
        await self.client.aclose()
        self.client = new_client(self.base_url, timeout=self.timeout_s, cookies=cookies)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()


async def open_tablets(base_url: str, nurses: list[Nurse], rng: random.Random, **options: Any) -> tuple[list[Tablet], Tally]:
    """One tablet per nurse, logged in (argon2 is slow on purpose: a few at a time)."""
    tally, gate = Tally(), asyncio.Semaphore(4)
    tablets = [Tablet(base_url, nurse, tally, random.Random(rng.random()), **options) for nurse in nurses]

    async def one(tablet: Tablet) -> None:
        async with gate:
            await tablet.log_in()

    await asyncio.gather(*(one(tablet) for tablet in tablets))
    return tablets, tally
