"""Wire models of the sync protocol, version 1 (DESIGN section 5).

The envelope is strict: a push without a readable `id` and `device_seq` for every event is
malformed and refused whole (400, nothing stored). Everything else about an event is checked
later, one event at a time, so that a bad event is quarantined rather than dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, SkipValidation, field_validator

PROTOCOL_VERSION = 1
MAX_EVENTS = 5_000
MAX_SEQ = 2**63 - 1  # server_seq and device_seq are 64-bit integer columns
MAX_BYTES = 5 * 1024 * 1024
# How deep JSON may nest (sync.nesting). An entry's fields nest at most MAX_DEPTH levels: the deepest the
# app records is 4 (an amendment's payload holding a reaction's list of notifications), so 32 leaves room
# to grow and stays far below what anything here walks recursively (orjson writes 255 levels; the standard
# library's json is handed at most nesting.SAFE_DEPTH, 256). A deeper entry is kept aside (`too_deep`) and
# the rest of the push stored. A push is read to MAX_PUSH_DEPTH levels (orjson's own limit; 256 when the
# standard library must read it, for a lone surrogate or a huge integer); deeper, it is refused whole (400).
MAX_DEPTH = 32
MAX_PUSH_DEPTH = 1_024
# Entries one visit holds at most: a six-hour infusion records about 100; past this a nurse's flood of her own
# visit made its review page take 8 s and stalled the server (penetration test). Later ones are kept aside.
MAX_VISIT_EVENTS = 1_000
MAX_REASON = 1_000  # characters of a reason stored and answered: a host's may name every field a payload should not have
MAX_SURRENDERED = 20_000  # entries one revoked tablet may hand over in all (a stolen one could send junk)
MAX_PULL = 5_000
DEFAULT_PULL = 1_000
FUTURE_TOLERANCE_S = 300  # events more than 5 min ahead of the server, after correction, are flagged
# Times must fall in these years: one of year 1 or 9999 in another zone has no UTC equivalent in Python.
MIN_YEAR, MAX_YEAR = 2, 9998

PushStatus = Literal["accepted", "duplicate", "quarantined", "collision"]


class PushRequest(BaseModel):
    """The envelope. Its events are not copied here (pydantic would rebuild every event's dict,
    measured at a few percent of a rush's CPU): the engine checks that each is an object with
    an id and a device_seq, and reads the rest of each one on its own."""

    model_config = ConfigDict(extra="forbid")

    protocol: int
    device_id: UUID
    batch_id: UUID
    sent_at: AwareDatetime
    events: list[SkipValidation[dict[str, Any]]]

    @field_validator("sent_at")
    @classmethod
    def _storable_year(cls, value: datetime) -> datetime:
        """The clock offset and the future-time horizon are computed from `sent_at`."""
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"must be a time in the years {MIN_YEAR} to {MAX_YEAR}")
        return value


class PushResult(BaseModel):
    id: UUID
    status: PushStatus
    server_seq: int | None = None
    reason: str = ""
    code: str = ""


class DeviceState(BaseModel):
    acked_through: int
    gaps: list[tuple[int, int]]
    wiped: bool = False
    revoked: bool = False  # a surrender's answer: the tablet was revoked, what it sent is kept aside
    revoked_reason: str = ""
    kept_aside: int = 0  # a surrender's answer: entries of this tablet kept aside since its revocation
    revoked_text: str = ""  # a surrender's answer: what the tablet tells its user once it has wiped itself


class PushResponse(BaseModel):
    protocol: int = PROTOCOL_VERSION
    server_time: datetime
    clock_offset_ms: int
    results: list[PushResult]
    device: DeviceState
    client_update_required: bool = False
