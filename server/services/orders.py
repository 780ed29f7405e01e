"""Writing therapy orders. An order is never silently altered: every edit keeps the previous
state as an `OrderRevision`, bumps `Order.revision` and leaves an audit entry naming the
changed fields (names only, never values).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from tortoise.transactions import in_transaction

from server import access, audit
from server.db.models import Order, OrderRevision, Patient, ProtocolBasis, User
from server.errors import Conflict
from server.services import order_questions, order_volume, visit_orders, visits
from server.services.catalogue_names import catalog
from server.services.weights import WeightKg

# The fields a pharmacist writes; `dose_g` is computed from the g/kg dose and the weight, or, for a
# hydration order, from the volume (server/services/order_volume.py).
# An order's fields, each with the words the revision history says it in (as the order form labels it).
ORDER_FIELDS = {
    "product_id": "product", "indication": "indication", "dose_g_per_kg": "dose (g/kg)",
    "dosing_weight_kg": "dosing weight", "dose_g": "dose (g)", "basis": "rate steps", "steps_ml_h": "steps (mL/h)",
    "step_interval_min": "minutes between steps", "volume_ml": "volume (mL)", "duration_min": "time (minutes)",
    "rate_cap_ml_h": "rate cap", "safety_override": "pharmacist override", "premeds": "premedication",
    "prn_orders": "PRN and reaction orders", "prescriber": "prescriber", "active": "active",
}
# The boxes that say a thing order entry asked about is meant (server/services/order_questions.py).
MEANT_BOXES = ("same_therapy", "weight_differs", "dose_differs", "medication_dose_differs", "age_meant", "iga_meant")
MAX_DOSE_G_PER_KG = 2.0
DoseUnit = Literal["mg", "g", "mcg", "mL", "units"]
DrugRoute = Literal["PO", "IV", "IM", "SC", "inhaled", "topical"]
UNITS, ROUTES = get_args(DoseUnit), get_args(DrugRoute)


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class _Medication(_Schema):
    drug: str = Field(min_length=1, max_length=100)
    dose: float = Field(gt=0, le=10_000)
    unit: DoseUnit
    route: DrugRoute


class PremedOrder(_Medication):
    """A premedication given `minutes_before` the infusion starts."""

    minutes_before: int = Field(ge=0, le=240)


class PrnOrder(_Medication):
    """A medication the nurse may give as needed, for the stated indication (e.g. a reaction)."""

    indication: str = Field(min_length=1, max_length=200)


def _volume_order(info: ValidationInfo) -> bool:
    return order_volume.is_volume_order(catalog(), info.data.get("product_id"))


def _unrated_name(info: ValidationInfo) -> str | None:
    """The product's name when the order is for a product without verified rates."""
    product_id = info.data.get("product_id")
    unrated = None if product_id is None else catalog().unrated_product(product_id)
    return None if unrated is None else unrated.product.name


class OrderCreate(_Schema):
    product_id: str = Field(min_length=1, max_length=64)
    indication: str = Field(min_length=1, max_length=64)
    # Required on every order but a hydration one, which gives a volume and a time instead.
    dose_g_per_kg: float | None = Field(default=None, gt=0, le=MAX_DOSE_G_PER_KG, validate_default=True)
    dosing_weight_kg: WeightKg
    basis: ProtocolBasis = Field(default=ProtocolBasis.LABEL, validate_default=True)
    steps_ml_h: list[float] | None = Field(default=None, max_length=20, validate_default=True)
    step_interval_min: int | None = Field(default=None, gt=0, le=240, validate_default=True)
    volume_ml: float | None = Field(default=None, gt=0, le=5000, validate_default=True)
    duration_min: int | None = Field(default=None, gt=0, le=1440, validate_default=True)
    rate_cap_ml_h: float | None = Field(default=None, gt=0, le=1000)
    premeds: list[PremedOrder] = Field(default_factory=list, max_length=6)
    prn_orders: list[PrnOrder] = Field(default_factory=list, max_length=6)
    prescriber: str = Field(min_length=1, max_length=200)
    active: bool = True
    # Why the order stands although its cap or steps pass the label maximum or the at-risk cap.
    override_reason: str | None = Field(default=None, min_length=1, max_length=500)
    same_therapy: bool = False  # ticked: a second active order of its therapy is meant (duplicate_therapy)
    weight_differs: bool = False  # ticked: a dosing weight far from the patient's recorded one is meant (dosing_weight)
    dose_differs: bool = False  # ticked: a dose far from the revision edited is meant (dose_change)
    medication_dose_differs: bool = False  # ticked: medication doses beyond their usual dose are meant (usual_dose)
    age_meant: bool = False  # ticked: a product below its label's age is meant (patient_fit)
    iga_meant: bool = False  # ticked: an immune globulin for an IgA-deficient patient is meant (patient_fit)

    @field_validator("product_id")
    @classmethod
    def _known_product(cls, value: str) -> str:
        try:
            catalog().product(value)
        except KeyError:
            raise ValueError("choose a product from the catalogue") from None
        return value

    @field_validator("indication")
    @classmethod
    def _indication_of_product(cls, value: str, info: ValidationInfo) -> str:
        product_id = info.data.get("product_id")
        if product_id is None:
            return value  # the product's own error says what to fix
        unrated = catalog().unrated_product(product_id)
        if unrated is not None:
            if value not in unrated.indications:
                raise ValueError(f"the catalogue lists this product for {', '.join(unrated.indications)} only")
            return value
        try:
            catalog().protocol_for(product_id, value)
        except KeyError:
            raise ValueError(f"the catalogue has no {value!r} protocol for this product") from None
        return value

    @field_validator("dose_g_per_kg")
    @classmethod
    def _dose_fits_order_kind(cls, dose: float | None, info: ValidationInfo) -> float | None:
        if _volume_order(info):
            if dose is not None:
                raise order_volume.ivig_only("dose_g_per_kg")
            return None
        if dose is None:
            raise ValueError("enter the dose in g/kg")
        return dose

    @field_validator("basis")
    @classmethod
    def _volume_orders_give_their_own_rate(cls, basis: ProtocolBasis, info: ValidationInfo) -> ProtocolBasis:
        """A hydration order runs at its volume over its time, the order's own rate: its basis is the order."""
        return ProtocolBasis.ORDER if _volume_order(info) else basis

    @field_validator("steps_ml_h")
    @classmethod
    def _steps_fit_protocol(cls, steps: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if _volume_order(info):
            if steps:
                raise order_volume.ivig_only("steps_ml_h")
            return None
        explicit = info.data.get("basis") == ProtocolBasis.ORDER
        unrated = _unrated_name(info)
        if unrated is not None and not (explicit and steps):
            raise ValueError(f"rates not verified for {unrated}; give explicit steps (choose an order protocol "
                             "and enter its mL/h steps)")
        if not explicit:
            if steps:
                raise ValueError("leave the steps empty for a label protocol, or choose an order protocol")
            return None
        if not steps:
            raise ValueError("an order protocol needs its mL/h steps, e.g. 30, 60, 90")
        if any(rate <= 0 or rate > 1000 for rate in steps):
            raise ValueError("each step must be a rate above 0 and at most 1000 mL/h")
        if any(low >= high for low, high in zip(steps, steps[1:])):
            raise ValueError("the steps must go up, each higher than the one before")
        return steps

    @field_validator("step_interval_min")
    @classmethod
    def _interval_fits_protocol(cls, minutes: int | None, info: ValidationInfo) -> int | None:
        if _volume_order(info):
            if minutes is not None:
                raise order_volume.ivig_only("step_interval_min")
            return None
        explicit = info.data.get("basis") == ProtocolBasis.ORDER
        unrated = _unrated_name(info)
        if unrated is not None and minutes is None:
            raise ValueError(f"rates not verified for {unrated}; give explicit steps (the minutes between steps)")
        if explicit and minutes is None:
            raise ValueError("an order protocol needs the minutes between steps")
        if not explicit and minutes is not None:
            raise ValueError("leave the step interval empty for a label protocol")
        return minutes

    @field_validator("volume_ml", "duration_min")
    @classmethod
    def _volume_and_time_fit_order_kind(cls, value: float | None, info: ValidationInfo) -> float | None:
        return order_volume.volume_field(info.field_name or "", value, volume_order=_volume_order(info))

    @field_validator("duration_min")
    @classmethod
    def _volume_rate_within_max(cls, minutes: int | None, info: ValidationInfo) -> int | None:
        volume = info.data.get("volume_ml")
        if minutes is not None and volume is not None:
            order_volume.check_rate(volume, minutes)
        return minutes

    @field_validator("rate_cap_ml_h")
    @classmethod
    def _no_cap_on_a_volume(cls, cap: float | None, info: ValidationInfo) -> float | None:
        """A hydration order's rate is its volume over its time: a cap below it would flag every correct run."""
        if cap is not None and _volume_order(info):
            raise order_volume.ivig_only("rate_cap_ml_h")
        return cap

    def meant(self) -> list[str]:
        """The boxes ticked to say what order entry asked about is meant, for the audit entry (a walk found the
        ticks nowhere afterwards)."""
        return [box for box in MEANT_BOXES if getattr(self, box)]

    @property
    def dose_g(self) -> float:
        """Grams ordered: the g/kg dose × the weight (to 0.1), or a hydration order's exact grams."""
        if self.dose_g_per_kg is not None:
            return round(self.dose_g_per_kg * self.dosing_weight_kg, 1)
        assert self.volume_ml is not None, "a validated order has a g/kg dose or a volume"
        return order_volume.grams(catalog(), self.product_id, self.volume_ml)

    def order_fields(self, safety_override: dict[str, Any] | None) -> dict[str, Any]:
        """The order's columns; a hydration order's g/kg dose is its grams over the dosing weight, unrounded."""
        data = self.model_dump(exclude={"based_on_revision", "override_reason", *MEANT_BOXES})
        therapy = catalog().product(self.product_id).therapy
        dose_g = self.dose_g
        per_kg = self.dose_g_per_kg if self.dose_g_per_kg is not None else dose_g / self.dosing_weight_kg
        return {**data, "therapy": therapy, "dose_g": dose_g, "dose_g_per_kg": per_kg,
                "safety_override": safety_override}


class OrderUpdate(OrderCreate):
    """The whole order as the pharmacist left it, and the revision they started from."""

    based_on_revision: int = Field(ge=1)


def snapshot(order: Order) -> dict[str, Any]:
    """All of an order's fields as JSON, as stored in an `OrderRevision`."""
    fields = {name: getattr(order, name) for name in ORDER_FIELDS}
    fields["basis"] = str(order.basis)
    return {
        **fields,
        "id": order.id, "patient_id": order.patient_id, "revision": order.revision,
        "vitals_schedule": order.vitals_schedule, "created_by_id": order.created_by_id,
        "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
    }


def changed_fields(order: Order, fields: dict[str, Any]) -> list[str]:
    before = snapshot(order)
    return [name for name in ORDER_FIELDS if before[name] != fields[name]]


async def create_order(*, patient: Patient, pharmacist: User, data: OrderCreate) -> Order:
    """Refuses (ValidationFailed) an order the safety check refuses and no recorded override allows."""
    override = await order_questions.settle(patient=patient, pharmacist=pharmacist, data=data)
    async with in_transaction("default") as connection:
        order = await Order.create(
            organization_id=patient.organization_id, patient_id=patient.id, created_by=pharmacist,
            **data.order_fields(override), using_db=connection,
        )
        await audit.record(
            "order.create", actor=access.actor(pharmacist), object_type="order", object_id=order.id,
            detail={"patient_id": patient.id, "safety_override": override is not None, "meant": data.meant()},
        )
    return order


async def update_order(*, order: Order, pharmacist: User, changes: OrderUpdate) -> int | None:
    """Apply `changes`, keeping the previous state; refuses an edit based on an old revision. How many
    visits run on the order now (they follow the edit: the page tells the pharmacist so); None: no change."""
    if changes.based_on_revision != order.revision:
        raise _stale(order)
    if changes.volume_ml is not None:
        await visit_orders.check_may_hold_none(order)
    if order.active and not changes.active:
        await visit_orders.check_none_scheduled(order)
    patient = await order.patient
    override = await order_questions.settle(patient=patient, pharmacist=pharmacist, data=changes, order=order)
    fields = changes.order_fields(override)
    changed = changed_fields(order, fields)
    if not changed:
        return None
    now = datetime.now(timezone.utc)
    async with in_transaction("default") as connection:
        applied = await Order.filter(id=order.id, revision=order.revision).using_db(connection).update(
            **fields, revision=order.revision + 1, updated_at=now
        )
        if not applied:
            raise _stale(order)
        await OrderRevision.create(
            order_id=order.id, revision=order.revision, snapshot=snapshot(order),
            changed_by=pharmacist, changed_at=now, using_db=connection,
        )
        await audit.record(
            "order.update", actor=access.actor(pharmacist), object_type="order", object_id=order.id,
            detail={"changed": changed, "revision": order.revision + 1, "meant": changes.meant()},
        )
    return await visits.refold_after_order_edit(order.id, now)


def _stale(order: Order) -> Conflict:
    return Conflict(
        f"Order {order.id} was changed by someone else while you edited it. "
        "Open it again to see the current revision, then make your change."
    )
