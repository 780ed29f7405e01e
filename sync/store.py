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


def event_row(connection: Any, event: dict[str, Any]) -> tuple:
    """One event (a dict with INSERT_COLUMNS) as the values this database's driver expects."""
    postgres = dialect(connection) == "postgres"
    values = []
    for column in INSERT_COLUMNS:
        value = event[column]
        if column in _JSON:
            value = json.dumps(value, separators=(",", ":"))
        elif column in _TIMES:
            value = value.astimezone(timezone.utc) if postgres else str(value.astimezone(timezone.utc))
        elif column in _IDS:
            value = value if postgres else str(value)
        values.append(value)
    return tuple(values)


async def insert_events(connection: Any, events: Sequence[dict[str, Any]]) -> None:
    if not events:
        return
    sql = (f"INSERT INTO event ({', '.join(INSERT_COLUMNS)}) "
           f"VALUES ({', '.join(marks(connection, len(INSERT_COLUMNS)))})")
    await connection.execute_many(sql, [event_row(connection, event) for event in events])


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
