"""The organization's tablet idle lock: how many minutes without a touch before a tablet asks for
the PIN. One rule for its bounds; every change is audited with the value before and after."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server import audit
from server.db.models import Organization, User

LOCK_MIN_LOW, LOCK_MIN_HIGH = 1, 30


class LockSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tablet_lock_min: int = Field(ge=LOCK_MIN_LOW, le=LOCK_MIN_HIGH)


async def lock_minutes(organization_id: int, default: int) -> int:
    """The minutes a tablet of this organization waits; `default` (the deployment's) when unset."""
    organization = await Organization.get(id=organization_id)
    return organization.tablet_lock_min if organization.tablet_lock_min is not None else default


async def set_lock_minutes(*, admin: User, data: LockSetting) -> None:
    organization = await Organization.get(id=admin.organization_id)
    before = organization.tablet_lock_min
    organization.tablet_lock_min = data.tablet_lock_min
    await organization.save(update_fields=["tablet_lock_min"])
    await audit.record("organization.tablet_lock_set", actor=audit.Actor(admin.id, admin.organization_id),
                       object_type="organization", object_id=organization.id,
                       detail={"before": before, "after": data.tablet_lock_min})
