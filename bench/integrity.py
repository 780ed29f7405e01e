"""Proof that every event sent was stored exactly once: the one result a benchmark may not fail.

Speed is reported; correctness is enforced. Three independent witnesses are compared with the
ids the devices sent: the push answers (one result per event, all accepted), the rows in the
database (no id missing or extra, no device_seq or server_seq twice, nothing in quarantine)
and what a pull hands back (every id once).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


def _norm(value: Any) -> str:
    return str(uuid.UUID(str(value)))


@dataclass
class Integrity:
    """Problems found, by witness; empty means every event was stored exactly once."""

    sent: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def compare(self, witness: str, seen: Iterable[Any], sent_ids: set[str]) -> None:
        counts = Counter(_norm(value) for value in seen)
        duplicated = sum(1 for count in counts.values() if count > 1)
        missing = len(sent_ids - counts.keys())
        extra = len(counts.keys() - sent_ids)
        for what, number in (("missing", missing), ("duplicated", duplicated), ("unexpected", extra)):
            if number:
                self.problems.append(f"{witness}: {number} event id(s) {what}")

    def figures(self) -> dict[str, Any]:
        return {"sent": self.sent, "exactly_once": self.ok, "problems": self.problems}


def check_results(integrity: Integrity, results: list[dict[str, Any]], sent_ids: set[str]) -> None:
    """The push answers: one per event sent, and every one `accepted`."""
    integrity.compare("push results", (result["id"] for result in results), sent_ids)
    statuses = Counter(result["status"] for result in results)
    if set(statuses) - {"accepted"}:
        integrity.problems.append(f"push results: not all accepted: {dict(statuses)}")


def check_database(integrity: Integrity, path: Path, sent_ids: set[str]) -> None:
    """The stored rows, read with plain sqlite3 (not through the code under test)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT id, device_id, device_seq, server_seq FROM event").fetchall()
        quarantined = connection.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    finally:
        connection.close()
    integrity.compare("database", (row[0] for row in rows), sent_ids)
    if len({(_norm(row[1]), row[2]) for row in rows}) != len(rows):
        integrity.problems.append("database: a (device_id, device_seq) stored twice")
    if len({row[3] for row in rows}) != len(rows):
        integrity.problems.append("database: a server_seq handed out twice")
    if quarantined:
        integrity.problems.append(f"database: {quarantined} submission(s) in quarantine")


def check_pulled(integrity: Integrity, events: list[dict[str, Any]], sent_ids: set[str]) -> None:
    """What a pull hands back: every event once, in strictly increasing server_seq."""
    integrity.compare("pull", (event["id"] for event in events), sent_ids)
    seqs = [event["server_seq"] for event in events]
    if any(later <= earlier for earlier, later in zip(seqs, seqs[1:])):
        integrity.problems.append("pull: server_seq not strictly increasing")
