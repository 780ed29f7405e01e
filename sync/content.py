"""Reading one event of a push: its content hash and its envelope fields.

The hash covers everything the device sent for the event, canonically encoded, so a retry
is recognised as the same event and anything different under the same id as a collision.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from sync.policy import Candidate, Refusal

REQUIRED = ("visit_id", "kind", "schema", "occurred_at", "recorded_at", "payload")


def content_sha256(raw: dict[str, Any]) -> str:
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


UNSTORABLE = Refusal(
    "invalid_characters",
    "The entry holds a character that cannot be stored (an invisible control character or a broken "
    "symbol, often from pasted text). Re-enter the text and save it again.",
)


def unstorable(value: Any) -> bool:
    """True when any text holds NUL or a lone surrogate: no database can store those as text."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, dict):
        return any(unstorable(key) or unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(unstorable(item) for item in value)
    return False


def sent_json(raw: dict[str, Any]) -> str:
    """The event as sent, as ASCII JSON text: lossless even for characters a database refuses."""
    return json.dumps(raw, ensure_ascii=True, separators=(",", ":"))


def read_candidate(raw: dict[str, Any]) -> Candidate | Refusal:
    """The event's envelope fields, or why they cannot be read (the event is then quarantined)."""
    if unstorable(raw):
        return UNSTORABLE
    missing = [name for name in REQUIRED if name not in raw]
    if missing:
        return Refusal("invalid_envelope", f"The entry is missing {', '.join(missing)}.")
    try:
        visit_id = UUID(str(raw["visit_id"]))
    except ValueError:
        return Refusal("invalid_envelope", "visit_id is not a valid id.")
    kind, schema = raw["kind"], raw["schema"]
    if not isinstance(kind, str) or not 0 < len(kind) <= 64:
        return Refusal("invalid_envelope", "kind must be a short text.")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 0:
        return Refusal("invalid_envelope", "schema must be a whole number.")
    times = [_aware(raw[name]) for name in ("occurred_at", "recorded_at")]
    if None in times:
        return Refusal("invalid_envelope", "occurred_at and recorded_at must be times with a time zone.")
    return Candidate(
        id=UUID(str(raw["id"])), visit_id=visit_id, device_seq=int(raw["device_seq"]), kind=kind,
        schema=schema, occurred_at=times[0], recorded_at=times[1], payload=raw["payload"],
    )


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
