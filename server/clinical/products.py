"""Products and their protocols, as data a pharmacist can read, verify and override.

A protocol's `kind` is its shape, declared in data/products.json `protocol_kinds`; its `basis` is where it
comes from. The two kinds with rate maths share one form (a ladder) so the rate maths treats them alike:
  weight_titration  basis label: a row of products.json, a ladder of per-kg rates (mg/kg/min, mL/kg/min, mL/kg/h)
  fixed_steps       basis order: a pharmacy order's explicit mL/h steps ("30 mL/h for 15 min, then +30 every 15 min to 150")
  fixed_dose        basis order: a volume over a time ("500 mL over 120 min"), one step at volume ÷ time
A row of another kind (fixed_dose, per_site) loads with its own numbers in `terms` and no ladder.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, Mapping

from server.clinical.product_rows import KIND_FIELDS, Row, checked_products
from server.clinical.rounding import round_half_up
from server.clinical.shapes import data_file

RateUnit = str  # one of products.schema.json `$defs.rate_unit`
Origin = str  # one of products.schema.json `$defs.origin`


@dataclass(frozen=True)
class Product:
    """A product as opened at the bedside: brand and concentration (rates differ between 5% and 10%),
    and the therapy it is given for (products.json `therapies`)."""

    id: str
    name: str
    brand: str
    concentration_mg_ml: float
    therapy: str


@dataclass(frozen=True)
class Ndc:
    """A National Drug Code of the product, who labels it and where that is stated."""

    ndc: str
    labeler: str
    source: str


@dataclass(frozen=True)
class Provenance:
    """Where a label row's values come from, for the people who check it (the rate maths ignores it)."""

    ladder_source: tuple[Origin, ...]
    first_step_source: Origin
    step_source: Origin
    at_risk_cap_source: str
    min_age_years: int | None
    ndcs: tuple[Ndc, ...]


Infusion = Literal["every", "first", "subsequent"]
Basis = Literal["label", "order"]


@dataclass(frozen=True)
class Protocol:
    """A titration ladder in `rate_unit`; ladder[0] is the start rate, ladder[-1] the maximum.

    `infusion` says which infusions of a series it is for: "every" (the label draws no line), or "first"
    with its `subsequent` twin for the later ones (`for_infusion` picks)."""

    id: str
    kind: str
    basis: Basis
    product: Product
    rate_unit: RateUnit
    ladder: tuple[float, ...]
    first_step_min: float
    step_min: float
    at_risk_cap: float | None = None
    at_risk_cap_exclusive: bool = False
    indications: tuple[str, ...] = ()
    source: str = ""
    verified_on: date | None = None
    ladder_note: str | None = None
    provenance: Provenance | None = field(default=None, compare=False)
    infusion: Infusion = "every"
    subsequent: Protocol | None = field(default=None, compare=False)
    terms: Mapping[str, float] = field(default_factory=dict, compare=False)  # a kind without a ladder: its numbers

    def for_infusion(self, kind: Literal["first", "subsequent"]) -> Protocol:
        """The protocol for a first or a later infusion of the series (itself when the label has one)."""
        return self.subsequent if kind == "subsequent" and self.subsequent is not None else self

    @property
    def therapy(self) -> str:
        return self.product.therapy

    @property
    def start_rate(self) -> float:
        return self.ladder[0]

    @property
    def max_rate(self) -> float:
        return self.ladder[-1]


@dataclass(frozen=True)
class UnratedProduct:
    """A product the catalogue offers without rates: an order for it must give explicit steps."""

    product: Product
    indications: tuple[str, ...]
    min_age_years: int | None
    ndcs: tuple[Ndc, ...]
    rates_note: str
    source: str


@dataclass(frozen=True)
class Catalog:
    """The loaded products file: every protocol row, the products without rates, which patient flags
    mean "at risk", and the therapies and protocol kinds it declares (what rules may apply to)."""

    version: str
    at_risk_flags: frozenset[str]
    protocols: tuple[Protocol, ...]
    unrated: tuple[UnratedProduct, ...] = ()
    therapies: frozenset[str] = frozenset()
    protocol_kinds: frozenset[str] = frozenset()
    order_kinds: Mapping[str, str] = field(default_factory=dict)  # therapy -> the kind its rate-less orders take

    def order_kind(self, product_id: str) -> str | None:
        """The protocol kind an order for this product must give itself (None: it has label rows):
        fixed_steps (explicit mL/h steps) or fixed_dose (a volume over a time), by its therapy."""
        unrated = self.unrated_product(product_id)
        return None if unrated is None else self.order_kinds.get(unrated.product.therapy, "fixed_steps")

    def unrated_product(self, product_id: str) -> UnratedProduct | None:
        """The product's entry when its rates are not verified (None: it has label rows, or is unknown)."""
        return next((entry for entry in self.unrated if entry.product.id == product_id), None)

    def protocol(self, protocol_id: str) -> Protocol:
        for protocol in self.protocols:
            if protocol.id == protocol_id:
                return protocol
        raise KeyError(f"no protocol {protocol_id!r} in products data {self.version}")

    def product(self, product_id: str) -> Product:
        for protocol in self.protocols:
            if protocol.product.id == product_id:
                return protocol.product
        unrated = self.unrated_product(product_id)
        if unrated is not None:
            return unrated.product
        raise KeyError(f"no product {product_id!r} in products data {self.version}")

    def protocol_for(self, product_id: str, indication: str) -> Protocol:
        for protocol in self.protocols:
            if protocol.product.id == product_id and indication in protocol.indications:
                return protocol
        raise KeyError(f"no protocol for {product_id!r} in {indication!r} (products data {self.version})")


def _protocol(row: Row) -> Protocol:
    """The row's protocol; with a `subsequent` block, the first infusion's, which carries the later one."""
    first, later = _first_protocol(row), row["subsequent"]
    if later is None:
        return first
    assert first.provenance is not None
    subsequent = replace(
        first, ladder=tuple(map(float, later["ladder"])), first_step_min=later["first_step_min"], step_min=later["step_min"],
        source=later["source"], ladder_note=later["ladder_note"], infusion="subsequent", provenance=replace(
            first.provenance, ladder_source=tuple(later["ladder_source"]),
            first_step_source=later["first_step_source"], step_source=later["step_source"]))
    return replace(first, infusion="first", subsequent=subsequent)


def _product(row: Row) -> Product:
    return Product(row["product_id"], row["product_name"], row["brand"], float(row["concentration_mg_ml"]), row["therapy"])


def _first_protocol(row: Row) -> Protocol:
    verified = row["verified_on"] and date.fromisoformat(row["verified_on"])
    protocol = Protocol(
        id=row["protocol_id"], kind=row["kind"], basis="label", product=_product(row), rate_unit=row["rate_unit"],
        ladder=tuple(map(float, row["ladder"] or ())), first_step_min=row["first_step_min"] or 0, step_min=row["step_min"] or 0,
        at_risk_cap=row["at_risk_cap"] and float(row["at_risk_cap"]), at_risk_cap_exclusive=row["at_risk_cap_exclusive"],
        indications=tuple(row["indications"]), source=row["source"], verified_on=verified, ladder_note=row["ladder_note"])
    if row["ladder"] is None:
        return replace(protocol, terms={name: row[name] for name in KIND_FIELDS if row[name] is not None})
    if row["ladder_source"] is None:  # fixed_steps: no provenance per step
        return protocol
    return replace(protocol, provenance=Provenance(
        tuple(row["ladder_source"]), row["first_step_source"], row["step_source"], row["at_risk_cap_source"],
        row["min_age_years"], tuple(Ndc(**ndc) for ndc in row["ndcs"])))


def _unrated(row: Row) -> UnratedProduct:
    return UnratedProduct(_product(row), tuple(row["indications"]), row["min_age_years"],
                          tuple(Ndc(**ndc) for ndc in row["ndcs"]), row["rates_note"], row["source"])


def _check_unrated_apart(protocols: list[Protocol], unrated: list[UnratedProduct]) -> None:
    """A product either has label rows or is listed without rates, never both, and is listed once."""
    rated = {protocol.product.id for protocol in protocols}
    ids = [entry.product.id for entry in unrated]
    if len(set(ids)) != len(ids) or rated & set(ids):
        raise ValueError("products_without_rates: each product once, and none that has label rows")


def _check_products_agree(protocols: list[Protocol]) -> None:
    seen: dict[str, Product] = {}
    for protocol in protocols:
        if seen.setdefault(protocol.product.id, protocol.product) != protocol.product:
            raise ValueError(f"rows of product {protocol.product.id!r} disagree on name, concentration or therapy")
    ids = [protocol.id for protocol in protocols]
    if len(set(ids)) != len(ids):
        raise ValueError("protocol_id values must be unique")


def load_products(data: Mapping[str, Any] | None = None) -> Catalog:
    """The catalog from `data` (same shape as data/products.json) or the packaged file; checked."""
    doc = checked_products(data_file("products.json") if data is None else data)
    protocols = [_protocol(row) for row in doc["products"]]
    _check_products_agree(protocols)
    unrated = [_unrated(row) for row in doc["products_without_rates"]]
    _check_unrated_apart(protocols, unrated)
    return Catalog(doc["version"], frozenset(doc["at_risk_flags"]), tuple(protocols), tuple(unrated),
                   frozenset(doc["therapies"]), frozenset(doc["protocol_kinds"]),
                   {name: therapy["order_kind"] for name, therapy in doc["therapies"].items()})


def order_protocol(
    *, product: Product, steps_ml_h: tuple[float, ...], step_min: float, first_step_min: float | None = None
) -> Protocol:
    """A fixed_steps protocol from an order's explicit mL/h steps; its last step is its maximum."""
    if not steps_ml_h or any(rate <= 0 for rate in steps_ml_h):
        raise ValueError("an order's steps must be positive rates")
    if any(low >= high for low, high in zip(steps_ml_h, steps_ml_h[1:])):
        raise ValueError("an order's steps must be strictly increasing")
    if step_min <= 0 or (first_step_min is not None and first_step_min <= 0):
        raise ValueError("an order's step times must be positive")
    return Protocol(
        id="order", kind="fixed_steps", basis="order", product=product, rate_unit="mL/h",
        ladder=tuple(steps_ml_h),
        first_step_min=step_min if first_step_min is None else first_step_min, step_min=step_min,
        source="pharmacy order",
    )


def dose_protocol(*, product: Product, volume_ml: float, duration_min: float) -> Protocol:
    """A fixed_dose protocol from an order's volume and time (hydration, LABELS.md s.6: "X mL over Y h"):
    one step at volume ÷ time (mL/h, 0.1), held for the time; that rate is also its maximum."""
    if volume_ml <= 0 or duration_min <= 0:
        raise ValueError("an order's volume and time must be positive")
    rate = round_half_up(volume_ml / duration_min * 60, 1)
    if rate <= 0:
        raise ValueError("an order's volume over its time must run at 0.1 mL/h at least")
    return Protocol(
        id="order", kind="fixed_dose", basis="order", product=product, rate_unit="mL/h",
        ladder=(rate,), first_step_min=duration_min, step_min=duration_min,
        source="pharmacy order", terms={"volume_ml": volume_ml, "duration_min": duration_min},
    )
