"""The verdict of a campaign, read straight from the database (not through the code under test).

Every acknowledged event is stored exactly once with the content the tablet sent; every event
a tablet recorded is stored in the end; nothing is in quarantine; SQLite's integrity check and
the audit chain pass; every visit's projection has caught up with its log.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from stress.tablets import Tablet
from stress.target import Target

STALE_SQL = ("SELECT v.id AS id, v.projected_seq AS projected, (SELECT MAX(e.server_seq) FROM event e "
             "WHERE e.visit_id = v.id) AS last FROM visit v")


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def query(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts, from SQLite (sqlite3) or PostgreSQL (asyncpg); ids normalised to text."""
    if database_url.startswith("sqlite://"):
        def read() -> list[dict[str, Any]]:
            connection = sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=30)
            connection.row_factory = sqlite3.Row
            try:
                return [dict(row) for row in connection.execute(sql)]
            finally:
                connection.close()
        rows = await asyncio.to_thread(read)
    else:
        connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            rows = [dict(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()
    return [{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()} for row in rows]


def _payload(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def check_events(verdict: Verdict, database_url: str, tablets: list[Tablet]) -> None:
    rows = await query(database_url, "SELECT id, visit_id, device_id, device_seq, kind, payload, server_seq FROM event")
    counts = Counter(str(uuid.UUID(row["id"])) for row in rows)
    by_id = {str(uuid.UUID(row["id"])): row for row in rows}
    sent = {event_id: event for tablet in tablets for event_id, event in tablet.sent.items()}
    acked = {event_id for tablet in tablets for event_id in tablet.acked}
    statuses = Counter(status for tablet in tablets for status in tablet.acked.values())
    verdict.figures.update(events_sent=len(sent), events_acked=len(acked), events_stored=len(rows),
                           first_ack=dict(statuses))
    _problem(verdict, "acknowledged but missing", sum(1 for i in acked if counts[i] == 0))
    _problem(verdict, "stored more than once", sum(1 for count in counts.values() if count > 1))
    _problem(verdict, "recorded but never stored", len(sent.keys() - counts.keys()))
    _problem(verdict, "stored but never sent", len(counts.keys() - sent.keys()))
    _problem(verdict, "stored with other content than sent", sum(
        1 for i, event in sent.items() if i in by_id and not _same(event, by_id[i])))
    _problem(verdict, "server_seq handed out twice", len(rows) - len({row["server_seq"] for row in rows}))
    _problem(verdict, "(device, device_seq) stored twice",
             len(rows) - len({(row["device_id"], row["device_seq"]) for row in rows}))
    held = await query(database_url, "SELECT COUNT(*) AS n FROM quarantine")
    _problem(verdict, "in quarantine", held[0]["n"])
    refused = tablets[0].tally.refused if tablets else []  # one Tally is shared by every tablet
    _problem(verdict, "answered neither accepted nor duplicate", len(refused))


def _same(event: dict[str, Any], row: dict[str, Any]) -> bool:
    return (str(uuid.UUID(str(row["visit_id"]))) == event["visit_id"] and row["kind"] == event["kind"]
            and int(row["device_seq"]) == event["device_seq"] and _payload(row["payload"]) == event["payload"])


def _problem(verdict: Verdict, what: str, number: int) -> None:
    if number:
        verdict.problems.append(f"{number} event(s) {what}")


async def check_projections(verdict: Verdict, database_url: str, timeout_s: float = 30.0) -> None:
    """Every visit's projected_seq equals its last event's server_seq (at once, or soon after)."""
    started = time.monotonic()
    stale_at_start = None
    while True:
        rows = await query(database_url, STALE_SQL)
        stale = [row for row in rows if (row["last"] or 0) != row["projected"]]
        stale_at_start = len(stale) if stale_at_start is None else stale_at_start
        if not stale or time.monotonic() - started > timeout_s:
            break
        await asyncio.sleep(0.25)
    verdict.figures.update(visits=len(rows), visits_stale_when_ready=stale_at_start,
                           projections_caught_up_s=round(time.monotonic() - started, 2))
    if stale:
        verdict.problems.append(f"{len(stale)} visit projection(s) still stale {timeout_s:.0f} s after restart")


async def check_storage(verdict: Verdict, target: Target, database_url: str | None = None) -> None:
    """integrity_check (SQLite) and `python -m server verify-audit` on the database."""
    url = database_url or target.database_url
    if url.startswith("sqlite://"):
        rows = await query(url, "PRAGMA integrity_check")
        result = [next(iter(row.values())) for row in rows]
        verdict.figures["integrity_check"] = result[0] if result == ["ok"] else result[:3]
        if result != ["ok"]:
            verdict.problems.append(f"integrity_check: {result[:3]}")
    saved, target.database_url = target.database_url, url
    # A backup copy rightly ends before the live server's newest audit checkpoint: its chain alone.
    command = ("verify-audit",) if url == saved else ("verify-audit", "--without-anchor")
    try:
        audit = await asyncio.to_thread(target.cli, *command)
    finally:
        target.database_url = saved
    verdict.figures["verify_audit"] = audit.stdout.strip() or audit.stderr.strip()[-200:]
    if audit.returncode != 0:
        verdict.problems.append(f"verify-audit failed: {verdict.figures['verify_audit']}")
