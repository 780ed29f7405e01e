"""The history of one catalogue row: every revision with who made it, when, why, and what changed
from the revision before (or from the packaged row), for a pharmacist about to verify it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server import access, audit
from server.db.catalogue_models import CatalogueRevision
from server.db.models import User
from server.services import org_catalogue
from server.services.catalogue_revisions import changed_fields, current


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    """One revision and what it changed; `number` 0 is the packaged row."""

    number: int
    kind: str
    author: str
    created_at: datetime | None
    reason: str
    verified_on: date | None
    changes: list[Change]


def shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value) or "—"
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The fields that differ, each shown as a person reads it."""
    return [Change(key, shown(before.get(key)), shown(after.get(key))) for key in changed_fields(before, after)]


async def _names(organization_id: int, revisions: list[CatalogueRevision]) -> dict[int, str]:
    ids = {revision.author_id for revision in revisions}  # type: ignore[attr-defined]
    rows = await User.filter(organization_id=organization_id, id__in=list(ids)).values("id", "display_name")
    return {row["id"]: row["display_name"] for row in rows}


async def history_for(user: User, protocol_id: str) -> dict[str, Any]:
    """The row now, its difference from the packaged row, and every revision newest first (audited)."""
    now = await current(user.organization_id, protocol_id)
    packaged = org_catalogue.packaged_row(protocol_id)
    revisions = await CatalogueRevision.filter(
        organization_id=user.organization_id, protocol_id=protocol_id).order_by("number")
    names = await _names(user.organization_id, revisions)
    version = org_catalogue.packaged_document()["version"]
    entries, before = [Entry(0, "packaged", "ivlog", None, f"products data {version}", None, [])], packaged
    for revision in revisions:
        entries.append(Entry(revision.number, str(revision.kind), names.get(revision.author_id, "?"),  # type: ignore[attr-defined]
                             revision.created_at, revision.reason, revision.verified_on, diff(before, revision.row)))
        before = revision.row
    await audit.record("catalogue.history", actor=access.actor(user), object_type="catalogue_row",
                       object_id=protocol_id, detail={"revisions": len(revisions)})
    return {"protocol_id": protocol_id, "row": now.row, "number": now.number, "entries": entries[::-1],
            "from_packaged": diff(packaged, now.row)}
