"""The seam between the sync engine and its host application.

The engine moves events; the host decides who is asking, whether an event is valid and
writable, what a user may read, and how accepted events change its own state. The host
passes an object with these methods to `sync.routes.routes(policy)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from starlette.requests import Request

from sync.append import Rows
from sync.quota import HeldQuota
from sync.rate import PushRateLimit


@dataclass(frozen=True)
class Principal:
    """Who pushes or pulls. `device_id` is the device the session is bound to, if any;
    `device_checked`: the host found that device live and this user's while authenticating
    this very request, so the engine need not read it again before the push. `push_token`: the
    host took this push's token from the user's bucket while authenticating it (`authenticate` with
    `push`, sync.rate): True taken, False refused; None, the engine takes it."""

    user_id: int
    organization_id: int
    device_id: UUID | None = None
    device_checked: bool = False
    push_token: bool | None = None


class Candidate(NamedTuple):
    """An event whose envelope is sound, waiting for the host's verdict (a named tuple: one is
    built per event of every push, and a frozen dataclass costs five times as much to build)."""

    id: UUID
    visit_id: UUID
    device_seq: int
    kind: str
    schema: int
    occurred_at: datetime
    recorded_at: datetime
    payload: Any


@dataclass(frozen=True)
class Refusal:
    """Why the host will not accept an event: a stable code and a sentence a nurse can act on."""

    code: str
    reason: str


class AuditRecord(NamedTuple):
    """One sync action to audit (ids only)."""

    action: str
    principal: Principal
    outcome: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ReadScope:
    organization_id: int
    visit_ids: frozenset[UUID] | None  # None: every visit of the organization


class Policy(Protocol):
    held_quota: HeldQuota  # how much one user or device may have kept aside in a day (sync.quota)
    push_rate: PushRateLimit  # how fast one user may push (sync.rate)
    trail: AuditTrail  # where a group of pushes writes its audit records, in its serial section

    async def authenticate(self, request: Request, *, push: bool = False) -> Principal:
        """The principal, or raise the host's own not-authenticated error. `push`: the request is a
        push, whose token the host may take in the same statement (`Principal.push_token`)."""

    async def authenticate_surrender(self, request: Request) -> Principal:
        """The owner of a revoked device handing over its outbox (`device_id` set, `device_checked`),
        or raise the host's not-authenticated error. Nothing it sends is accepted, only kept aside."""

    def check(self, candidate: Candidate) -> Refusal | None:
        """Why this event's content is invalid, if it is: a check of the event alone, with no
        database, run before the push waits for the log's writer."""

    async def read_ahead(self, asks: list[tuple[Principal, set[UUID]]]) -> Any:
        """What `judge` reads, read once for a group of pushes (each push's principal and the visits
        its events name), in the group's transaction before any push is decided; handed to `judge`
        as `ahead`. One statement for the group where each push would run its own."""

    async def judge(self, principal: Principal, candidates: list[Candidate], ahead: Any = None) -> dict[UUID, Refusal]:
        """Refusals by event id (who may write what, now); events not named are accepted.
        Runs inside the push transaction, on events `check` passed. `ahead`: what `read_ahead`
        returned for the push's group, or None (read it now)."""

    async def readable(self, principal: Principal) -> ReadScope:
        ...

    async def project(self, principal: Principal, visit_ids: set[UUID]) -> None:
        """The push committed and changed these visits: bring the host's projections up to date.
        Called on the push's path, so a slow projection should be scheduled, not run, here."""

    async def record(self, action: str, principal: Principal, *, outcome: str, detail: dict[str, Any]) -> None:
        """Leave an audit trail of a sync action (ids only)."""

class AuditTrail(Protocol):
    """The host's audit chain as a group of pushes appends to it (sync.group), inside the group's
    transaction, under the order lock (which is the chain's lock). The group reads the chain's end
    with the log's last number, right after taking the lock, and on PostgreSQL inserts the entries
    (`rows`) in the statement that inserts its events: no savepoint, no second lock, no second read
    of the end, one round trip for both logs."""

    end_query: str  # SQL without parameters: the chain's last entry (one row or none)

    def rows(self, records: list[AuditRecord], end: dict[str, Any] | None) -> Rows:
        """PostgreSQL: the entries of `records`, in order, chained after `end` (the row `end_query`
        selected, None for an empty chain), as rows the group inserts with its events."""

    async def append(self, connection: Any, records: list[AuditRecord], end: dict[str, Any] | None) -> None:
        """SQLite (and a second trail in one group): write the entries after `end` on `connection`."""
