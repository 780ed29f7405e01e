"""Everything a tablet needs to work a visit offline, in one document with an ETag.

The tablet fetches it after login and whenever it is online; `If-None-Match` makes the
usual answer an empty 304. Clinical data files travel as they are, so the tablet's
rules.js reads exactly the thresholds the server reads.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from server import access
from server.db.models import User, VisitStatus
from server.public import order_public, patient_public, visit_public
from server.services import org_catalogue, tablet_lock
from server.services.reference_shape import in_shape
from server.services.visits import context_json

DATA_DIR = Path(__file__).resolve().parent.parent / "clinical" / "data"
OPEN_VISITS = (VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED, VisitStatus.REOPENED)
WINDOW = timedelta(days=7)


@lru_cache(maxsize=1)
def rule_data() -> dict[str, Any]:
    return {
        "rules": json.loads((DATA_DIR / "rules.json").read_text()),
        "ranges": json.loads((DATA_DIR / "ranges.json").read_text()),
    }


async def clinical_data(organization_id: int) -> dict[str, Any]:
    """The data files, with the organization's catalogue in place of the packaged products file:
    each row carries its `verified_on` (null: the tablet shows "Unverified protocol")."""
    products = await org_catalogue.products_document_for(organization_id)
    return {"products": products, "protocols": products["products"], **rule_data()}


async def reference_for(user: User, lock_default: int, shape: int) -> tuple[dict[str, Any], str]:
    """The document in the `shape` the tablet's code reads (reference_shape.py) and its ETag (a hash of
    that content, so any change, and the other shape, makes a new one). It carries the organization's
    idle lock (`lock_default` when unset), so a change reaches tablets at a sync."""
    now = datetime.now(timezone.utc)
    patients = await (await access.patients(user)).order_by("family_name", "given_name")
    orders = await (await access.orders(user)).filter(active=True).order_by("id")
    visits = await (await access.visits(user)).filter(
        status__in=OPEN_VISITS, scheduled_at__gte=now - WINDOW, scheduled_at__lt=now + WINDOW
    ).order_by("scheduled_at")
    document = in_shape({
        "user": {"id": user.id, "display_name": user.display_name, "role": user.role},
        "lock_after_min": await tablet_lock.lock_minutes(user.organization_id, lock_default),
        "patients": [patient_public(p) for p in patients],
        "orders": [order_public(o) for o in orders],
        "visits": [{**visit_public(v), "context": await context_json(v)} for v in visits],
        **await clinical_data(user.organization_id),
    }, shape)
    await access.audit_list(user, "reference", len(patients))
    body = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return document, '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
