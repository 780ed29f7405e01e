"""The physician's in-app inbox: summaries released to them at the pharmacist's sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from server import access
from server.db.models import User, Visit
from server.db.review_models import InboxItem

INBOX_LIMIT = 50


@dataclass(frozen=True)
class Inbox:
    items: list[InboxItem]
    unread: int
    revised: frozenset[int]  # items released again after a re-review: the newest of their visit
    superseded: frozenset[int]  # items a later release of their visit replaces


async def inbox_of(physician: User) -> Inbox:
    """Newest first. A visit reopened since its sign-off stays listed; its summary waits for re-review. A visit
    signed off again is released again: the earlier item says the newer one replaces it (a walk read two
    identical rows)."""
    query = InboxItem.filter(physician_id=physician.id, organization_id=physician.organization_id)
    items = await query.order_by("-released_at").limit(INBOX_LIMIT).prefetch_related("visit__patient")
    unread = await query.filter(read_at=None).count()
    newest: dict[object, int] = {}
    for item in items:  # newest first: the first seen of each visit is its current summary
        newest.setdefault(item.visit_id, item.id)
    superseded = frozenset(item.id for item in items if newest[item.visit_id] != item.id)
    revised = frozenset(newest[item.visit_id] for item in items if item.id in superseded)
    return Inbox(items=items, unread=unread, revised=revised, superseded=superseded)


def readable(item: InboxItem) -> bool:
    """Whether the summary can be opened now (physicians read only reviewed visits)."""
    return access.physician_may_read(item.visit)


async def mark_read(*, physician: User, visit: Visit) -> int:
    """The physician opened this visit's summary: every inbox item for it is read."""
    return await InboxItem.filter(physician_id=physician.id, visit_id=visit.id, read_at=None).update(
        read_at=datetime.now(timezone.utc)
    )


async def items_of_visit(visit: Visit) -> list[InboxItem]:
    return await InboxItem.filter(visit_id=visit.id).order_by("-released_at").prefetch_related("physician")
