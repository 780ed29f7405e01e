"""Held (quarantined) submissions as bounded views: a page of rows, each cut to a display size.

The one rule for every list of held entries: the desk's pages and the visit API (server), and a
user's own list, `GET /api/sync/quarantine` (sync.routes).

Anyone in the organization can push at a visit, and what the server cannot accept is kept whole
(nothing a device sends is dropped): one visit may hold thousands of entries of megabytes each.
So no view shows them whole: every list is a page with the total count, and the database hands
over only the first `SHOWN_CHARS` of each entry's text with its full length (penetration test,
issue 16.9). The whole entry stays stored, for the pharmacist and for its author's correction.
An entry is parsed only when it is shown whole and nests no deeper than an entry may
(`sync.protocol.MAX_DEPTH`): a kept-aside entry may nest a thousand levels (`sync.nesting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.expressions import RawSQL
from tortoise.functions import Length
from tortoise.queryset import QuerySet

from sync import nesting
from sync.models import Quarantine
from sync.protocol import MAX_DEPTH

PAGE_SIZE = 50  # held entries on one page of any view
SHOWN_CHARS = 4_096  # the text of one held entry shown at most (its stored JSON is ASCII)
FIELDS = ("id", "event_id", "visit_id", "device_id", "device_seq", "author_id", "code", "reason",
          "received_at", "resolved_by", "resolved_at", "decision", "decision_note", "decided_by")


# The first characters, cut in the database, so a 5 MB entry never reaches the server's memory. Written
# out with its constant bounds: as bound parameters PostgreSQL typed them as text.
_PREFIX = RawSQL(f"SUBSTRING(sent_json, 1, {SHOWN_CHARS})")


@dataclass(frozen=True)
class HeldPage:
    rows: list[dict[str, Any]]  # FIELDS, `size` (characters stored), `sent` (parsed, or None), `shown` (text)
    total: int  # entries the query holds in all
    next_before: int | None  # `before=` of the next (older) page, None on the last


def whole(row: dict[str, Any]) -> bool:
    return row["size"] <= SHOWN_CHARS


async def page(query: QuerySet[Quarantine], *, before: int | None = None, newest_first: bool = True,
               size: int = PAGE_SIZE) -> HeldPage:
    """One page of `query`'s held entries (keyset on id: `before`, newest first by default)."""
    total = await query.count()
    if before is not None:
        query = query.filter(id__lt=before)
    found = await query.order_by("-id" if newest_first else "id").limit(size + 1).annotate(
        size=Length("sent_json"), shown=_PREFIX).values(*FIELDS, "size", "shown")
    more = len(found) > size
    rows = [_readable(row) for row in found[:size]]
    return HeldPage(rows, total, rows[-1]["id"] if more and newest_first else None)


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """The entry parsed when it is shown whole and nests no deeper than an entry may (the event
    object is one level above its fields); else only its first characters, as text."""
    try:
        row["sent"] = nesting.loads(row["shown"], limit=MAX_DEPTH + 1) if whole(row) else None
    except nesting.TooDeep:
        row["sent"] = None
    return row


def kind_of(row: dict[str, Any]) -> str | None:
    sent = row["sent"]
    return str(sent.get("kind")) if isinstance(sent, dict) and sent.get("kind") is not None else None


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A held entry as JSON: `content` is the event as sent when it fits the display size (and
    nests no deeper than an entry may); otherwise null, with `content_chars` and `content_start`
    (its first characters)."""
    return {
        "event_id": str(row["event_id"]), "visit_id": _text(row["visit_id"]), "device_seq": row["device_seq"],
        "code": row["code"], "reason": row["reason"], "received_at": row["received_at"].isoformat(),
        "resolved_by": _text(row["resolved_by"]), "content": row["sent"], "content_chars": row["size"],
        **({} if row["sent"] is not None else {"content_start": row["shown"]}),
    }


def _text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None
