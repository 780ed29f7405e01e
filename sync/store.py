"""The event log's hot paths in plain SQL: one bulk insert per push, and ordered reads.

The ORM builds and parses an object per row; at 10,000 events per push that dominated the
time (see bench/). These functions speak to SQLite and PostgreSQL directly, with the same
columns the `Event` model (and its migration) defines, and return JSON-ready dicts.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timezone
from typing import Any, Sequence
from uuid import UUID

import orjson

from sync.models import Device

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
    events share (their device, their visit, the time of receipt) are converted once. An event
    may carry `sent`, the tablet's own text of its id and times: on SQLite, text already in the
    stored form's shape is used as is (formatting a datetime costs more than the insert)."""
    postgres = dialect(connection) == "postgres"
    memo: dict[Any, Any] = {}

    def shared(value: Any) -> Any:
        if value not in memo:
            memo[value] = _db_value(value, postgres)
        return memo[value]

    def own(event: dict[str, Any], column: str) -> Any:
        sent = event.get("sent")
        if sent is not None and not postgres:
            text = _sqlite_text(sent.get(column))
            if text is not None:
                return text
        return _db_value(event[column], postgres)

    return [(
        own(event, "id"), event["organization_id"], shared(event["visit_id"]),
        shared(event["device_id"]), event["device_seq"], event["kind"], event["schema"],
        own(event, "occurred_at"), own(event, "recorded_at"),
        shared(event["received_at"]), event["server_seq"], event["author_id"],
        _json_text(event["payload"]), event["content_sha256"],
        _json_text(event["flags"]) if event["flags"] else "[]",
    ) for event in events]


def _json_text(value: Any) -> str:
    """Compact JSON text of an accepted payload (orjson; the standard library for what it refuses)."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, separators=(",", ":"))


_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_UTC_MILLIS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\Z")  # what a browser's toISOString() writes


def _sqlite_text(sent: Any) -> str | None:
    """The stored text of a tablet's id or UTC time when it can be derived without parsing,
    exactly as `_db_value` would write it (str(UUID); str(datetime) in UTC), else None."""
    if sent.__class__ is not str:
        return None
    if len(sent) == 36 and _CANONICAL_ID.match(sent):
        return sent
    if len(sent) == 24 and _UTC_MILLIS.match(sent):
        millis = sent[20:23]
        return f"{sent[:10]} {sent[11:19]}{'' if millis == '000' else '.' + millis + '000'}+00:00"
    return None


def _db_value(value: UUID | datetime, postgres: bool) -> Any:
    """asyncpg takes UUIDs and aware datetimes; SQLite stores text (UTC, as the ORM writes it)."""
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc)
    return value if postgres else str(value)


INSERT_CHUNK = 1000


async def insert_events(connection: Any, events: Sequence[dict[str, Any]]) -> None:
    """Insert in chunks, building the next chunk's rows while the driver writes this one
    (SQLite works in its own thread, PostgreSQL on the wire): a 5,000-event push overlaps
    its Python and its database work instead of doing one after the other."""
    sql = (f"INSERT INTO event ({', '.join(INSERT_COLUMNS)}) "
           f"VALUES ({', '.join(marks(connection, len(INSERT_COLUMNS)))})")
    writing: asyncio.Future[None] | None = None
    try:
        for start in range(0, len(events), INSERT_CHUNK):
            rows = event_rows(connection, events[start:start + INSERT_CHUNK])
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(connection.execute_many(sql, rows))
    finally:
        if writing is not None:
            await writing  # never leave a write running behind the caller's back


async def last_seq(connection: Any) -> int:
    rows = await connection.execute_query_dict("SELECT COALESCE(MAX(server_seq), 0) AS last FROM event")
    return int(rows[0]["last"])


async def update_devices(connection: Any, devices: Sequence[Any]) -> None:
    """Write each device's mark, last contact, wipe time and latest recorded time: one statement
    for a group's devices, before the order lock (on PostgreSQL one array per column, one
    execution whatever the group's size)."""
    if not devices:
        return
    postgres = dialect(connection) == "postgres"
    rows = [(device.acked_through, _db_value(device.last_seen_at, postgres),
             None if device.wiped_at is None else _db_value(device.wiped_at, postgres),
             None if device.recorded_through_at is None else _db_value(device.recorded_through_at, postgres),
             _param(connection, device.id)) for device in devices]
    if postgres:
        await connection.execute_query(_MARKS_UPDATE, [list(column) for column in zip(*rows)])
        return
    await connection.execute_many("UPDATE device SET acked_through = ?, last_seen_at = ?, wiped_at = ?, "
                                  "recorded_through_at = ? WHERE id = ?", rows)


_MARKS_UPDATE = ("UPDATE device SET acked_through = m.acked_through, last_seen_at = m.last_seen_at, "
                 "wiped_at = m.wiped_at, recorded_through_at = m.recorded_through_at "
                 "FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::uuid[]) "
                 "AS m(acked_through, last_seen_at, wiped_at, recorded_through_at, id) WHERE device.id = m.id")


async def devices_for_update(connection: Any, device_ids: list[UUID]) -> list[Any]:
    """The devices' rows as `Device` objects, in id order, locked to the transaction's end on PostgreSQL
    (SQLite's transaction holds the write lock already). PostgreSQL: one statement text for any group."""
    if not device_ids:
        return []
    if dialect(connection) == "postgres":
        sql, params = "SELECT * FROM device WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", [device_ids]
    else:
        sql, params = f"SELECT * FROM device WHERE id IN {in_list(connection, device_ids, 1)} ORDER BY id", [
            str(device_id) for device_id in device_ids]
    return [Device._init_from_db(**row) for row in await connection.execute_query_dict(sql, params)]


async def device_owner(connection: Any, device_id: UUID) -> dict[str, Any] | None:
    """`{user_id, revoked_at}` of a device, or None if the server has not seen it."""
    sql = f"SELECT user_id, revoked_at FROM device WHERE id = {marks(connection, 1)[0]}"
    rows = await connection.execute_query_dict(sql, [_param(connection, device_id)])
    return rows[0] if rows else None


async def known(connection: Any, ids: Sequence[UUID], thresholds: dict[UUID, int]
                ) -> tuple[dict[UUID, dict[str, Any]], list[dict[str, Any]], dict[UUID, set[int]]]:
    """What the server already holds of a group's pushes, in one round trip (SQLite: one per 10,000
    ids): of `ids`, those in the log `{id: {content_sha256, server_seq}}` and those in quarantine
    `[{event_id, content_sha256, code, reason}]`; by device, every device_seq above its threshold (its
    acked mark) that the server holds, logged or kept aside."""
    if not ids and not thresholds:
        return {}, [], {}
    if dialect(connection) == "postgres":  # one statement text whatever the group: prepared once
        rows = await connection.execute_query_dict(_KNOWN_POSTGRES, [list(ids), list(thresholds),
                                                                     list(thresholds.values())])
    else:
        rows = []
        for start in range(0, max(len(ids), 1), KNOWN_CHUNK):
            sql, params = _known_sqlite(ids[start:start + KNOWN_CHUNK], thresholds if start == 0 else {})
            rows += await connection.execute_query_dict(sql, params)
    logged, held = {}, []
    received: dict[UUID, set[int]] = {device_id: set() for device_id in thresholds}
    for row in rows:
        if row["part"] == 1:
            logged[_uuid(row["id"])] = {"id": row["id"], "content_sha256": row["content_sha256"],
                                        "server_seq": row["server_seq"]}
        elif row["part"] == 2:
            held.append({"event_id": _uuid(row["id"]), "content_sha256": row["content_sha256"], "code": row["code"],
                         "reason": row["reason"]})
        else:
            received[_uuid(row["device_id"])].add(int(row["device_seq"]))
    return logged, held, received


_KNOWN_POSTGRES = (
    "SELECT 1 AS part, id, content_sha256, server_seq, NULL::text AS code, NULL::text AS reason, "
    "NULL::uuid AS device_id, NULL::bigint AS device_seq FROM event WHERE id = ANY($1::uuid[]) "
    "UNION ALL SELECT 2, event_id, content_sha256, NULL, code, reason, NULL, NULL FROM quarantine "
    "WHERE event_id = ANY($1::uuid[]) "
    "UNION ALL SELECT 3, NULL, NULL, NULL, NULL, NULL, device_id, device_seq FROM ("
    "SELECT e.device_id, e.device_seq FROM unnest($2::uuid[], $3::bigint[]) AS mark(device_id, above) "
    "JOIN event e ON e.device_id = mark.device_id AND e.device_seq > mark.above "
    "UNION SELECT q.device_id, q.device_seq FROM unnest($2::uuid[], $3::bigint[]) AS mark(device_id, above) "
    "JOIN quarantine q ON q.device_id = mark.device_id AND q.device_seq > mark.above) AS numbers")


def _known_sqlite(ids: Sequence[UUID], thresholds: dict[UUID, int]) -> tuple[str, list[Any]]:
    """`known`'s statement on SQLite, whose `?` are each given a value."""
    parts, params = [], []
    if ids:
        marks_ = "(" + ", ".join("?" * len(ids)) + ")"
        parts += [f"SELECT 1 AS part, id, content_sha256, server_seq, NULL AS code, NULL AS reason, NULL AS device_id, "
                  f"NULL AS device_seq FROM event WHERE id IN {marks_}",
                  f"SELECT 2, event_id, content_sha256, NULL, code, reason, NULL, NULL FROM quarantine "
                  f"WHERE event_id IN {marks_}"]
        params += [str(value) for value in ids] * 2
    if thresholds:
        where = " OR ".join(["(device_id = ? AND device_seq > ?)"] * len(thresholds))
        parts.append(f"SELECT 3 AS part, NULL AS id, NULL AS content_sha256, NULL AS server_seq, NULL AS code, "
                     f"NULL AS reason, device_id, device_seq FROM (SELECT device_id, "
                     f"device_seq FROM event WHERE {where} UNION SELECT device_id, device_seq FROM quarantine "
                     f"WHERE {where}) AS numbers")
        params += [value for device_id, above in thresholds.items() for value in (str(device_id), above)] * 2
    return " UNION ALL ".join(parts), params


KNOWN_CHUNK = 10_000  # ids per statement: both databases take at most 32,766 parameters


def _uuid(value: Any) -> UUID:
    """A plain `uuid.UUID` (asyncpg returns its own subclass, which JSON encoders do not know)."""
    return value if value.__class__ is UUID else UUID(str(value))


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
            event[column] = _loads(event[column])
    return event


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an integer beyond 64 bits, stored by the standard library
        return json.loads(text)


def in_list(connection: Any, values: Sequence[Any], start: int) -> str:
    """`(?, ?, ?)` or `($3, $4, $5)` for an IN clause of `values` beginning at parameter `start`."""
    return "(" + ", ".join(marks(connection, len(values), start)) + ")"
