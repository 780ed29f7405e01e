"""The organization's default at-risk cap (CLINICAL.md s.2): for a patient at risk of thrombosis or renal
dysfunction on a product whose label gives no numeric at-risk cap, an order without its own cap runs under
this rate (mg/kg/min). Reviewed data: a pharmacist sets it, each change is kept on the organization with
who and when, and audited with the value before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, Field

from server import access, audit
from server.clinical.visit_context import OrganizationPolicy
from server.db.models import Organization, User

CAP_LOW, CAP_HIGH = 0.5, 8.0  # mg/kg/min: a start rate at the least, the common label maximum at the most


class AtRiskCapSetting(BaseModel):
    """An empty value clears the default: orders for such patients then need their own cap."""

    model_config = ConfigDict(extra="forbid")
    at_risk_cap_mg_kg_min: float | None = Field(default=None, ge=CAP_LOW, le=CAP_HIGH, allow_inf_nan=False)


@dataclass(frozen=True)
class AtRiskCapShown:
    """The default as the settings page shows it: the value, who set it and when (None: never set)."""

    cap_mg_kg_min: float | None
    set_by: str | None
    set_at: datetime | None


async def policy_of(organization_id: int) -> OrganizationPolicy:
    """What the clinical rules read: the organization's reviewed settings."""
    organization = await Organization.get(id=organization_id)
    return OrganizationPolicy(at_risk_cap_mg_kg_min=organization.at_risk_cap_mg_kg_min)


async def shown_for(user: User) -> AtRiskCapShown:
    organization = await Organization.get(id=user.organization_id)
    setter = None
    if organization.at_risk_cap_set_by is not None:
        setter = await User.get_or_none(id=organization.at_risk_cap_set_by, organization_id=organization.id)
    return AtRiskCapShown(organization.at_risk_cap_mg_kg_min, setter.display_name if setter else None,
                          organization.at_risk_cap_set_at)


async def set_at_risk_cap(*, pharmacist: User, data: AtRiskCapSetting) -> None:
    organization = await Organization.get(id=pharmacist.organization_id)
    before = organization.at_risk_cap_mg_kg_min
    organization.at_risk_cap_mg_kg_min = data.at_risk_cap_mg_kg_min
    organization.at_risk_cap_set_by = pharmacist.id
    organization.at_risk_cap_set_at = datetime.now(timezone.utc)
    await organization.save(update_fields=["at_risk_cap_mg_kg_min", "at_risk_cap_set_by", "at_risk_cap_set_at"])
    await audit.record("organization.at_risk_cap_set", actor=access.actor(pharmacist),
                       object_type="organization", object_id=organization.id,
                       detail={"before": before, "after": data.at_risk_cap_mg_kg_min})
