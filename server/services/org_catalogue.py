"""The catalogue an organization works with: the packaged products.json overlaid with the
organization's latest revision of each protocol row.

Every lookup of a protocol for an organization's visit goes through `catalog_for`, and the tablet
receives `products_document_for`: the server's fold, the review, the summary and the tablet read the
same rows. An organization with no revisions works with the packaged file as it is.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from server.clinical.products import Catalog, load_products
from server.db.catalogue_models import CatalogueRevision

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
    latest: dict[str, CatalogueRevision] = {}
    for revision in await CatalogueRevision.filter(organization_id=organization_id).order_by("protocol_id", "number"):
        latest[revision.protocol_id] = revision
    return latest


def overlay(document: dict[str, Any], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`document` with each row whose protocol_id is in `rows` replaced by that row. A field the stored
    row lacks (one a later products.json added) comes from the packaged row, so an older revision still
    loads; rows of protocols the packaged file no longer has are left out (nothing to overlay)."""
    return {**document, "products": [{**row, **rows.get(row["protocol_id"], {})} for row in document["products"]]}


async def products_document_for(organization_id: int) -> dict[str, Any]:
    """The organization's catalogue in the shape of products.json (what the tablet receives)."""
    latest = await latest_revisions(organization_id)
    return overlay(packaged_document(), {pid: revision.row for pid, revision in latest.items()})


@lru_cache(maxsize=64)
def _catalog_of(rows_text: str) -> Catalog:
    """The packaged file overlaid with `rows_text` (the organization's rows as sorted JSON), loaded once
    per distinct content: every fold of a visit asks for it."""
    return load_products(overlay(packaged_document(), json.loads(rows_text)))


async def catalog_for(organization_id: int) -> Catalog:
    """The organization's catalogue, checked by the same loader as the packaged file."""
    latest = await latest_revisions(organization_id)
    rows = {pid: revision.row for pid, revision in latest.items()}
    return _catalog_of(json.dumps(rows, sort_keys=True))
