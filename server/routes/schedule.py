"""The pharmacist schedules, moves and cancels visits (pages), and the same scheduling as JSON.

Thin: parse the form, authorize through `server.access`, call `server.services.scheduling`, render.
The pages take and show local clock time in IVLOG_TIMEZONE; the service stores UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.auth import csrf
from server.db.models import Patient, Role, Visit
from server.errors import AppError
from server.public import visit_public
from server.routes import forms, guard
from server.routes.params import path_id, whole_number
from server.services import catalogue_names, scheduling, visit_order_changes, visit_orders, visit_series
from server.templating import render

NOTICES = {"scheduled": "Scheduled. The nurse's tablet receives the visits at its next sync.",
           "moved": "Moved. The nurse's tablet shows the new time after its next sync.",
           "cancelled": "Cancelled. A cancelled visit leaves the nurse's list after her tablet's next sync.",
           "orders": "Saved. The nurse's tablet receives the visit's orders at its next sync."}
SCHEDULE_FIELDS = ("order_id", "nurse_id", "date", "time", "repeat", "every_weeks", "count", "same_day", "course_meant")


class ApiScheduleRequest(scheduling.ScheduleRequest):
    """POST /api/visits: the form's fields and the patient."""

    patient_id: int = Field(ge=1, le=2**31 - 1)


def _values(form: FormData | None, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: str(form.get(key, "")).strip() if form else "" for key in keys}


def _failed(error: AppError) -> dict[str, Any]:
    return {"error": error, "field_errors": {e.field: e.message for e in error.errors}}


# --- scheduling ----------------------------------------------------------------------------------

async def _schedule_page(request: Request, pharmacist: Any, patient: Patient, *, values: dict[str, str],
                         failure: dict[str, Any] | None = None, status: int = 200) -> Response:
    clock = guard.clock_of(request)
    now = datetime.now(timezone.utc)
    today = clock.local(now).date()
    offset = whole_number(request, "from", hint="a whole number") or 0
    since = clock.day_start(now)
    upcoming, total = await scheduling.upcoming(patient=patient, by=pharmacist, since=since, offset=offset)
    active = await (await access.orders(pharmacist)).filter(patient_id=patient.id, active=True).order_by("id")
    await access.audit_list(pharmacist, "order", len(active))
    context = {
        "patient": patient, "orders": active, "product_name": catalogue_names.product_name,
        "nurses": await scheduling.nurse_choices(patient, today), "values": values, "clock": clock,
        "today": today.isoformat(), "upcoming": upcoming, "total": total, "offset": offset,
        "page": scheduling.PAGE, "cancelled": await scheduling.recently_cancelled(patient=patient, by=pharmacist),
        "limits": scheduling, "notice": NOTICES.get(request.query_params.get("done", "")), "error": None, "field_errors": {}, **(failure or {}),
    }
    return render(request, "pharmacy/schedule.html", context, status=status)


async def schedule_show(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    patient = await access.schedule_for(pharmacist, path_id(request, "patient_id"))
    values = _values(None, SCHEDULE_FIELDS) | {"repeat": "once", "every_weeks": "4", "count": "1",
                                               "other_order_ids": []}
    return await _schedule_page(request, pharmacist, patient, values=values)


async def schedule_create(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    patient = await access.schedule_for(pharmacist, path_id(request, "patient_id"))
    values = _values(form, SCHEDULE_FIELDS) | {"other_order_ids": form.getlist(visit_orders.FIELD)}
    try:
        data = forms.parse_form(_only(form, SCHEDULE_FIELDS) | _others(form), scheduling.ScheduleRequest)
        await scheduling.schedule_visits(patient=patient, request=data, by=pharmacist, zone=guard.clock_of(request).zone)
    except AppError as error:
        await access.audit_refusal(pharmacist, "visit.schedule", "patient", patient.id, error)
        return await _schedule_page(request, pharmacist, patient, values=values, failure=_failed(error),
                                    status=error.status)
    return RedirectResponse(f"/pharmacy/patients/{patient.id}/schedule?done=scheduled", status_code=303)


def _only(form: FormData, keys: tuple[str, ...]) -> dict[str, str]:
    """The form's own fields (the CSRF token and the weeks of a non-weekly series left out)."""
    data = {key: str(form[key]) for key in keys if key in form and key != csrf.FIELD_NAME}
    if data.get("repeat") != scheduling.Repeat.WEEKLY:
        data.pop("every_weeks", None)
    return data


def _others(form: FormData) -> dict[str, list[str]]:
    """The additional orders ticked (a list field: `_only` keeps single values)."""
    ticked = [str(value) for value in form.getlist(visit_orders.FIELD) if str(value)]
    return {visit_orders.FIELD: ticked} if ticked else {}


# --- moving and cancelling ---------------------------------------------------------------------

async def _visit_page(request: Request, name: str, visit: Visit, *, values: dict[str, str],
                      failure: dict[str, Any] | None = None, status: int = 200) -> Response:
    await visit.fetch_related("patient", "nurse")
    nurses = await scheduling.nurse_choices(visit.patient, guard.clock_of(request).local(datetime.now(timezone.utc)).date())
    rest = await visit_series.rest_of_series(visit) if name == "visit_cancel" else [visit]
    context = {"visit": visit, "patient": visit.patient, "values": values, "clock": guard.clock_of(request), "nurses": nurses,
               "later": rest[1:], "error": None, "field_errors": {}, **(failure or {})}
    return render(request, f"pharmacy/{name}.html", context, status=status)


async def move_show(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    visit = await access.schedule_visit(pharmacist, request.path_params["visit_id"])
    clock = guard.clock_of(request)
    values = {"date": clock.day(visit.scheduled_at), "time": clock.clock(visit.scheduled_at), "reason": "", "same_day": "",
              "nurse_id": str(visit.nurse_id or "")}
    return await _visit_page(request, "visit_move", visit, values=values)


async def _change_visit(request: Request, page: str, fields: tuple[str, ...], model: type, done: str,
                        act: Callable[..., Awaitable[Any]]) -> Response:
    """Move or cancel: read the form, let `act(visit, data, pharmacist)` change the visit, or show the
    page again with the reason it was refused."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    visit = await access.schedule_visit(pharmacist, request.path_params["visit_id"])
    values = _values(form, fields)
    try:
        await act(visit, forms.parse_form(_only(form, fields), model), pharmacist)
    except AppError as error:
        await access.audit_refusal(pharmacist, f"visit.{'move' if page == 'visit_move' else 'cancel'}", "visit",
                                   visit.id, error)
        return await _visit_page(request, page, visit, values=values, failure=_failed(error), status=error.status)
    return RedirectResponse(f"/pharmacy/patients/{visit.patient_id}/schedule?done={done}", status_code=303)


async def move(request: Request) -> Response:
    zone = guard.clock_of(request).zone
    return await _change_visit(
        request, "visit_move", ("date", "time", "nurse_id", "reason", "same_day"), scheduling.MoveRequest, "moved",
        lambda visit, data, by: scheduling.move_visit(visit=visit, request=data, by=by, zone=zone))


async def cancel_show(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    visit = await access.schedule_visit(pharmacist, request.path_params["visit_id"])
    return await _visit_page(request, "visit_cancel", visit, values={"reason": "", "scope": "visit"})


async def cancel(request: Request) -> Response:
    return await _change_visit(
        request, "visit_cancel", ("reason", "scope"), scheduling.CancelRequest, "cancelled",
        lambda visit, data, by: scheduling.cancel_visit(visit=visit, request=data, by=by))


# --- the additional orders of a scheduled visit ------------------------------------------------

async def _orders_page(request: Request, pharmacist: Any, visit: Visit, *, ticked: list[str],
                       failure: dict[str, Any] | None = None, status: int = 200) -> Response:
    """The visit's orders and, while nobody started it, the checkboxes to change the additional ones."""
    await visit.fetch_related("patient", "nurse", "order")
    current = await visit_orders.other_orders_of(visit)
    offered = await visit_order_changes.candidates(visit, pharmacist)
    await access.audit_list(pharmacist, "order", len(offered) + 1)
    context = {"visit": visit, "patient": visit.patient, "clock": guard.clock_of(request), "current": current,
               "offered": offered, "ticked": ticked, "refusal": await visit_order_changes.changeable(visit),
               "product_name": catalogue_names.product_name, "notice": NOTICES.get(request.query_params.get("done", "")),
               "error": None, "field_errors": {}, **(failure or {})}
    return render(request, "pharmacy/visit_orders.html", context, status=status)


async def orders_show(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    visit = await access.schedule_visit(pharmacist, request.path_params["visit_id"])
    ticked = [str(o.id) for o in await visit_orders.other_orders_of(visit)]
    return await _orders_page(request, pharmacist, visit, ticked=ticked)


async def orders_change(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    visit = await access.schedule_visit(pharmacist, request.path_params["visit_id"])
    ticked = [str(value) for value in form.getlist(visit_orders.FIELD)]
    try:
        data = forms.parse_form(_others(form), visit_order_changes.OrdersRequest)
        await visit_order_changes.change_orders(visit=visit, request=data, by=pharmacist)
    except AppError as error:
        return await _orders_page(request, pharmacist, visit, ticked=ticked, failure=_failed(error),
                                  status=error.status)
    return RedirectResponse(f"/pharmacy/visits/{visit.id}/orders?done=orders", status_code=303)


# --- JSON ----------------------------------------------------------------------------------------

async def api_schedule(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    data = await forms.read_json(request, ApiScheduleRequest)
    patient = await access.schedule_for(pharmacist, data.patient_id)
    request_only = scheduling.ScheduleRequest.model_validate(data.model_dump(exclude={"patient_id"}))
    made = await scheduling.schedule_visits(patient=patient, request=request_only, by=pharmacist,
                                            zone=guard.clock_of(request).zone)
    return JSONResponse({"visits": [visit_public(v) for v in made]}, status_code=201)


routes = [
    Route("/pharmacy/patients/{patient_id:int}/schedule", schedule_show, methods=["GET"]),
    Route("/pharmacy/patients/{patient_id:int}/schedule", schedule_create, methods=["POST"]),
    Route("/pharmacy/visits/{visit_id:uuid}/move", move_show, methods=["GET"]),
    Route("/pharmacy/visits/{visit_id:uuid}/move", move, methods=["POST"]),
    Route("/pharmacy/visits/{visit_id:uuid}/cancel", cancel_show, methods=["GET"]),
    Route("/pharmacy/visits/{visit_id:uuid}/cancel", cancel, methods=["POST"]),
    Route("/pharmacy/visits/{visit_id:uuid}/orders", orders_show, methods=["GET"]),
    Route("/pharmacy/visits/{visit_id:uuid}/orders", orders_change, methods=["POST"]),
    Route("/api/visits", api_schedule, methods=["POST"]),
]
