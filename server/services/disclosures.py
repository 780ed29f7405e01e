"""Recording each disclosure of a visit summary: who, to whom, what, when (CLINICAL section 5).

Every view, download, export, inbox release and mail of a summary leaves one `Disclosure` row
(names and addresses as they were at the time, for the accounting of disclosures) and one audit
entry (ids only, as every audit entry).
"""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from server import audit
from server.db.models import User, Visit
from server.db.review_models import Disclosure, DisclosureChannel

CONTENT_BY_CHANNEL = {
    DisclosureChannel.SCREEN: "summary.html",
    DisclosureChannel.PDF: "summary.pdf",
    DisclosureChannel.FHIR: "fhir.bundle",
    DisclosureChannel.INBOX: "summary.html",
    DisclosureChannel.EMAIL: "summary.pdf",
}


async def record(
    *, visit: Visit, channel: DisclosureChannel, by: User | None, recipient_user: User | None,
    recipient: str = "", review_event_id: UUID | None = None,
) -> Disclosure:
    """One disclosure of `visit`'s summary through `channel`; `recipient` defaults to the user's name."""
    content = CONTENT_BY_CHANNEL[channel]
    disclosure = await Disclosure.create(
        organization_id=visit.organization_id, visit_id=visit.id, patient_id=visit.patient_id,
        disclosed_by=by, recipient_user=recipient_user,
        recipient=recipient or (recipient_user.display_name if recipient_user else ""),
        channel=channel, content=content, review_event_id=review_event_id, at=datetime.now(timezone.utc),
    )
    actor = audit.Actor(user_id=by.id if by else None, organization_id=visit.organization_id)
    await audit.record(
        f"disclosure.{channel}", actor=actor, object_type="visit", object_id=visit.id,
        detail={"disclosure_id": disclosure.id, "content": content,
                "recipient_user_id": recipient_user.id if recipient_user else None},
    )
    return disclosure


async def of_visit(visit: Visit) -> list[Disclosure]:
    return await Disclosure.filter(visit_id=visit.id).order_by("-at").prefetch_related("disclosed_by")
