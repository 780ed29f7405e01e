"""Entries with extreme clinical times written straight into the log, as an older server (one
without the visit's time window) would have accepted them: the views must stay fast and small."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.connection import get_connection

from server.db.models import Visit
from sync import store
from tests.clinical.script import BASELINE

EXTREMES = (
    datetime(2, 1, 1, tzinfo=timezone.utc),
    datetime(1900, 1, 1, tzinfo=timezone.utc),
    datetime(2019, 6, 1, 8, 0, tzinfo=timezone.utc),
    datetime(2300, 1, 1, tzinfo=timezone.utc),
    datetime(9998, 12, 31, 12, 0, tzinfo=timezone.utc),
)


def _row(visit: Visit, seq: int, device_seq: int, kind: str, payload: dict[str, Any], at: datetime,
         device_id: uuid.UUID) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "organization_id": visit.organization_id, "visit_id": visit.id,
            "device_id": device_id, "device_seq": device_seq, "kind": kind, "schema": 1, "occurred_at": at,
            "recorded_at": at, "received_at": datetime.now(timezone.utc), "server_seq": seq,
            "author_id": visit.nurse_id, "payload": payload, "content_sha256": "0" * 64, "flags": ["future_time"]}


async def store_extreme_entries(visit: Visit, moments: tuple[datetime, ...] = EXTREMES) -> None:
    """Vitals, a rate change and a reaction at each moment, stored as an older server stored them."""
    connection = get_connection("default")
    seq, device_id = await store.last_seq(connection) + 1, uuid.uuid4()
    rows = []
    for moment in moments:
        for kind, payload in (("vitals", dict(BASELINE)),
                              ("infusion.rate_changed", {"rate_ml_h": 70, "reason": "titration"}),
                              ("reaction.observed", {"grade": 1, "symptoms": ["chills"], "actions": ["slowed"],
                                                     "outcome": "resolved", "notified": []})):
            rows.append(_row(visit, seq, 1000 + len(rows), kind, payload, moment, device_id))
            seq += 1
    await store.insert_events(connection, rows)
