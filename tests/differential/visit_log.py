"""A visit's sync log as the differential test writes it: event envelopes on one or two tablets whose
clocks disagree by seconds, entries typed late, and a server that has not yet received the tail.

Minutes count from the visit's start; each device adds its clock offset (milliseconds) to every time it
writes, as a real tablet does, and `recorded_after_min` delays the moment an entry was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=timezone.utc)


def instant(moment: datetime, zone_min: int = 0) -> str:
    """ISO-8601 with milliseconds only when there are some: in UTC with "Z" (the sync log's own form), or
    in a tablet's local time with its offset (zone_min east of UTC), which the sync log also accepts."""
    local = moment.astimezone(timezone(timedelta(minutes=zone_min)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    millis = local.microsecond // 1000
    text = f"{text}.{millis:03d}" if millis else text
    if zone_min == 0:
        return text + "Z"
    sign, offset = "+" if zone_min > 0 else "-", abs(zone_min)
    return f"{text}{sign}{offset // 60:02d}:{offset % 60:02d}"


@dataclass
class Device:
    """A tablet: its id, the nurse signed in on it, how far its clock runs ahead (ms, may be < 0), and
    the time zone it writes times in (minutes east of UTC)."""

    device_id: str
    author_id: str
    offset_ms: int = 0
    seq: int = 0
    zone_min: int = 0


@dataclass
class VisitLog:
    """Appends sync-log events; `add` returns the new event's id."""

    t0: datetime = T0
    visit_id: str = "visit-1"
    events: list[dict[str, Any]] = field(default_factory=list)

    def at(self, minute: float, offset_ms: int = 0) -> datetime:
        return self.t0 + timedelta(minutes=minute, milliseconds=offset_ms)

    def add(self, device: Device, minute: float, kind: str, payload: dict[str, Any], *,
            recorded_after_min: float = 0, schema: int = 1, author_id: str | None = None) -> str:
        device.seq += 1
        event_id = f"ev-{len(self.events) + 1:03d}"
        self.events.append({
            "id": event_id, "visit_id": self.visit_id, "device_id": device.device_id, "device_seq": device.seq,
            "kind": kind, "schema": schema, "occurred_at": instant(self.at(minute, device.offset_ms), device.zone_min),
            "recorded_at": instant(self.at(minute + recorded_after_min, device.offset_ms), device.zone_min),
            "received_at": None, "server_seq": None, "author_id": author_id or device.author_id,
            "payload": payload,
        })
        return event_id

    def find(self, event_id: str) -> dict[str, Any]:
        return next(event for event in self.events if event["id"] == event_id)

    def synced(self, unsynced_tail: int) -> list[dict[str, Any]]:
        """The events with server_seq in the order the server received them (recorded time, then the
        log's order); the last `unsynced_tail` are still on the tablet (server_seq null)."""
        arrival = sorted(self.events, key=lambda e: (datetime.fromisoformat(e["recorded_at"]), int(e["id"][3:])))
        cutoff = len(arrival) - unsynced_tail
        for position, event in enumerate(arrival):
            event["server_seq"] = position + 1 if position < cutoff else None
        return self.events
