"""Read-only JSON for patients and orders, scoped by `server.access`, and the API's own description."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import access, openapi
from server.public import order_public, patient_public
from server.routes import guard
from server.routes.params import path_id, whole_number


async def patient_list(request: Request) -> Response:
    user = await guard.require(request)
    patients = await (await access.patients(user)).order_by("family_name", "given_name")
    await access.audit_list(user, "patient", len(patients))
    return JSONResponse({"patients": [patient_public(p) for p in patients]})


async def patient_show(request: Request) -> Response:
    user = await guard.require(request)
    patient = await access.read_patient(user, path_id(request, "patient_id"))
    return JSONResponse({"patient": patient_public(patient)})


async def order_list(request: Request) -> Response:
    user = await guard.require(request)
    query = await access.orders(user)
    patient = whole_number(request, "patient", hint="a patient id (a whole number).")
    if patient is not None:
        query = query.filter(patient_id=patient)
    orders = await query.order_by("id")
    await access.audit_list(user, "order", len(orders))
    return JSONResponse({"orders": [order_public(o) for o in orders]})


async def order_show(request: Request) -> Response:
    user = await guard.require(request)
    order = await access.read_order(user, path_id(request, "order_id"))
    return JSONResponse({"order": order_public(order)})


async def openapi_document(request: Request) -> Response:
    """Public, like a login form: it describes the API, never its data."""
    return JSONResponse(openapi.document())


routes = [
    Route("/api/openapi.json", openapi_document, methods=["GET"]),
    Route("/api/patients", patient_list, methods=["GET"]),
    Route("/api/patients/{patient_id:int}", patient_show, methods=["GET"]),
    Route("/api/orders", order_list, methods=["GET"]),
    Route("/api/orders/{order_id:int}", order_show, methods=["GET"]),
]
