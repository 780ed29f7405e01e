"""Reading one event of a push: its content hash and its envelope fields.

The hash covers everything the device sent for the event, canonically encoded, so a retry
is recognised as the same event and anything different under the same id as a collision.
"""

from __future__ import annotations

import hashlib
import json
import re
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


_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: Any) -> bool:
    """True when any text holds NUL or a lone surrogate: no database can store those as text.

    (A character outside the basic plane, an emoji, is one code point in Python, never a
    surrogate, so only broken text matches.)"""
    if isinstance(value, str):
        return _UNSTORABLE_CHARACTER.search(value) is not None
    if isinstance(value, dict):
        return any(unstorable(key) or unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(unstorable(item) for item in value)
    return False


# In JSON text, NUL and lone surrogates can only arrive escaped (a raw control character or an
# unencodable byte makes the body unreadable). A body without `\u0000` or `\uD8..`-`\uDF..`
# escapes therefore holds no unstorable text, and its events need not be walked one by one.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def may_hold_unstorable(body: bytes) -> bool:
    """False when no text in this JSON body can hold NUL or a lone surrogate (an emoji or a
    literal backslash may make it True: the events are then checked exactly)."""
    return _SUSPECT_ESCAPE.search(body) is not None


def sent_json(raw: dict[str, Any]) -> str:
    """The event as sent, as ASCII JSON text: lossless even for characters a database refuses."""
    return json.dumps(raw, ensure_ascii=True, separators=(",", ":"))


def read_candidate(raw: dict[str, Any], event_id: UUID, *, check_text: bool = True) -> Candidate | Refusal:
    """The event's envelope fields, or why they cannot be read (the event is then quarantined).
    `event_id` is `raw["id"]`, already read by the engine; `check_text=False` when the body was
    screened by `may_hold_unstorable`."""
    if check_text and unstorable(raw):
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
        id=event_id, visit_id=visit_id, device_seq=int(raw["device_seq"]), kind=kind,
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
