"""Append-only, hash-chained audit log (DESIGN section 6).

Each entry's hash covers its own fields and the previous entry's hash, so editing or
deleting any row breaks the chain from that row on; `verify` names the first broken entry.
Appends are serialised (SQLite's write lock, a PostgreSQL advisory lock) so the chain is
a line, not a tree. Entries carry ids and codes only, never names or clinical values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.transactions import in_transaction

from server.db.models import AuditEntry

GENESIS_HASH = "0" * 64
CHAIN_LOCK_KEY = 0x1A7D17  # PostgreSQL advisory lock for appends to the chain
VERIFY_PAGE = 1000


@dataclass(frozen=True)
class Actor:
    """Who did it: enough to audit, nothing more."""

    user_id: int | None
    organization_id: int | None


def entry_hash(*, entry_id: int, at: datetime, fields: dict[str, Any], prev_hash: str) -> str:
    body = {
        "id": entry_id,
        "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        **fields,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "organization_id": entry.organization_id,
        "user_id": entry.user_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome,
        "detail": entry.detail,
    }


@dataclass(frozen=True)
class Record:
    """One action to append to the chain."""

    action: str
    actor: Actor | None
    outcome: str = "ok"
    object_type: str = ""
    object_id: Any = ""
    detail: dict[str, Any] | None = None

    def fields(self, at: datetime) -> dict[str, Any]:
        actor = self.actor
        return {
            "at": at, "organization_id": actor.organization_id if actor else None,
            "user_id": actor.user_id if actor else None, "action": self.action, "object_type": self.object_type,
            "object_id": str(self.object_id) if self.object_id is not None else "", "outcome": self.outcome,
            "detail": self.detail or {},
        }


async def record(
    action: str,
    *,
    actor: Actor | None,
    outcome: str = "ok",
    object_type: str = "",
    object_id: Any = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Inside a caller's transaction it commits (or rolls back) with it."""
    entries = await record_many([Record(action, actor, outcome, object_type, object_id, detail)])
    return entries[0]


async def record_many(records: list[Record]) -> list[AuditEntry]:
    """Append entries in order, in one statement. Inside a caller's transaction they commit (or
    roll back) with it.

    Ids are chosen here, under the chain's lock, and written explicitly: a database sequence
    would skip the ids of rolled-back appends (PostgreSQL), leaving gaps the verifier reports."""
    at = datetime.now(timezone.utc)
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
        last_id, last_hash = await _chain_end(connection)
        entries = []
        for number, item in enumerate(records, start=last_id + 1):
            entry = AuditEntry(id=number, prev_hash=last_hash, **item.fields(at))
            entry.hash = last_hash = entry_hash(entry_id=entry.id, at=entry.at, fields=_fields(entry),
                                                prev_hash=entry.prev_hash)
            entries.append(entry)
        if len(entries) == 1:
            await entries[0].save(using_db=connection, force_create=True)
        elif entries:
            await AuditEntry.bulk_create(entries, using_db=connection)
    return entries


async def _chain_end(connection: Any) -> tuple[int, str]:
    """The last entry's id and hash (0 and the genesis hash for an empty chain). Plain SQL:
    every audited action runs this, a push from each of two hundred tablets among them."""
    rows = await connection.execute_query_dict(
        f'SELECT id, hash FROM "{AuditEntry._meta.db_table}" ORDER BY id DESC LIMIT 1')
    return (int(rows[0]["id"]), rows[0]["hash"]) if rows else (0, GENESIS_HASH)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify() -> VerifyResult:
    """Walk the chain in id order; stop at the first entry whose hash or link is wrong."""
    prev_hash, expected_id, checked = GENESIS_HASH, 1, 0
    while True:
        page = await AuditEntry.filter(id__gte=expected_id).order_by("id").limit(VERIFY_PAGE)
        for entry in page:
            problem = _check(entry, expected_id=expected_id, prev_hash=prev_hash)
            if problem:
                return VerifyResult(checked=checked, broken_at=entry.id, reason=problem)
            prev_hash, expected_id, checked = entry.hash, entry.id + 1, checked + 1
        if len(page) < VERIFY_PAGE:
            return VerifyResult(checked=checked)


def _check(entry: AuditEntry, *, expected_id: int, prev_hash: str) -> str:
    if entry.id != expected_id:
        return f"entries {expected_id}..{entry.id - 1} are missing"
    if entry.prev_hash != prev_hash:
        return "its link to the previous entry is wrong"
    actual = entry_hash(entry_id=entry.id, at=entry.at, fields=_fields(entry), prev_hash=entry.prev_hash)
    if actual != entry.hash:
        return "its content does not match its hash (the row was changed)"
    return ""

