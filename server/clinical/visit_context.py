"""What the fold needs to know besides the events: the order, the patient's flags, the loaded data.

Built once per visit by the server (from the Order and Patient rows) or by the tablet (from
/api/reference); `VisitContext.from_dict` reads the plain-JSON form the test vectors use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from server.clinical.products import Catalog, Protocol, UnratedProduct, dose_protocol, load_products, order_protocol
from server.clinical.rates import RateLimit, rate_limit, step_schedule
from server.clinical.rulebook import RuleBook, VitalsSchedule, check_applies_to, vitals_schedule_from
from server.clinical.rules import load_rules
from server.clinical.series import SeriesFacts, SeriesPlace, place_in_series

_ASSESSMENT_RISKS = ("thrombosis_risk", "renal_risk")


@dataclass(frozen=True)
class PremedOrder:
    """A premedication the order asks for before the start (matched to entries by drug name)."""

    drug: str
    dose: float | None = None
    unit: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class Order:
    """The therapy plan. Give `protocol_id` (or `indication`) for a label protocol, explicit `steps_ml_h`
    with `step_min` for an order protocol, or `volume_ml` over `duration_min` for a fixed dose (hydration);
    `rate_cap_ml_h` may replace the at-risk cap but never lifts the label maximum (`rates.rate_limit`)."""

    product_id: str
    dosing_weight_kg: float
    id: str | None = None  # the order's id as events name it (`order_id`); None in vectors of a lone order
    therapy: str = "ivig"
    indication: str | None = None
    protocol_id: str | None = None
    steps_ml_h: tuple[float, ...] | None = None
    step_min: float | None = None
    first_step_min: float | None = None
    dose_g_per_kg: float | None = None
    dose_g: float | None = None
    volume_ml: float | None = None
    duration_min: float | None = None
    rate_cap_ml_h: float | None = None
    premeds: tuple[PremedOrder, ...] = ()
    prn_orders: tuple[PremedOrder, ...] = ()  # as needed (e.g. for a reaction): the same drug, dose, unit, route
    vitals_schedule: Mapping[str, Any] | None = None
    # The pharmacist's recorded override of the order-safety check: {"reason", "by", "at", "codes"}.
    safety_override: Mapping[str, Any] | None = None

    @property
    def grams_ordered(self) -> float | None:
        if self.dose_g is not None:
            return self.dose_g
        return None if self.dose_g_per_kg is None else self.dose_g_per_kg * self.dosing_weight_kg


@dataclass(frozen=True)
class PatientFlags:
    """Flags that raise the reaction risk (CLINICAL 1.1) and risk flags (thrombosis, renal, IgA)."""

    first_infusion: bool = False
    product_switch: bool = False
    long_gap: bool = False
    risk_flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def high_reaction_risk(self) -> bool:
        return self.first_infusion or self.product_switch or self.long_gap


@dataclass(frozen=True)
class OrganizationPolicy:
    """The organization's reviewed clinical settings: the at-risk cap (mg/kg/min) an order without its
    own cap gets, on a product whose label gives no numeric at-risk cap."""

    at_risk_cap_mg_kg_min: float | None = None


@dataclass(frozen=True)
class VisitContext:
    """Everything about a visit that is not an event. Construction fails fast when an order does not
    resolve to a protocol of a known product. `series` (the patient's earlier infusions, from the
    server) picks the first- or later-infusion protocol; without it the visit counts as a first.
    `other_orders`: the visit's additional orders (a pre-hydration, a second product), each with its id;
    the visit's rules and the rate advice are the primary `order`'s; each other order's pump is judged by the
    pump's rules as its own (picture.py `order_pictures`). `earlier`: the server's contexts of the orders
    in force before each edit made while the visit ran, with the edit's moment (server.services.orders_in_force);
    the fold reads none of it."""

    order: Order
    patient: PatientFlags
    catalog: Catalog
    rulebook: RuleBook
    series: SeriesFacts | None = None
    organization: OrganizationPolicy = OrganizationPolicy()
    other_orders: tuple[Order, ...] = ()
    earlier: tuple[tuple[Any, VisitContext], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        _ = self.protocol, self.label_protocol, self.vitals_schedule, self.other_protocols
        if self.order.therapy != self.protocol.therapy:
            raise ValueError(f"order.therapy {self.order.therapy!r} is not its product's ({self.protocol.therapy!r})")
        check_other_orders(self.order, self.other_orders, self.other_protocols)
        for order in self.other_orders:  # its pump's rules read it (picture.py order_pictures): checked now
            vitals_schedule_from(self.rulebook.vitals_schedule, order.vitals_schedule)
        check_applies_to(self.rulebook, self.catalog)

    @cached_property
    def other_protocols(self) -> tuple[Protocol, ...]:
        """Each additional order's protocol, in the order of `other_orders` (its kind: its shape)."""
        return tuple(self._protocol_of(order) for order in self.other_orders)

    def _place(self, product_id: str) -> SeriesPlace | None:
        """Where an infusion of this product stands in the patient's series (None without the facts)."""
        if self.series is None:
            return None
        return place_in_series(self.series, product_id, long_gap_days=self.rulebook.infusion_series.long_gap_days)

    def _protocol_of(self, order: Order) -> Protocol:
        """The order's protocol for a first or a later infusion (a first without the series' facts)."""
        place = self._place(order.product_id)
        return ordered_protocol(order, self.catalog).for_infusion("first" if place is None else place.kind)

    @cached_property
    def series_place(self) -> SeriesPlace | None:
        return self._place(self.order.product_id)

    @cached_property
    def protocol(self) -> Protocol:
        return self._protocol_of(self.order)

    @cached_property
    def unrated(self) -> UnratedProduct | None:
        """The product's entry when its rates are not verified: the visit runs on the order's steps alone."""
        return self.catalog.unrated_product(self.order.product_id)

    @cached_property
    def label_protocol(self) -> Protocol | None:
        """The label row the order runs under (for an order protocol: by its indication), whose maximum
        and at-risk cap bound every rate; None for a product without verified rates."""
        if self.protocol.basis == "label":
            return self.protocol
        if self.order.indication is None or self.unrated is not None:
            return None
        return self.catalog.protocol_for(self.order.product_id, self.order.indication)

    def highest_rate(self) -> RateLimit | None:
        """The highest rate the order allows at any infusion of it (its first-infusion or later protocol; the
        at-risk cap when the patient is flagged at risk, a screen on the day aside): a rate set for the next
        infusion above it can never run. None: no rate steps."""
        limits = [rate_limit(protocol, **self.limits(self.at_risk([]))) for protocol in self._stepped_protocols()]
        return max(limits, key=lambda limit: (limit.ml_h, not limit.exclusive), default=None)

    def lowest_start(self) -> float | None:
        """The lowest first step (mL/h) of the order's protocols for this patient (first infusion, later ones);
        None: no rate steps."""
        starts = [step_schedule(protocol, **self.limits(self.at_risk([])))[0].rate_ml_h
                  for protocol in self._stepped_protocols()]
        return min(starts, default=None)

    def _stepped_protocols(self) -> list[Protocol]:
        """The order's protocols with rate steps: its first infusion's and its later infusions'."""
        base = ordered_protocol(self.order, self.catalog)
        return [protocol for protocol in (base, base.for_infusion("subsequent")) if protocol.ladder]

    def limits(self, at_risk: bool) -> dict[str, Any]:
        """The keyword arguments `rate_limit`, `step_schedule` and `recommend_next_rate` take."""
        return {"weight_kg": self.order.dosing_weight_kg, "cap_ml_h": self.order.rate_cap_ml_h,
                "at_risk": at_risk, "label": self.label_protocol,
                "at_risk_default_mg_kg_min": self.organization.at_risk_cap_mg_kg_min}

    @cached_property
    def vitals_schedule(self) -> VitalsSchedule:
        return vitals_schedule_from(self.rulebook.vitals_schedule, self.order.vitals_schedule)

    @property
    def observation_min(self) -> float:
        schedule = self.vitals_schedule
        return schedule.observation_min_high_risk if self.patient.high_reaction_risk else schedule.observation_min

    def at_risk(self, assessments: list[dict[str, Any]]) -> bool:
        """At-risk cap applies: a patient flag the products data lists, or a positive screen today."""
        flagged = bool(self.patient.risk_flags & self.catalog.at_risk_flags)
        return flagged or any(payload[name] for payload in assessments for name in _ASSESSMENT_RISKS)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, catalog: Catalog | None = None, rulebook: RuleBook | None = None
    ) -> VisitContext:
        """From plain JSON: {"order": {...}, "patient": {...}, "series"?: {...}, "organization"?: {...}};
        data files default to the packaged ones."""
        patient = dict(data.get("patient", {}))
        patient["risk_flags"] = frozenset(patient.get("risk_flags", ()))
        series = data.get("series")
        return cls(order_from_dict(data["order"]), PatientFlags(**patient), catalog or load_products(),
                   rulebook or load_rules(), None if series is None else SeriesFacts.from_dict(series),
                   OrganizationPolicy(**data.get("organization", {})),
                   tuple(order_from_dict(other) for other in data.get("other_orders", ())))


def order_from_dict(data: Mapping[str, Any]) -> Order:
    """An order from its plain-JSON form (the context's `order` and each of its `other_orders`)."""
    order = dict(data)
    for name in ("premeds", "prn_orders"):
        order[name] = tuple(PremedOrder(**item) for item in order.get(name, ()))
    if order.get("steps_ml_h") is not None:
        order["steps_ml_h"] = tuple(order["steps_ml_h"])
    return Order(**order)


def ordered_protocol(order: Order, catalog: Catalog) -> Protocol:
    """The protocol an order resolves to: its volume over a time, its explicit steps, its protocol_id, or
    its indication's row."""
    if order.volume_ml is not None:
        if order.duration_min is None:
            raise ValueError("an order with a volume needs duration_min")
        return dose_protocol(product=catalog.product(order.product_id), volume_ml=order.volume_ml,
                             duration_min=order.duration_min)
    if order.steps_ml_h is not None:
        if order.step_min is None:
            raise ValueError("an order with explicit steps needs step_min")
        return order_protocol(product=catalog.product(order.product_id), steps_ml_h=order.steps_ml_h,
                              step_min=order.step_min, first_step_min=order.first_step_min)
    unrated = catalog.unrated_product(order.product_id)
    if unrated is not None:
        raise ValueError(f"rates not verified for {unrated.product.name}; give explicit steps")
    if order.protocol_id is not None:
        protocol = catalog.protocol(order.protocol_id)
        if protocol.product.id != order.product_id:
            raise ValueError(f"protocol {protocol.id!r} is not for product {order.product_id!r}")
        return protocol
    if order.indication is not None:
        return catalog.protocol_for(order.product_id, order.indication)
    raise ValueError("an order needs protocol_id, indication or explicit steps_ml_h")


def check_other_orders(primary: Order, others: tuple[Order, ...], protocols: tuple[Protocol, ...]) -> None:
    """Each additional order names its id, once, not the primary's, and the therapy of its product."""
    seen = {primary.id}
    for index, (order, protocol) in enumerate(zip(others, protocols)):
        where = f"other_orders[{index}]"
        if order.id is None:
            raise ValueError(f"{where}.id is required: events name an additional order by its id")
        if order.id in seen:
            raise ValueError(f"{where}.id {order.id!r} is the visit's order or listed twice")
        if order.therapy != protocol.therapy:
            raise ValueError(f"{where}.therapy {order.therapy!r} is not its product's ({protocol.therapy!r})")
        seen.add(order.id)
