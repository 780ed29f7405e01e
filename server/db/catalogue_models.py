"""The organization's own catalogue: every change to a protocol row is a new revision, never an update.

The packaged `products.json` is every organization's starting point. A pharmacist's edit or
verification appends a `CatalogueRevision` holding the whole row as it now reads; the organization's
catalogue is the packaged file overlaid with the latest revision of each protocol row
(`server.services.org_catalogue`). A row is verified when its latest revision is a verification.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RevisionKind(StrEnum):
    EDIT = "edit"  # a pharmacist changed clinical values; the row is unverified again
    VERIFY = "verify"  # a pharmacist checked the row as it stood and signed it with name and date


class CatalogueRevision(Model):
    """One protocol row of one organization as a pharmacist left it. Append-only."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="catalogue_revisions")
    protocol_id = fields.CharField(max_length=64)
    number = fields.IntField()  # 1, 2, ... per organization and protocol; 0 is the packaged row
    kind = fields.CharEnumField(RevisionKind, max_length=8)
    row = fields.JSONField()  # the whole row, in the shape of a products.json row
    reason = fields.TextField()
    author = fields.ForeignKeyField("ivlog.User", related_name="catalogue_revisions")
    created_at = fields.DatetimeField()
    verified_on = fields.DateField(null=True)  # set on a verification only

    class Meta:
        table = "catalogue_revision"
        unique_together = (("organization", "protocol_id", "number"),)
