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


async def inbox_of(physician: User) -> Inbox:
    """Newest first. A visit reopened since its sign-off stays listed; its summary waits for re-review."""
    query = InboxItem.filter(physician_id=physician.id, organization_id=physician.organization_id)
    items = await query.order_by("-released_at").limit(INBOX_LIMIT).prefetch_related("visit__patient")
    unread = await query.filter(read_at=None).count()
    return Inbox(items=items, unread=unread)


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
