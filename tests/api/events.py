"""Realistic visits for the real server: the clinical scripts, re-addressed for a real visit.

The clinical test scripts (tests/clinical/visits.py) write a visit minute by minute with
readable ids; here each event gets a UUID, the visit's id, our patient and order ids, and
the device's own `device_seq`. Server-side fields (server_seq, received_at, author) go.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.clinical.script import VisitScript

SERVER_FIELDS = ("device_id", "received_at", "server_seq", "author_id")


def readdress(script: VisitScript, *, visit_id: uuid.UUID, patient_id: int, order_id: int,
              first_seq: int = 1) -> list[dict[str, Any]]:
    ids = {event["id"]: str(uuid.uuid4()) for event in script.events}
    events = []
    for offset, original in enumerate(script.events):
        event = copy.deepcopy(original)
        for name in SERVER_FIELDS:
            event.pop(name, None)
        event["id"] = ids[event["id"]]
        event["visit_id"] = str(visit_id)
        event["device_seq"] = first_seq + offset
        payload = event["payload"]
        if event["kind"] == "visit.started":
            payload.update(patient_id=str(patient_id), order_id=str(order_id))
        for reference in ("target_id", "reaction_id"):  # entries naming another entry of the visit
            if reference in payload:
                payload[reference] = ids[payload[reference]]
        events.append(event)
    return events


def script_started(minutes_ago: float) -> VisitScript:
    """A script whose minute 0 was `minutes_ago`, so a finished visit lies wholly in the past."""
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return VisitScript(start=start.isoformat())


def push_body(device_id: uuid.UUID, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "protocol": 1, "device_id": str(device_id), "batch_id": str(uuid.uuid4()),
        "sent_at": datetime.now(timezone.utc).isoformat(), "events": events,
    }


def one_event(visit_id: uuid.UUID, device_seq: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(timezone.utc).isoformat()
    return {"id": str(uuid.uuid4()), "visit_id": str(visit_id), "device_seq": device_seq, "kind": kind,
            "schema": 1, "occurred_at": now, "recorded_at": now, "payload": payload}
