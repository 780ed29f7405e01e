"""The catalogue an organization works with: the packaged products.json overlaid with the
organization's latest revision of each protocol row.

Every lookup of a protocol for an organization's visit goes through `catalog_for`, and the tablet
receives `products_document_for`: the server's fold, the review, the summary and the tablet read the
same rows. An organization with no revisions works with the packaged file as it is.

A visit is folded with the catalogue as it stood when the visit began (`as_of`): an edit made after
that changes no visit already begun, so a clinical record is never silently altered.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from datetime import datetime
from typing import Any

from server.clinical.products import Catalog, load_products
from server.db.catalogue_models import CatalogueRevision, RevisionKind

PRODUCTS_FILE = Path(__file__).resolve().parent.parent / "clinical" / "data" / "products.json"


@lru_cache(maxsize=1)
def packaged_text() -> str:
    return PRODUCTS_FILE.read_text("utf-8")


def packaged_document() -> dict[str, Any]:
    """A fresh copy of the packaged file (callers may change it)."""
    document: dict[str, Any] = json.loads(packaged_text())
    return document


def packaged_row(protocol_id: str) -> dict[str, Any]:
    for row in packaged_document()["products"]:
        if row["protocol_id"] == protocol_id:
            return dict(row)
    raise KeyError(f"no protocol {protocol_id!r} in the packaged catalogue")


async def latest_revisions(organization_id: int) -> dict[str, CatalogueRevision]:
    """Each protocol's latest revision in this organization (protocols never revised are absent)."""
    return await revisions_as_of(organization_id, None)


async def revisions_as_of(organization_id: int, as_of: datetime | None) -> dict[str, CatalogueRevision]:
    """Each protocol's revision a visit begun at `as_of` works under (`None`: the latest); protocols
    whose packaged row applies are absent. The table is append-only, so "as of" is a filter on time."""
    chains: dict[str, list[CatalogueRevision]] = {}
    for revision in await CatalogueRevision.filter(organization_id=organization_id).order_by("protocol_id", "number"):
        chains.setdefault(revision.protocol_id, []).append(revision)
    pinned = {pid: _pinned(chain, as_of) for pid, chain in chains.items()}
    return {pid: revision for pid, revision in pinned.items() if revision is not None}


def _pinned(chain: list[CatalogueRevision], as_of: datetime | None) -> CatalogueRevision | None:
    """The latest revision made at or before `as_of`, followed by the verifications that signed those
    same values afterwards (a verification changes no clinical value: the visit's ladder is then a
    verified one); the first later edit ends it. None: the packaged row."""
    pinned = None
    for revision in chain:
        if as_of is not None and revision.created_at > as_of and revision.kind != RevisionKind.VERIFY:
            break
        pinned = revision
    return pinned


async def revision_number(organization_id: int, protocol_id: str, as_of: datetime | None) -> int:
    """The number of the protocol's revision a visit begun at `as_of` works under (0: the packaged row)."""
    revision = (await revisions_as_of(organization_id, as_of)).get(protocol_id)
    return 0 if revision is None else revision.number


async def rows_as_of(organization_id: int, as_of: datetime | None) -> dict[str, dict[str, Any]]:
    """The organization's own rows as of `as_of` (`None`: now), by protocol id."""
    return {pid: revision.row for pid, revision in (await revisions_as_of(organization_id, as_of)).items()}


async def rows_changed_since(organization_id: int, as_of: datetime) -> dict[str, dict[str, Any]]:
    """The rows as of `as_of` that the current catalogue no longer holds as they were (an edit, or a
    verification, made later): what a tablet folding a visit begun at `as_of` must use instead."""
    then, now = await rows_as_of(organization_id, as_of), await rows_as_of(organization_id, None)
    packaged = {row["protocol_id"]: row for row in packaged_document()["products"]}
    changed = sorted(pid for pid in (set(then) | set(now)) & set(packaged) if then.get(pid) != now.get(pid))
    return {pid: {**packaged[pid], **then.get(pid, {})} for pid in changed}


def overlay(document: dict[str, Any], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`document` with each row whose protocol_id is in `rows` replaced by that row. A field the stored
    row lacks (one a later products.json added) comes from the packaged row, so an older revision still
    loads; rows of protocols the packaged file no longer has are left out (nothing to overlay)."""
    return {**document, "products": [{**row, **rows.get(row["protocol_id"], {})} for row in document["products"]]}


async def products_document_for(organization_id: int) -> dict[str, Any]:
    """The organization's catalogue in the shape of products.json (what the tablet receives)."""
    return overlay(packaged_document(), await rows_as_of(organization_id, None))


@lru_cache(maxsize=64)
def _catalog_of(rows_text: str) -> Catalog:
    """The packaged file overlaid with `rows_text` (the organization's rows as sorted JSON), loaded once
    per distinct content: every fold of a visit asks for it."""
    return load_products(overlay(packaged_document(), json.loads(rows_text)))


async def catalog_for(organization_id: int, as_of: datetime | None = None) -> Catalog:
    """The organization's catalogue as it stood at `as_of` (`None`: now), checked by the same loader
    as the packaged file."""
    rows = await rows_as_of(organization_id, as_of)
    return _catalog_of(json.dumps(rows, sort_keys=True))
