"""The event log's hot paths in plain SQL: one bulk insert per push, and ordered reads.

The ORM builds and parses an object per row; at 10,000 events per push that dominated the
time (see bench/). These functions speak to SQLite and PostgreSQL directly, with the same
columns the `Event` model (and its migration) defines, and return JSON-ready dicts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Sequence
from uuid import UUID

INSERT_COLUMNS = (
    "id", "organization_id", "visit_id", "device_id", "device_seq", "kind", "schema", "occurred_at",
    "recorded_at", "received_at", "server_seq", "author_id", "payload", "content_sha256", "flags",
)
READ_COLUMNS = (
    "id", "visit_id", "device_id", "device_seq", "kind", "schema", "occurred_at", "recorded_at",
    "received_at", "server_seq", "author_id", "payload", "flags",
)
_TIMES = ("occurred_at", "recorded_at", "received_at")
_JSON = ("payload", "flags")
_IDS = ("id", "visit_id", "device_id")


def dialect(connection: Any) -> str:
    return connection.capabilities.dialect


def marks(connection: Any, count: int, start: int = 1) -> list[str]:
    """Parameter placeholders: `?` for SQLite, `$n` for PostgreSQL."""
    if dialect(connection) == "postgres":
        return [f"${n}" for n in range(start, start + count)]
    return ["?"] * count


def event_rows(connection: Any, events: Sequence[dict[str, Any]]) -> list[tuple]:
    """Events (dicts with INSERT_COLUMNS) as the values this database's driver expects.

    Runs once per event of every push, so it is written out column by column, and values many
    events share (their device, their visit, the time of receipt) are converted once."""
    postgres = dialect(connection) == "postgres"
    memo: dict[Any, Any] = {}

    def shared(value: Any) -> Any:
        if value not in memo:
            memo[value] = _db_value(value, postgres)
        return memo[value]

    return [(
        _db_value(event["id"], postgres), event["organization_id"], shared(event["visit_id"]),
        shared(event["device_id"]), event["device_seq"], event["kind"], event["schema"],
        _db_value(event["occurred_at"], postgres), _db_value(event["recorded_at"], postgres),
        shared(event["received_at"]), event["server_seq"], event["author_id"],
        json.dumps(event["payload"], separators=(",", ":")), event["content_sha256"],
        json.dumps(event["flags"], separators=(",", ":")) if event["flags"] else "[]",
    ) for event in events]


def _db_value(value: UUID | datetime, postgres: bool) -> Any:
    """asyncpg takes UUIDs and aware datetimes; SQLite stores text (UTC, as the ORM writes it)."""
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc)
    return value if postgres else str(value)


async def insert_events(connection: Any, events: Sequence[dict[str, Any]]) -> None:
    if not events:
        return
    sql = (f"INSERT INTO event ({', '.join(INSERT_COLUMNS)}) "
           f"VALUES ({', '.join(marks(connection, len(INSERT_COLUMNS)))})")
    await connection.execute_many(sql, event_rows(connection, events))


async def last_seq(connection: Any) -> int:
    rows = await connection.execute_query_dict("SELECT COALESCE(MAX(server_seq), 0) AS last FROM event")
    return int(rows[0]["last"])


async def device_seqs_above(connection: Any, device_id: UUID, above: int) -> set[int]:
    """Every device_seq the device sent above `above` that the server holds, logged or kept aside."""
    a, b, c, d = marks(connection, 4)
    sql = (f"SELECT device_seq FROM event WHERE device_id = {a} AND device_seq > {b} "
           f"UNION SELECT device_seq FROM quarantine WHERE device_id = {c} AND device_seq > {d}")
    device = _param(connection, device_id)
    rows = await connection.execute_query_dict(sql, [device, above, device, above])
    return {int(row["device_seq"]) for row in rows}


async def device_owner(connection: Any, device_id: UUID) -> dict[str, Any] | None:
    """`{user_id, revoked_at}` of a device, or None if the server has not seen it."""
    sql = f"SELECT user_id, revoked_at FROM device WHERE id = {marks(connection, 1)[0]}"
    rows = await connection.execute_query_dict(sql, [_param(connection, device_id)])
    return rows[0] if rows else None


async def logged(connection: Any, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """Which of `ids` are already in the log: `{id: {content_sha256, server_seq}}`."""
    if not ids:
        return {}
    sql = f"SELECT id, content_sha256, server_seq FROM event WHERE id IN {in_list(connection, ids, 1)}"
    rows = await connection.execute_query_dict(sql, [_param(connection, value) for value in ids])
    return {_uuid(row["id"]): row for row in rows}


async def held(connection: Any, ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """The quarantined submissions of `ids`: `{event_id, content_sha256, code, reason}` each."""
    if not ids:
        return []
    sql = f"SELECT event_id, content_sha256, code, reason FROM quarantine WHERE event_id IN {in_list(connection, ids, 1)}"
    rows = await connection.execute_query_dict(sql, [_param(connection, value) for value in ids])
    return [{**row, "event_id": _uuid(row["event_id"])} for row in rows]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


async def events_of_visit(connection: Any, visit_id: UUID) -> list[dict[str, Any]]:
    sql = f"SELECT {', '.join(READ_COLUMNS)} FROM event WHERE visit_id = {marks(connection, 1)[0]} ORDER BY server_seq"
    return [public_event(row) for row in await connection.execute_query_dict(sql, [_param(connection, visit_id)])]


async def events_after(
    connection: Any, *, organization_id: int, after: int, visit_ids: Sequence[UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` events of the organization after `after`, optionally only of `visit_ids`."""
    first, second = marks(connection, 2)
    where = f"organization_id = {first} AND server_seq > {second}"
    params: list[Any] = [organization_id, after]
    if visit_ids is not None:
        if not visit_ids:
            return []
        where += f" AND visit_id IN {in_list(connection, visit_ids, 3)}"
        params += [_param(connection, v) for v in visit_ids]
    sql = f"SELECT {', '.join(READ_COLUMNS)} FROM event WHERE {where} ORDER BY server_seq LIMIT {int(limit)}"
    return [public_event(row) for row in await connection.execute_query_dict(sql, params)]


def _param(connection: Any, value: Any) -> Any:
    return str(value) if isinstance(value, UUID) and dialect(connection) != "postgres" else value


def public_event(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready data: ids as text, times in ISO 8601 UTC, payload decoded."""
    event = dict(row)
    for column in _IDS:
        event[column] = str(event[column])
    for column in _TIMES:
        value = event[column]
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        event[column] = moment.astimezone(timezone.utc).isoformat()
    for column in _JSON:
        if isinstance(event[column], str):
            event[column] = json.loads(event[column])
    return event


def in_list(connection: Any, values: Sequence[Any], start: int) -> str:
    """`(?, ?, ?)` or `($3, $4, $5)` for an IN clause of `values` beginning at parameter `start`."""
    return "(" + ", ".join(marks(connection, len(values), start)) + ")"
