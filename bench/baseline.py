"""The floor the server is compared with: plain `sqlite3` doing the same storage work.

Ratios against a baseline measured in the same run on the same disk cancel out the machine's
speed, so the targets of DESIGN section 7 mean the same thing on a laptop and in CI. The
baseline gets the same advantages the server has (same schema and indexes, copied from the
migrated file; WAL; synchronous=FULL; one transaction) and nothing more.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from bench.metrics import Stopwatch

PULL_COLUMNS = ("id", "visit_id", "device_id", "device_seq", "kind", "schema", "occurred_at", "recorded_at",
                "received_at", "server_seq", "author_id", "payload", "flags")


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the backup API, safe while it is open)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def stored_events(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row of the `event` table as the server stored it, in server_seq order."""
    connection = sqlite3.connect(path)
    try:
        cursor = connection.execute("SELECT * FROM event ORDER BY server_seq")
        return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def _insert_once(path: Path, columns: list[str], rows: list[tuple[Any, ...]]) -> float:
    connection = _connect(path)
    try:
        sql = f"INSERT INTO event ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        with Stopwatch() as watch:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(sql, rows)
            connection.execute("COMMIT")
        return watch.seconds
    finally:
        connection.close()


def raw_insert_seconds(empty_copy: Path, columns: list[str], rows: list[tuple[Any, ...]], repeats: int = 3) -> float:
    """Best time to `executemany` the rows into fresh copies of the pre-push database."""
    timings = []
    for attempt in range(repeats):
        target = empty_copy.with_name(f"baseline-insert-{attempt}.sqlite3")
        shutil.copyfile(empty_copy, target)
        timings.append(_insert_once(target, columns, rows))
    return min(timings)


def _pull_once(path: Path, organization_id: int, page: int) -> tuple[float, int]:
    connection = _connect(path)
    sql = (f"SELECT {', '.join(PULL_COLUMNS)} FROM event WHERE organization_id = ? AND server_seq > ? "
           "ORDER BY server_seq LIMIT ?")
    try:
        with Stopwatch() as watch:
            after, count = 0, 0
            while True:
                rows = connection.execute(sql, (organization_id, after, page)).fetchall()
                events = [{**dict(zip(PULL_COLUMNS, row)), "payload": json.loads(row[11]), "flags": json.loads(row[12])}
                          for row in rows]
                body = json.dumps({"events": events, "next": rows[-1][9] if rows else after, "more": len(rows) == page})
                count += len(events)
                if len(rows) < page or not body:
                    break
                after = rows[-1][9]
        return watch.seconds, count
    finally:
        connection.close()


def raw_pull_seconds(path: Path, organization_id: int, page: int, repeats: int = 3) -> tuple[float, int]:
    """Best time of SELECT + json.dumps of every event, in the same page size as the API pull."""
    results = [_pull_once(path, organization_id, page) for _ in range(repeats)]
    return min(seconds for seconds, _ in results), results[0][1]
