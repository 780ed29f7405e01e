"""The shape of data/products.json as pydantic models: what a row must hold and how its ladder must
agree with its sources. `products.py` turns a checked file into protocols the rate maths reads."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RateUnit = Literal["mg/kg/min", "mL/kg/min", "mL/kg/h", "mL/h"]
# Where a value comes from: the label states it; a maker's chart or protocol does; this organization's
# pharmacist set it; or ivlog made it up where the label is silent (shown to people as such).
Origin = Literal["label", "maker", "organization", "generated"]


class NdcRow(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    ndc: str = Field(min_length=1)
    labeler: str = Field(min_length=1)
    source: str = Field(min_length=1)


class SubsequentRow(BaseModel):
    """The protocol for infusions after the first of a series, where the label gives one (Qivigy); the
    row's own values are then the first infusion's. Its maximum is the row's: the label has one maximum."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    start_rate: float = Field(gt=0)
    first_step_min: int = Field(gt=0)
    step_min: int = Field(gt=0)
    ladder: list[float] = Field(min_length=1)
    ladder_source: list[Origin] = Field(min_length=1)
    first_step_source: Origin
    step_source: Origin
    ladder_note: str | None = None
    source: str = Field(min_length=1)


def _check_ladder(what: str, ladder: list[float], start: float, top: float, sources: list[Origin]) -> None:
    if ladder[0] != start or ladder[-1] != top:
        raise ValueError(f"{what}: ladder must run from start_rate to max_rate")
    if any(low >= high for low, high in zip(ladder, ladder[1:])):
        raise ValueError(f"{what}: ladder must be strictly increasing")
    if len(sources) != len(ladder):
        raise ValueError(f"{what}: ladder_source must match the ladder")


class ProductRow(BaseModel):
    """One product x indication row; the checks keep a pharmacist's edit from breaking the maths."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    protocol_id: str = Field(min_length=1)
    product_id: str = Field(min_length=1)
    product_name: str
    brand: str
    concentration_mg_ml: float = Field(gt=0)
    indications: list[str] = Field(min_length=1)
    rate_unit: Literal["mg/kg/min", "mL/kg/min", "mL/kg/h"]
    start_rate: float = Field(gt=0)
    first_step_min: int = Field(gt=0)
    ladder: list[float] = Field(min_length=1)
    step_min: int = Field(gt=0)
    max_rate: float = Field(gt=0)
    ladder_source: list[Origin] = Field(min_length=1)
    first_step_source: Origin
    step_source: Origin
    at_risk_cap: float | None = None
    at_risk_cap_exclusive: bool = False
    at_risk_cap_source: str = Field(min_length=1)
    min_age_years: int | None = Field(default=None, gt=0)
    ndcs: list[NdcRow] = Field(default_factory=list)
    ladder_note: str | None = None
    source: str = Field(min_length=1)
    verified_on: date | None = Field(default=None, strict=False)
    aliases: list[str] = Field(default_factory=list)
    subsequent: SubsequentRow | None = None

    @model_validator(mode="after")
    def _ladder_is_consistent(self) -> ProductRow:
        _check_ladder(self.protocol_id, self.ladder, self.start_rate, self.max_rate, self.ladder_source)
        if self.at_risk_cap is not None and not self.start_rate < self.at_risk_cap < self.max_rate:
            raise ValueError(f"{self.protocol_id}: at_risk_cap must lie between start and maximum")
        later = self.subsequent
        if later is not None:
            what = f"{self.protocol_id} subsequent"
            _check_ladder(what, later.ladder, later.start_rate, self.max_rate, later.ladder_source)
            if self.at_risk_cap is not None and not later.start_rate < self.at_risk_cap:
                raise ValueError(f"{what}: at_risk_cap must lie above its start rate")
        return self


RATES_NOTE = "rates not verified; order must give explicit steps"


class UnratedRow(BaseModel):
    """A product on the market whose label rates were not found (LABELS.md s.2.10): no ladder at all."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    product_id: str = Field(min_length=1)
    product_name: str = Field(min_length=1)
    brand: str = Field(min_length=1)
    concentration_mg_ml: float = Field(gt=0)
    indications: list[str] = Field(min_length=1)
    min_age_years: int | None = Field(default=None, gt=0)
    ndcs: list[NdcRow] = Field(default_factory=list)
    rates_note: Literal["rates not verified; order must give explicit steps"]
    source: str = Field(min_length=1)


class ProductsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: str = Field(min_length=1)
    about: str = ""
    at_risk_flags: list[str]
    products: list[ProductRow] = Field(min_length=1)
    products_without_rates: list[UnratedRow] = Field(default_factory=list)
