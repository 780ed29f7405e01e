"""The shape of data/products.json as pydantic models: what a row must hold and how its ladder must
agree with its sources. Which fields a row carries is declared by its kind (the file's `protocol_kinds`),
so a new shape is data plus, if it needs rate maths, code. `products.py` turns a checked file into
protocols the rate maths reads."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RateUnit = Literal["mg/kg/min", "mL/kg/min", "mL/kg/h", "mL/h", "mL/h/site"]
# Where a value comes from: the label states it; a maker's chart or protocol does; this organization's
# pharmacist set it; or ivlog made it up where the label is silent (shown to people as such).
Origin = Literal["label", "maker", "organization", "generated"]


class NdcRow(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
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


def _check_ladder(what: str, ladder: list[float], start: float | None, top: float | None,
                  sources: list[Origin] | None) -> None:
    """A fixed_steps ladder has no start_rate, max_rate or sources: only its order is checked."""
    if start is not None and (ladder[0] != start or ladder[-1] != top):
        raise ValueError(f"{what}: ladder must run from start_rate to max_rate")
    if any(low >= high for low, high in zip(ladder, ladder[1:])):
        raise ValueError(f"{what}: ladder must be strictly increasing")
    if sources is not None and len(sources) != len(ladder):
        raise ValueError(f"{what}: ladder_source must match the ladder")


class ProductRow(BaseModel):
    """One product x indication row; the checks keep a pharmacist's edit from breaking the maths. The
    fields from start_rate to max_sites belong to kinds: `ProductsFile` requires its kind's and refuses
    the others."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    protocol_id: str = Field(min_length=1)
    product_id: str = Field(min_length=1)
    therapy: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    product_name: str
    brand: str
    concentration_mg_ml: float = Field(gt=0)
    indications: list[str] = Field(min_length=1)
    rate_unit: RateUnit
    start_rate: float | None = Field(default=None, gt=0)
    first_step_min: int | None = Field(default=None, gt=0)
    ladder: list[float] | None = Field(default=None, min_length=1)
    step_min: int | None = Field(default=None, gt=0)
    max_rate: float | None = Field(default=None, gt=0)
    ladder_source: list[Origin] | None = Field(default=None, min_length=1)
    first_step_source: Origin | None = None
    step_source: Origin | None = None
    at_risk_cap_source: str | None = Field(default=None, min_length=1)
    volume_ml: float | None = Field(default=None, gt=0)
    duration_min: float | None = Field(default=None, gt=0)
    per_site_rate_ml_h: float | None = Field(default=None, gt=0)
    per_site_volume_ml: float | None = Field(default=None, gt=0)
    max_sites: int | None = Field(default=None, gt=0)
    at_risk_cap: float | None = None
    at_risk_cap_exclusive: bool = False
    min_age_years: int | None = Field(default=None, gt=0)
    ndcs: list[NdcRow] = Field(default_factory=list)
    ladder_note: str | None = None
    source: str = Field(min_length=1)
    verified_on: date | None = Field(default=None, strict=False)
    aliases: list[str] = Field(default_factory=list)
    subsequent: SubsequentRow | None = None

    @model_validator(mode="after")
    def _ladder_is_consistent(self) -> ProductRow:
        if self.ladder is None:
            return self
        _check_ladder(self.protocol_id, self.ladder, self.start_rate, self.max_rate, self.ladder_source)
        if self.at_risk_cap is not None and not (self.start_rate or 0) < self.at_risk_cap < (self.max_rate or 0):
            raise ValueError(f"{self.protocol_id}: at_risk_cap must lie between start and maximum")
        later = self.subsequent
        if later is not None:
            what = f"{self.protocol_id} subsequent"
            _check_ladder(what, later.ladder, later.start_rate, self.max_rate, later.ladder_source)
            if self.at_risk_cap is not None and not later.start_rate < self.at_risk_cap:
                raise ValueError(f"{what}: at_risk_cap must lie above its start rate")
        return self


class UnratedRow(BaseModel):
    """A product on the market whose label rates were not found (LABELS.md s.2.10): no ladder at all."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    product_id: str = Field(min_length=1)
    therapy: str = Field(min_length=1)
    product_name: str = Field(min_length=1)
    brand: str = Field(min_length=1)
    concentration_mg_ml: float = Field(gt=0)
    indications: list[str] = Field(min_length=1)
    min_age_years: int | None = Field(default=None, gt=0)
    ndcs: list[NdcRow] = Field(default_factory=list)
    rates_note: Literal["rates not verified; order must give explicit steps"]
    source: str = Field(min_length=1)


class TherapySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1)
    source: str = Field(min_length=1)


class KindSpec(BaseModel):
    """A protocol kind: the shape of its rows (the rate units and the fields they must carry)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    about: str = Field(min_length=1)
    rate_units: list[RateUnit] = Field(min_length=1)
    fields: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)


# The row fields that belong to protocol kinds (the rest every row has).
KIND_FIELDS = ("start_rate", "first_step_min", "ladder", "step_min", "max_rate", "ladder_source",
                "first_step_source", "step_source", "at_risk_cap_source", "volume_ml", "duration_min",
                "per_site_rate_ml_h", "per_site_volume_ml", "max_sites")


def check_row_shape(row: ProductRow, kinds: dict[str, KindSpec], therapies: dict[str, TherapySpec]) -> None:
    """The row against its declared kind: its therapy and kind are declared, its rate unit is one of
    the kind's, it carries every field of its kind and no field of another."""
    what = row.protocol_id
    if row.therapy not in therapies:
        raise ValueError(f"{what}: therapy {row.therapy!r} is not declared in therapies")
    spec = kinds.get(row.kind)
    if spec is None:
        raise ValueError(f"{what}: kind {row.kind!r} is not declared in protocol_kinds")
    if row.rate_unit not in spec.rate_units:
        raise ValueError(f"{what}: rate_unit {row.rate_unit!r} is not one of {row.kind}'s {spec.rate_units}")
    for name in KIND_FIELDS:
        present = getattr(row, name) is not None
        if name in spec.fields and not present:
            raise ValueError(f"{what}: a {row.kind} row needs {name}")
        if present and name not in spec.fields:
            raise ValueError(f"{what}: {name} is not a field of a {row.kind} row")
    if row.kind != "weight_titration" and (row.subsequent is not None or row.at_risk_cap is not None):
        raise ValueError(f"{what}: subsequent and at_risk_cap belong to weight_titration rows")


class ProductsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: str = Field(min_length=1)
    about: str = ""
    at_risk_flags: list[str]
    therapies: dict[str, TherapySpec] = Field(min_length=1)
    protocol_kinds: dict[str, KindSpec]
    products: list[ProductRow] = Field(min_length=1)
    products_without_rates: list[UnratedRow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rows_fit_their_kinds(self) -> ProductsFile:
        for name, spec in self.protocol_kinds.items():
            unknown = sorted(set(spec.fields) - set(KIND_FIELDS))
            if unknown:
                raise ValueError(f"protocol_kinds.{name}.fields: {unknown} are not row fields")
        for row in self.products:
            check_row_shape(row, self.protocol_kinds, self.therapies)
        for unrated in self.products_without_rates:
            if unrated.therapy not in self.therapies:
                raise ValueError(f"{unrated.product_id}: therapy {unrated.therapy!r} is not declared in therapies")
        return self
