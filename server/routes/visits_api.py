"""JSON for tablets and desks: the offline reference, visit lists and one visit's projection."""

from __future__ import annotations

from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import VisitStatus
from server.errors import FieldError, ValidationFailed
from server.public import visit_public
from server.routes import guard
from server.routes.params import whole_number
from server.services import reference, visits
from server.services.reference_shape import REFERENCE_SHAPE_HEADER, shape_read
from sync import held_view
from sync.models import Quarantine
from sync.routes import AsciiJSONResponse


async def reference_show(request: Request) -> Response:
    user = await guard.require(request)
    shape = shape_read(request.headers.get(REFERENCE_SHAPE_HEADER))
    document, etag = await reference.reference_for(user, guard.settings_of(request).tablet_lock_min, shape)
    headers = {"ETag": etag, "Vary": REFERENCE_SHAPE_HEADER}  # one URL, two shapes: never a 304 across them
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(document, headers=headers)


async def visit_list(request: Request) -> Response:
    user = await guard.require(request)
    query = await access.visits(user)
    status = request.query_params.get("status")
    if status is not None:
        if status not in {s.value for s in VisitStatus}:
            allowed = ", ".join(s.value for s in VisitStatus)
            raise ValidationFailed(errors=[FieldError("status", f"status must be one of {allowed}")])
        query = query.filter(status=status)
    patient_id = whole_number(request, "patient", hint="a patient id (a whole number)", error=ValidationFailed)
    if patient_id is not None:
        query = query.filter(patient_id=patient_id)
    found = await query.order_by("-scheduled_at").limit(500)
    await access.audit_list(user, "visit", len(found))
    return JSONResponse({"visits": [visit_public(v) for v in found]})


async def visit_show(request: Request) -> Response:
    user = await guard.require(request)
    visit = await access.read_visit(user, request.path_params["visit_id"])
    state = await visits.state_of(visit, now=datetime.now(timezone.utc))
    # Anyone in the organization may push at a visit: its held entries come as one bounded page
    # (newest first, each cut to a display size), with their count and where the rest are listed.
    shown = await held_view.page(Quarantine.filter(visit_id=visit.id, organization_id=visit.organization_id))
    return AsciiJSONResponse({
        "visit": visit_public(visit),
        "state": state.to_dict(),
        "quarantined": [held_view.public(row) for row in shown.rows],
        "quarantined_total": shown.total,
        "quarantined_more": f"/quarantine?visit={visit.id}" if shown.next_before is not None else None,
    })


routes = [
    Route("/api/reference", reference_show, methods=["GET"]),
    Route("/api/visits", visit_list, methods=["GET"]),
    Route("/api/visits/{visit_id:uuid}", visit_show, methods=["GET"]),
]
