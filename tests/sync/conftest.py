"""The sync engine on its own: a tiny host policy, a Starlette app with only the sync routes,
a real database (cloned from the migrated template), real HTTP through ASGI."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from server.db import schema
from sync.append import Rows
from sync.policy import AuditRecord, Candidate, Principal, ReadScope, Refusal
from sync.quota import HeldQuota
from sync.rate import PushRateLimit
from sync.routes import routes


class TinyPolicy:
    """Users and devices come from headers; kinds and visits can be refused by the test."""

    def __init__(self) -> None:
        self.refused_kinds: set[str] = {"bad.kind"}
        self.closed_visits: set[uuid.UUID] = set()
        self.readable_visits: dict[int, frozenset[uuid.UUID] | None] = {}
        self.projected: list[set[uuid.UUID]] = []
        self.records: list[tuple[str, str, dict]] = []
        self.failing_devices: set[str] = set()  # the host fails to audit these devices' pushes
        self.crashing_kinds: set[str] = {"crash.kind"}  # the host's check has a bug for these kinds
        self.held_quota = HeldQuota()
        self.push_rate = PushRateLimit(burst=100_000, per_minute=100_000)  # the engine's tests push freely
        self.slow_visits: dict[uuid.UUID, asyncio.Event] = {}  # judging these visits waits until the test sets it
        self.judging = asyncio.Event()  # set once a push is being judged at a slow visit
        self.read_aheads: list[list[tuple[Principal, set[uuid.UUID]]]] = []  # each group's asks, as read ahead
        self.judged_ahead: list[Any] = []  # what each judge call was handed of them

    async def authenticate(self, request: Request, *, push: bool = False) -> Principal:
        device = request.headers.get("x-device")
        return Principal(
            user_id=int(request.headers["x-user"]), organization_id=int(request.headers.get("x-org", "1")),
            device_id=uuid.UUID(device) if device else None,
        )

    async def authenticate_surrender(self, request: Request) -> Principal:
        """The same headers: the test says which revoked device hands over its outbox."""
        principal = await self.authenticate(request)
        return Principal(principal.user_id, principal.organization_id, principal.device_id, device_checked=True)

    def check(self, candidate: Candidate) -> Refusal | None:
        if candidate.kind in self.crashing_kinds:
            raise OverflowError("cannot convert float infinity to integer")
        if candidate.kind in self.refused_kinds:
            return Refusal("invalid_payload", f"{candidate.kind} is not known here.")
        return None

    async def read_ahead(self, asks: list[tuple[Principal, set[uuid.UUID]]]) -> int:
        self.read_aheads.append(asks)
        return len(self.read_aheads)  # which read the judge was handed

    async def judge(self, principal: Principal, candidates: list[Candidate], ahead: Any = None
                    ) -> dict[uuid.UUID, Refusal]:
        self.judged_ahead.append(ahead)
        for release in {self.slow_visits[c.visit_id] for c in candidates if c.visit_id in self.slow_visits}:
            self.judging.set()
            await release.wait()
        return {candidate.id: Refusal("not_writable", "You may not write to this visit.")
                for candidate in candidates if candidate.visit_id in self.closed_visits}

    async def readable(self, principal: Principal) -> ReadScope:
        return ReadScope(principal.organization_id, self.readable_visits.get(principal.user_id))

    async def project(self, principal: Principal, visit_ids: set[uuid.UUID]) -> None:
        self.projected.append(set(visit_ids))

    async def record(self, action: str, principal: Principal, *, outcome: str, detail: dict[str, Any]) -> None:
        if detail.get("device_id") in self.failing_devices:
            raise RuntimeError("the audit store refused this entry")
        self.records.append((action, outcome, detail))

    @property
    def trail(self) -> "TinyPolicy":
        """Its own audit trail (sync.policy.AuditTrail), kept in memory: no chain to read the end of."""
        return self

    end_query = "SELECT NULL AS id WHERE 1 = 0"

    def rows(self, records: list[AuditRecord], end: dict[str, Any] | None) -> Rows:
        for item in records:
            if item.detail.get("device_id") in self.failing_devices:
                raise RuntimeError("the audit store refused this entry")
            self.records.append((item.action, item.outcome, item.detail))
        return Rows("no_table", (), (), [])

    async def append(self, connection: Any, records: list[AuditRecord], end: dict[str, Any] | None) -> None:
        self.rows(records, end)


@pytest.fixture
def policy() -> TinyPolicy:
    return TinyPolicy()


@pytest.fixture
async def sync_app(database_url: str, policy: TinyPolicy) -> AsyncIterator[Starlette]:
    await schema.open_database(database_url)
    try:
        yield Starlette(routes=routes(policy))
    finally:
        await schema.close_database()


@pytest.fixture
async def http(sync_app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sync_app), base_url="http://sync") as client:
        yield client


def event(visit_id: uuid.UUID, device_seq: int, *, kind: str = "note", payload: Any = None, **extra: Any) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    return {
        "id": str(uuid.uuid4()), "visit_id": str(visit_id), "device_seq": device_seq, "kind": kind, "schema": 1,
        "occurred_at": now, "recorded_at": now, "payload": {"text": f"entry {device_seq}"} if payload is None else payload,
        **extra,
    }


def batch(device_id: uuid.UUID, events: list[dict], *, sent_at: datetime | None = None) -> dict:
    return {
        "protocol": 1, "device_id": str(device_id), "batch_id": str(uuid.uuid4()),
        "sent_at": (sent_at or datetime.now(timezone.utc)).isoformat(), "events": events,
    }


def as_user(user_id: int, org: int = 1, device: uuid.UUID | None = None) -> dict[str, str]:
    headers = {"x-user": str(user_id), "x-org": str(org)}
    if device:
        headers["x-device"] = str(device)
    return headers


def skewed(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)
