"""Append-only, keyed hash-chained audit log (DESIGN section 6).

Each entry's hash is an HMAC (server.audit_keys: a key kept outside the database) over its
own fields and the previous entry's hash, so editing or deleting any row breaks the chain from
that row on, and whoever can write the database but lacks the key cannot recompute it. The
chain's head is anchored outside the database (server.audit_anchor), so cutting off its end is
found too; `verify` (server.audit_verify) names the first thing wrong. Entries written before
the chain was keyed (`key_id` empty) keep their plain SHA-256 and still verify.
Appends are serialised (SQLite's write lock, a PostgreSQL advisory lock) so the chain is
a line, not a tree. Entries carry ids and codes only, never names or clinical values.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from server.audit_keys import AuditKey, AuditKeys
from server.db.models import AuditEntry

if TYPE_CHECKING:
    from server.audit_verify import VerifyResult
    from server.settings import Settings

GENESIS_HASH = "0" * 64
CHAIN_LOCK_KEY = 0x1A7D17  # PostgreSQL advisory lock for appends to the chain


@dataclass(frozen=True)
class Actor:
    """Who did it: enough to audit, nothing more."""

    user_id: int | None
    organization_id: int | None


@dataclass(frozen=True)
class AuditConfig:
    keys: AuditKeys
    anchor_path: Path | None  # None: no anchor (only for code that never runs as a server)
    checkpoint_every: int = 500  # entries appended by this process before the anchor is brought forward


_config: AuditConfig | None = None
_appended = 0  # entries this process appended since its last checkpoint
_trail: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("audit_trail", default=None)


def configure(config: AuditConfig) -> None:
    """Set once per process from Settings (the app factory, the CLI) before anything is audited."""
    global _config
    _config = config


def configure_from(settings: "Settings") -> None:
    keys = AuditKeys.from_secrets(settings.audit_key or settings.secret_key, settings.audit_previous_keys)
    configure(AuditConfig(keys=keys, anchor_path=settings.audit_anchor_path,
                          checkpoint_every=settings.audit_checkpoint_every))


def config() -> AuditConfig:
    if _config is None:
        raise RuntimeError("the audit log is not configured: call server.audit.configure(...) at start-up")
    return _config


def start_trail() -> list[int]:
    """Count the entries appended from here on in this context (one request): see middleware.read_audit."""
    trail: list[int] = []
    _trail.set(trail)
    return trail


def entry_hash(*, entry_id: int, at: datetime, fields: dict[str, Any], prev_hash: str, key: AuditKey | None) -> str:
    """HMAC-SHA256 under `key`; `key=None` only for entries written before the chain was keyed."""
    body = {
        "id": entry_id,
        "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        **fields,
        "prev_hash": prev_hash,
    }
    if key is not None:
        body["key_id"] = key.key_id
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return key.mac(canonical) if key is not None else hashlib.sha256(canonical).hexdigest()


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
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
    roll back) with it (in a savepoint of their own)."""
    async with in_transaction("default") as connection:
        if connection.capabilities.dialect == "postgres":
            await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
        rows = await connection.execute_query_dict(END_QUERY)
        return await append(connection, records, end_of(rows[0] if rows else None))


async def append(connection: Any, records: list[Record], end: tuple[int, str]) -> list[AuditEntry]:
    """Append entries after `end`, the chain's last (id, hash), on `connection`, whose transaction
    holds the chain's lock (CHAIN_LOCK_KEY, or SQLite's write lock) and read `end` under it."""
    entries = chain(records, end)
    if len(entries) == 1:
        await entries[0].save(using_db=connection, force_create=True)
    elif entries:
        await AuditEntry.bulk_create(entries, using_db=connection)
    return entries


def chain(records: list[Record], end: tuple[int, str]) -> list[AuditEntry]:
    """The entries of `records`, in order, chained after `end`, unwritten: whoever writes them holds
    the chain's lock and read `end` under it (`append`; a group of pushes, with its events: sync.group).

    Ids are chosen here, under the chain's lock, and written explicitly: a database sequence
    would skip the ids of rolled-back appends (PostgreSQL), leaving gaps the verifier reports."""
    global _appended
    key = config().keys.current
    at = datetime.now(timezone.utc)
    last_id, last_hash = end
    entries = []
    for number, item in enumerate(records, start=last_id + 1):
        entry = AuditEntry(id=number, prev_hash=last_hash, key_id=key.key_id, **item.fields(at))
        entry.hash = last_hash = entry_hash(entry_id=entry.id, at=entry.at, fields=entry_fields(entry),
                                            prev_hash=entry.prev_hash, key=key)
        entries.append(entry)
    _appended += len(entries)
    if (trail := _trail.get()) is not None:
        trail.append(len(entries))
    return entries


COLUMNS = ("id", "at", "organization_id", "user_id", "action", "object_type", "object_id", "outcome", "detail",
           "prev_hash", "hash", "key_id")
POSTGRES_TYPES = ("bigint", "timestamptz", "int", "int", "text", "text", "text", "text", "jsonb", "text", "text", "text")


def postgres_values(entries: list[AuditEntry]) -> list[tuple[Any, ...]]:
    """The entries as rows of COLUMNS for PostgreSQL's driver (as the ORM would write them)."""
    fields = AuditEntry._meta.fields_map
    return [tuple(fields[name].to_db_value(getattr(entry, name), entry) for name in COLUMNS) for entry in entries]


# The chain's last entry (none for an empty chain). Plain SQL: every audited action runs it, a push
# from each of two hundred tablets among them (sync.group reads it in its numbering statement).
END_QUERY = f'SELECT id, hash FROM "{AuditEntry._meta.db_table}" ORDER BY id DESC LIMIT 1'


def end_of(row: dict[str, Any] | None) -> tuple[int, str]:
    """The chain's end from END_QUERY's row: 0 and the genesis hash for an empty chain."""
    if row is None or row.get("id") is None:
        return 0, GENESIS_HASH
    return int(row["id"]), row["hash"]


def appended_since_checkpoint(reset: bool = False) -> int:
    global _appended
    count = _appended
    if reset:
        _appended = 0
    return count


async def verify(*, anchored: bool = True) -> "VerifyResult":
    """The whole chain and its anchor: see server.audit_verify."""
    from server.audit_verify import verify as verify_all

    return await verify_all(anchored=anchored)
