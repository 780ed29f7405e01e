"""An order's revision history as the pharmacy page shows it: each earlier revision, who replaced it and
when, and the fields the edit changed, in the words of the order form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db.models import Order, OrderRevision
from server.services.orders import ORDER_FIELDS, snapshot


@dataclass(frozen=True)
class RevisionRow:
    """A past revision of an order, and what the edit that replaced it changed."""

    revision: int
    snapshot: dict[str, Any]
    replaced_at: datetime
    replaced_by: str
    changed: list[str]


def history(order: Order, revisions: list[OrderRevision]) -> list[RevisionRow]:
    """Newest first. Needs each revision's `changed_by` fetched."""
    ordered = sorted(revisions, key=lambda r: r.revision)
    successors = [r.snapshot for r in ordered[1:]] + [snapshot(order)]
    rows = [
        RevisionRow(
            revision=r.revision, snapshot=r.snapshot, replaced_at=r.changed_at,
            replaced_by=r.changed_by.display_name,
            changed=[label for name, label in ORDER_FIELDS.items() if r.snapshot.get(name) != after.get(name)],
        )
        for r, after in zip(ordered, successors)
    ]
    return rows[::-1]
