"""Sign-off releases the physician summary: an inbox item, a disclosure, and mail when possible.

The release follows the event log, like a pull: `release_signoffs` reads `review.signed` events
after a stored cursor (`server_seq` is assigned in commit order, so none is skipped) and releases
each exactly once. A sign-off from the desk page, from the sync API or one cut short by a restart
is released all the same; the desk page calls it right after signing so the inbox fills at once,
and the delivery worker calls it on every poll.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.db.models import User, Visit
from server.db.review_models import DisclosureChannel, InboxItem, OutboxMessage, ReleaseCursor
from server.services import disclosures
from sync.models import Event

logger = logging.getLogger("ivlog.release")

SIGNOFF_KIND = "review.signed"
CURSOR_ID = 1
BATCH = 100


async def _cursor() -> int:
    cursor = await ReleaseCursor.get_or_none(id=CURSOR_ID)
    if cursor is None:
        try:
            cursor = await ReleaseCursor.create(id=CURSOR_ID, through_seq=0)
        except IntegrityError:  # another process created it first
            cursor = await ReleaseCursor.get(id=CURSOR_ID)
    return cursor.through_seq


async def release_signoffs() -> int:
    """Release every sign-off not yet released; returns how many this call released."""
    through = await _cursor()
    rows = await Event.filter(kind=SIGNOFF_KIND, server_seq__gt=through).order_by("server_seq").limit(BATCH) \
        .values("id", "visit_id", "server_seq", "author_id")
    released = 0
    for row in rows:
        async with in_transaction("default"):
            claimed = await ReleaseCursor.filter(id=CURSOR_ID, through_seq__lt=row["server_seq"]).update(
                through_seq=row["server_seq"])
            if not claimed:
                continue  # another process released it
            await release_one(row)
            released += 1
    return released


async def release_one(signoff: dict[str, Any]) -> None:
    """Inbox item, disclosure and (with an address) outbox message for one sign-off event."""
    visit = await Visit.get(id=signoff["visit_id"]).prefetch_related("patient__physician")
    physician: User | None = visit.patient.physician
    if physician is None or not physician.active:
        logger.info("sign-off released to no one: visit=%s has no active physician", visit.id)
        return
    pharmacist = await User.get_or_none(id=signoff["author_id"])
    now = datetime.now(timezone.utc)
    if not await InboxItem.exists(physician_id=physician.id, review_event_id=signoff["id"]):
        await InboxItem.create(organization_id=visit.organization_id, physician=physician, visit=visit,
                               review_event_id=signoff["id"], released_at=now)
        await disclosures.record(visit=visit, channel=DisclosureChannel.INBOX, by=pharmacist,
                                 recipient_user=physician, review_event_id=signoff["id"])
    if physician.email and not await OutboxMessage.exists(review_event_id=signoff["id"], recipient_id=physician.id):
        await OutboxMessage.create(
            organization_id=visit.organization_id, visit=visit, recipient=physician, to_address=physician.email,
            review_event_id=signoff["id"], released_by=pharmacist, next_attempt_at=now, created_at=now,
        )
