"""Read-only JSON for patients and orders, scoped by `server.access`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Order, Patient
from server.errors import BadRequest
from server.routes import guard


def patient_public(patient: Patient) -> dict:
    return {
        "id": patient.id,
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "allergies": patient.allergies,
        "dosing_weight_kg": patient.dosing_weight_kg,
        "thrombosis_risk": patient.thrombosis_risk,
        "renal_risk": patient.renal_risk,
        "iga_deficiency": patient.iga_deficiency,
        "physician_id": patient.physician_id,
    }


def order_public(order: Order) -> dict:
    return {
        "id": order.id,
        "patient_id": order.patient_id,
        "product_id": order.product_id,
        "indication": order.indication,
        "dose_g_per_kg": order.dose_g_per_kg,
        "dose_g": order.dose_g,
        "dosing_weight_kg": order.dosing_weight_kg,
        "protocol_type": order.protocol_type,
        "steps_ml_h": order.steps_ml_h,
        "step_interval_min": order.step_interval_min,
        "rate_cap_ml_h": order.rate_cap_ml_h,
        "premeds": order.premeds,
        "prn_orders": order.prn_orders,
        "vitals_schedule": order.vitals_schedule,
        "prescriber": order.prescriber,
        "active": order.active,
        "revision": order.revision,
    }


async def patient_list(request: Request) -> Response:
    user = await guard.require(request)
    patients = await (await access.patients(user)).order_by("family_name", "given_name")
    await access.audit_list(user, "patient", len(patients))
    return JSONResponse({"patients": [patient_public(p) for p in patients]})


async def patient_show(request: Request) -> Response:
    user = await guard.require(request)
    patient = await access.read_patient(user, request.path_params["patient_id"])
    return JSONResponse({"patient": patient_public(patient)})


async def order_list(request: Request) -> Response:
    user = await guard.require(request)
    query = await access.orders(user)
    patient = request.query_params.get("patient")
    if patient is not None:
        if not patient.isdigit():
            raise BadRequest("patient must be a patient id (a whole number).")
        query = query.filter(patient_id=int(patient))
    orders = await query.order_by("id")
    await access.audit_list(user, "order", len(orders))
    return JSONResponse({"orders": [order_public(o) for o in orders]})


async def order_show(request: Request) -> Response:
    user = await guard.require(request)
    order = await access.read_order(user, request.path_params["order_id"])
    return JSONResponse({"order": order_public(order)})


routes = [
    Route("/api/patients", patient_list, methods=["GET"]),
    Route("/api/patients/{patient_id:int}", patient_show, methods=["GET"]),
    Route("/api/orders", order_list, methods=["GET"]),
    Route("/api/orders/{order_id:int}", order_show, methods=["GET"]),
]
