"""Pharmacist pages: the organization's patients, their orders, writing and revising orders.

The order form is plain HTML: premedication and PRN rows are numbered fields
(`premeds-0-drug`), the product select sends `product_id|indication`, and the explicit
steps are one comma list. This module turns that into the `OrderCreate`/`OrderUpdate` shape.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Order, Patient, ProtocolBasis, Role
from server.errors import Conflict, FieldError, ValidationFailed, from_pydantic
from server.routes import forms, guard
from server.routes.params import path_id
from server.services import catalogue_names, order_history, orders, todays_visits, visit_orders
from server.services.orders import MEANT_BOXES
from server.templating import render

T = TypeVar("T", bound=BaseModel)
SCALARS = (
    "product", "dose_g_per_kg", "dosing_weight_kg", "basis", "steps_ml_h",
    "step_interval_min", "volume_ml", "duration_min", "rate_cap_ml_h", "override_reason", "prescriber",
    "based_on_revision",
)
ROW_KEYS = {
    "premeds": ("drug", "dose", "unit", "route", "minutes_before"),
    "prn_orders": ("drug", "dose", "unit", "route", "indication"),
}
ROW_LABELS = {"premeds": "Premedication", "prn_orders": "PRN order"}
ROW_FIELD = re.compile(r"^(premeds|prn_orders)\.(\d+)\.(\w+)$")
MIN_ROWS, MAX_ROWS = 3, 6


# --- form <-> order shape ------------------------------------------------------------------

def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _padded(rows: list[dict[str, str]], keys: tuple[str, ...]) -> list[dict[str, str]]:
    blanks = max(MIN_ROWS - len(rows), 1 if len(rows) < MAX_ROWS else 0)
    return rows + [{key: "" for key in keys} for _ in range(blanks)]


def _rows_from_form(form: FormData, prefix: str) -> list[dict[str, str]]:
    """The filled rows, in order (blank rows dropped, so row numbers match the errors)."""
    keys = ROW_KEYS[prefix]
    rows = [{key: str(form.get(f"{prefix}-{i}-{key}", "")).strip() for key in keys} for i in range(MAX_ROWS)]
    return _padded([row for row in rows if any(row.values())], keys)


def values_from_form(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: str(form.get(key, "")).strip() for key in SCALARS}
    values["active"] = form.get("active") is not None
    values.update({box: form.get(box) is not None for box in MEANT_BOXES})
    for prefix in ROW_KEYS:
        values[prefix] = _rows_from_form(form, prefix)
    return values


def values_from_order(order: Order) -> dict[str, Any]:
    """The form as the order was written: a hydration order's g/kg dose is derived from its volume, so the
    g/kg input stays empty (the pharmacist did not write it, and saving it back would be refused)."""
    per_kg = None if order.volume_ml is not None else order.dose_g_per_kg
    values: dict[str, Any] = {
        "product": f"{order.product_id}|{order.indication}",
        "dose_g_per_kg": _number(per_kg), "dosing_weight_kg": _number(order.dosing_weight_kg),
        "basis": str(order.basis),
        "steps_ml_h": ", ".join(_number(step) for step in order.steps_ml_h or []),
        "step_interval_min": _number(order.step_interval_min), "rate_cap_ml_h": _number(order.rate_cap_ml_h),
        "volume_ml": _number(order.volume_ml), "duration_min": _number(order.duration_min),
        "prescriber": order.prescriber, "active": order.active, "based_on_revision": str(order.revision),
        "override_reason": (order.safety_override or {}).get("reason", ""), **dict.fromkeys(MEANT_BOXES, False),
    }
    for prefix, keys in ROW_KEYS.items():
        rows = [{key: _number(row.get(key)) if key in ("dose", "minutes_before") else str(row.get(key) or "")
                 for key in keys} for row in getattr(order, prefix) or []]
        values[prefix] = _padded(rows, keys)
    return values


def values_for_new(patient: Patient) -> dict[str, Any]:
    values: dict[str, Any] = {key: "" for key in SCALARS}
    physician = patient.physician
    values.update(
        dosing_weight_kg=_number(patient.dosing_weight_kg), basis=ProtocolBasis.LABEL.value,
        prescriber=physician.display_name if physician else "", active=True, **dict.fromkeys(MEANT_BOXES, False),
    )
    for prefix, keys in ROW_KEYS.items():
        values[prefix] = _padded([], keys)
    return values


def order_data(values: dict[str, Any], *, update: bool) -> dict[str, Any]:
    """The submitted values in the schema's shape; empty inputs are left out (or None)."""
    data: dict[str, Any] = {key: values[key] for key in SCALARS if values[key] != ""}
    if not update:
        data.pop("based_on_revision", None)
    product = data.pop("product", None)
    if product is not None:
        data["product_id"], _, data["indication"] = product.partition("|")
    if "steps_ml_h" in data:
        data["steps_ml_h"] = [step for step in re.split(r"[,;\s]+", data["steps_ml_h"]) if step]
    for box in ("active", *MEANT_BOXES):  # ticked or not, never left out
        data[box] = values[box]
    for prefix in ROW_KEYS:
        data[prefix] = [{k: v for k, v in row.items() if v != ""} for row in values[prefix] if any(row.values())]
    return data


def _validated(model: type[T], data: dict[str, Any]) -> T:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc) from None


def _as_form_shows(error: ValidationFailed) -> ValidationFailed:
    """Row errors named as the form numbers them: `premeds.1.dose` -> "Premedication 2, dose: ...", whether
    the schema or a question of order entry (server/services/order_questions.py) found them."""
    errors = []
    for item in error.errors:
        match = ROW_FIELD.match(item.field)
        if match:
            prefix, index, key = match.groups()
            reason = item.message.removeprefix(f"{item.field}: ")
            label = f"{ROW_LABELS[prefix]} {int(index) + 1}, {key.replace('_', ' ')}"
            item = FieldError(item.field, f"{label}: {reason}")
        errors.append(item)
    return ValidationFailed("; ".join(e.message for e in errors), errors=errors)


# --- pages ---------------------------------------------------------------------------------

async def home(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    patients = await (await access.patients(pharmacist)).order_by("family_name", "given_name")
    active = await (await access.orders(pharmacist)).filter(active=True).order_by("id")
    by_patient: dict[int, list[Order]] = defaultdict(list)
    for order in active:
        by_patient[order.patient_id].append(order)
    await access.audit_list(pharmacist, "patient", len(patients))
    await access.audit_list(pharmacist, "order", len(active))
    clock, now = guard.clock_of(request), datetime.now(timezone.utc)
    visits, total = await todays_visits.of_the_day(
        by=pharmacist, day_start=clock.day_start(now))
    context = {"patients": patients, "orders_by_patient": by_patient, "product_name": catalogue_names.product_name,
               "today_visits": visits, "today_total": total, "clock": clock,
               "not_started_for": functools.partial(todays_visits.not_started_for, now=now)}
    return render(request, "pharmacy/home.html", context)


async def patient_show(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    patient = await access.read_patient(pharmacist, path_id(request, "patient_id"))
    await patient.fetch_related("physician")
    rows = await (await access.orders(pharmacist)).filter(patient_id=patient.id).order_by("-active", "-id") \
        .prefetch_related("revisions__changed_by", "created_by")
    await access.audit_list(pharmacist, "order", len(rows))
    history = {order.id: order_history.history(order, list(order.revisions)) for order in rows}
    context = {"patient": patient, "orders": rows, "history": history, "product_name": catalogue_names.product_name,
               "notice": NOTICES.get(request.query_params.get("done", "")), "edited": _edited(request)}
    return render(request, "pharmacy/patient.html", context)


NOTICES = {
    "edited": "Saved as a new revision.",
    "unchanged": "Nothing was changed: the order stays at its revision.",
    "edited-running": "Saved as a new revision. A visit is running on this order: the nurse's tablet shows the "
                      "change at its next sync, and what was recorded before it is judged by the order as it stood then.",
}


def _edited(request: Request) -> int | None:
    """The order the notice is about (the page shows it in that order's card)."""
    value = request.query_params.get("order", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _form_page(
    request: Request, *, patient: Patient, values: dict[str, Any], order: Order | None = None,
    error: ValidationFailed | Conflict | None = None, booked: tuple[int, Any] = (0, None),
) -> Response:
    error = _as_form_shows(error) if isinstance(error, ValidationFailed) else error
    context = {
        "patient": patient, "order": order, "values": values, "error": error, "booked": booked,
        "field_errors": {e.field: e.message for e in error.errors} if error else {},
        "choices": catalogue_names.product_choices(), "units": orders.UNITS, "drug_routes": orders.ROUTES,
    }
    return render(request, "pharmacy/order_form.html", context, status=error.status if error else 200)


async def order_new(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    patient = await access.write_orders_for(pharmacist, path_id(request, "patient_id"))
    await patient.fetch_related("physician")
    return _form_page(request, patient=patient, values=values_for_new(patient))


async def order_create(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    patient = await access.write_orders_for(pharmacist, path_id(request, "patient_id"))
    values = values_from_form(form)
    try:
        data = _validated(orders.OrderCreate, order_data(values, update=False))
        await orders.create_order(patient=patient, pharmacist=pharmacist, data=data)
    except ValidationFailed as error:
        await access.audit_refusal(pharmacist, "order.create", "patient", patient.id, error)
        return _form_page(request, patient=patient, values=values, error=error)
    return RedirectResponse(f"/pharmacy/patients/{patient.id}", status_code=303)


async def order_edit(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    order = await access.write_order(pharmacist, path_id(request, "order_id"))
    patient = await order.patient
    booked = await visit_orders.booked_on(order)
    return _form_page(request, patient=patient, order=order, values=values_from_order(order), booked=booked)


async def order_update(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    order = await access.write_order(pharmacist, path_id(request, "order_id"))
    patient = await order.patient
    values = values_from_form(form)
    try:
        changes = _validated(orders.OrderUpdate, order_data(values, update=True))
        running = await orders.update_order(order=order, pharmacist=pharmacist, changes=changes)
    except ValidationFailed as error:
        await access.audit_refusal(pharmacist, "order.update", "order", order.id, error)
        return _form_page(request, patient=patient, order=order, values=values, error=error,
                          booked=await visit_orders.booked_on(order))
    except Conflict as error:  # changed meanwhile (another pharmacist, or her other tab): her values kept (a walk)
        await access.audit_refusal(pharmacist, "order.update", "order", order.id, error)
        current = await Order.get(id=order.id)
        values["based_on_revision"] = str(current.revision)
        said = Conflict(f"{error.message} Your values are kept below; saving them replaces revision {current.revision}, "
                        "so compare them with it first (the patient's page shows it).")
        return _form_page(request, patient=patient, order=current, values=values, error=said,
                          booked=await visit_orders.booked_on(current))
    done = "unchanged" if running is None else "edited-running" if running else "edited"
    return RedirectResponse(f"/pharmacy/patients/{patient.id}?done={done}&order={order.id}#order-{order.id}",
                            status_code=303)


routes = [
    Route("/pharmacy", home, methods=["GET"]),
    Route("/pharmacy/patients/{patient_id:int}", patient_show, methods=["GET"]),
    Route("/pharmacy/patients/{patient_id:int}/orders/new", order_new, methods=["GET"]),
    Route("/pharmacy/patients/{patient_id:int}/orders", order_create, methods=["POST"]),
    Route("/pharmacy/orders/{order_id:int}/edit", order_edit, methods=["GET"]),
    Route("/pharmacy/orders/{order_id:int}", order_update, methods=["POST"]),
]
