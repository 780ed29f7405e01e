"""Events as the fold reads them, and the one deterministic order they are read in.

The same set of events must fold to the same state on every device and on the server, whatever order
they arrived in, so events are sorted by clinical time and then by fields that never tie:
(occurred_at, recorded_at, device_id, device_seq, id). Strings compare by code point; ids are ASCII.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.clinical.clock import parse_instant
from server.clinical.events import validate_event

SortKey = tuple[datetime, datetime, str, int, str]


def sort_key(event: dict[str, Any]) -> SortKey:
    """The fold's order for a sync-log event dict; a missing device is "" and sequence 0."""
    return (
        parse_instant(event["occurred_at"]),
        parse_instant(event["recorded_at"]),
        event.get("device_id") or "",
        event.get("device_seq") or 0,
        event["id"],
    )


@dataclass(frozen=True)
class Entry:
    """One event with parsed times and its payload validated and lifted to the current schema."""

    id: str
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    server_seq: int | None
    author_id: str | None
    payload: dict[str, Any]
    key: SortKey

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Entry:
        """Raises EventInvalid for a payload that does not validate (the fold lists it as invalid)."""
        key = sort_key(event)
        payload = validate_event(event["kind"], event["schema"], event["payload"])
        return cls(
            id=event["id"],
            kind=event["kind"],
            occurred_at=key[0],
            recorded_at=key[1],
            server_seq=event.get("server_seq"),
            author_id=event.get("author_id"),
            payload=payload,
            key=key,
        )
