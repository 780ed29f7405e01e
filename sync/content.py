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

import orjson

from sync import nesting
from sync.policy import Candidate, Refusal
from sync.protocol import MAX_DEPTH, MAX_PUSH_DEPTH, MAX_YEAR, MIN_YEAR

REQUIRED = ("visit_id", "kind", "schema", "occurred_at", "recorded_at", "payload")
REQUIRED_SET = frozenset(REQUIRED)


def content_sha256(raw: dict[str, Any]) -> str:
    """The digest of the event's canonical JSON (sorted keys, compact, UTF-8), by orjson.

    Text orjson cannot encode (a lone surrogate), an integer beyond 64 bits or content nested
    deeper than orjson writes (255 levels) falls back to the standard library's canonical form
    (`legacy_sha256`): such an event is quarantined, and its retry gets the same digest, so it is
    still recognised."""
    try:
        return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except (orjson.JSONEncodeError, TypeError):
        return legacy_sha256(raw)


def legacy_sha256(raw: dict[str, Any]) -> str:
    """The digest servers before orjson stored (ASCII-escaped `json.dumps`): a retry of an event
    logged by one of them is compared with this too, so it is a duplicate, not a collision.
    Written without recursion at any depth (`sync.nesting.dumps`)."""
    return hashlib.sha256(nesting.dumps(raw, sort_keys=True).encode()).hexdigest()


def digest_against(raw: dict[str, Any], digest: str, known: set[str]) -> str:
    """`digest`, or the legacy digest when that is the one the server already holds for this id."""
    if not known or digest in known:
        return digest
    legacy = legacy_sha256(raw)
    return legacy if legacy in known else digest


def parse_json(body: bytes, *, screened: bool) -> Any:
    """A JSON body, UTF-8 only (RFC 8259). `screened`: `may_hold_unstorable(body)` is False, so
    orjson (strict, fast) may parse it; otherwise the standard library keeps lone surrogates as
    text, so that the event holding one is quarantined whole instead of refusing the batch.
    orjson reads at most `MAX_PUSH_DEPTH` levels; the standard library is handed only text measured
    at most `nesting.SAFE_DEPTH` deep. Deeper: `nesting.TooDeep`, naming the limit passed."""
    if screened:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # e.g. an integer beyond 64 bits: let the standard parser decide
    depth = nesting.text_depth(body)
    if depth > nesting.SAFE_DEPTH:
        raise nesting.TooDeep(MAX_PUSH_DEPTH if depth > MAX_PUSH_DEPTH else nesting.SAFE_DEPTH)
    return json.loads(body.decode("utf-8"))


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
    """The event as sent, as ASCII JSON text: lossless even for characters a database refuses,
    and whole at any depth (`sync.nesting.dumps`: a too-deep entry is kept, never dropped)."""
    return nesting.dumps(raw)


KNOWN_FIELDS = frozenset((*REQUIRED, "id", "device_seq", "resolves"))


def too_deep(raw: dict[str, Any]) -> Refusal | None:
    """Why an event nested deeper than `MAX_DEPTH` is kept aside, naming the field (only a field
    the protocol knows: any other name is the sender's text, of any length); None if it is not."""
    if not nesting.deeper_than(raw, MAX_DEPTH + 1):
        return None
    deep = next((key for key, value in raw.items() if nesting.deeper_than(value, MAX_DEPTH)), "")
    return nested_too_deep(f"entry's {deep}" if deep in KNOWN_FIELDS else "entry (a field the app does not send)")


def nested_too_deep(part: str = "entry") -> Refusal:
    return Refusal("too_deep", f"The {part} nests deeper than {MAX_DEPTH} levels; entries the app records nest "
                               "4 at most. It was kept aside whole: the pharmacy can see it.")


def read_candidate(raw: dict[str, Any], event_id: UUID, *, check_text: bool = True,
                   visit_ids: dict[Any, UUID] | None = None) -> Candidate | Refusal:
    """The event's envelope fields, or why they cannot be read (the event is then quarantined).
    `event_id` is `raw["id"]`, already read by the engine; `check_text=False` when the body was
    screened by `may_hold_unstorable`; `visit_ids` memoizes visit ids the batch's events share.
    Depth first: the checks after it, the host's too, may then walk the event recursively."""
    if deep := too_deep(raw):
        return deep
    if check_text and unstorable(raw):
        return UNSTORABLE
    if not raw.keys() >= REQUIRED_SET:
        missing = [name for name in REQUIRED if name not in raw]
        return Refusal("invalid_envelope", f"The entry is missing {', '.join(missing)}.")
    visit_id = visit_uuid(raw["visit_id"], visit_ids)
    if visit_id is None:
        return Refusal("invalid_envelope", "visit_id is not a valid id.")
    kind, schema = raw["kind"], raw["schema"]
    if kind.__class__ is not str or not 0 < len(kind) <= 64:
        return Refusal("invalid_envelope", "kind must be a short text.")
    if schema.__class__ is not int or schema < 0:
        return Refusal("invalid_envelope", "schema must be a whole number.")
    occurred_at, recorded_at = _aware(raw["occurred_at"]), _aware(raw["recorded_at"])
    if occurred_at is None or recorded_at is None:
        return Refusal("invalid_envelope", "occurred_at and recorded_at must be times with a time zone, "
                                           f"in the years {MIN_YEAR} to {MAX_YEAR}.")
    resolves = raw.get("resolves")
    if resolves is not None and (resolves.__class__ is not str or visit_uuid(resolves) is None):
        return Refusal("invalid_envelope", "resolves must be the id of the entry this one corrects.")
    return Candidate(event_id, visit_id, raw["device_seq"], kind, schema, occurred_at, recorded_at, raw["payload"])


def visit_uuid(value: Any, memo: dict[Any, UUID] | None = None) -> UUID | None:
    """The visit id an event names, or None if it names none (only text can: `str()` of a list
    nested a thousand deep would recurse); `memo` keeps ids already parsed."""
    if value.__class__ is not str:
        return None
    memo = {} if memo is None else memo
    if value in memo:
        return memo[value]
    try:
        parsed = UUID(value)
    except ValueError:
        return None
    memo[value] = parsed
    return parsed


def _aware(value: Any) -> datetime | None:
    if value.__class__ is not str:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and MIN_YEAR <= parsed.year <= MAX_YEAR else None
