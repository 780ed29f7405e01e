"""Pharmacist review: the queue of finished visits, one visit's review page, interventions, sign-off.

Pharmacists only: a nurse, physician or admin is refused (403). Visits come through
`server.access`, so another organization's visit is a 404 like an absent one. Both actions are
CSRF-checked forms that redirect (303) back to the visit page, or re-render it with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User, Visit, VisitStatus
from server.errors import AppError, FieldError, ValidationFailed
from server.routes import forms, guard
from server.routes.params import query_date, whole_number
from server.services import patients, review, visits
from server.services.summary import template_context
from server.services.review_queue import FILTER_STATES, QueueFilter, review_queue
from server.templating import render

NOTICES = {
    "intervention": "The intervention was recorded.",
    # the tablet offers and checks the order's premedication and product, not the words of an intervention
    "intervention-order": "The intervention was recorded. The tablet offers and checks what the order holds: "
                          "edit the order (the patient's page, Edit order) so the next visit follows it.",
    # after a sign-off: the summary released no longer says all (timeline.late_after_review)
    "reopened": "The visit is reopened: the summary released to the physician does not hold this intervention. "
                "Sign the review again to release the updated summary.",
    "signed": "The review was signed. The summary was released to the physician.",
    "withdrawn": "The intervention was withdrawn: it stays listed, struck through, with your reason.",
}


def _notice(done: str) -> str | None:
    """The notices `done` names, joined by "," ("intervention-order,reopened")."""
    parts = [NOTICES[part] for part in done.split(",") if part in NOTICES]
    return " ".join(parts) or None


ORDER_CHANGES = ("premed_change", "product_switch")  # interventions the order must follow, or the tablet will not


def _whole(request: Request, name: str) -> int | None:
    return whole_number(request, name, hint="chosen from the list", error=ValidationFailed)


def _day(request: Request, name: str) -> date | None:
    return query_date(request, name, error=ValidationFailed)


def queue_filter(request: Request) -> QueueFilter:
    state = request.query_params.get("state", "")
    if state and state not in {str(s) for s in FILTER_STATES}:
        raise ValidationFailed(errors=[FieldError("state", "state must be one of " + ", ".join(FILTER_STATES))])
    return QueueFilter(nurse_id=_whole(request, "nurse"), patient_id=_whole(request, "patient"),
                       day_from=_day(request, "from"), day_to=_day(request, "to"),
                       state=VisitStatus(state) if state else None)


async def queue_page(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    filters = queue_filter(request)
    queue = await review_queue(pharmacist=pharmacist, filters=filters, clock=guard.clock_of(request))
    context = {
        "queue": queue, "filters": filters, "states": FILTER_STATES, "clock": guard.clock_of(request),
        "nurses": await patients.org_members(pharmacist.organization_id, Role.NURSE),
        "patients": await (await access.patients(pharmacist)).order_by("family_name", "given_name"),
    }
    return render(request, "review/queue.html", context)


async def _visit_page(request: Request, visit: Visit, extra: dict[str, Any], status: int = 200) -> Response:
    page = await review.build_review(visit, clock=guard.clock_of(request))
    context = {**template_context(page.summary), "r": page, "kinds": review.INTERVENTION_KINDS,
               "notice": _notice(request.query_params.get("done", "")), "values": {}, "error": None,
               "failed": None, "field_errors": {}, "long_gap_days": visits.rulebook().infusion_series.long_gap_days,
               **extra}
    return render(request, "review/visit.html", context, status=status)


async def visit_page(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    visit = await access.read_visit(pharmacist, request.path_params["visit_id"])
    return await _visit_page(request, visit, {})


async def _act(request: Request, action: str) -> Response:
    """Parse, authorize and record one pharmacist action; on a problem, show the page with it."""
    pharmacist: User = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    visit = await access.write_visit(pharmacist, request.path_params["visit_id"])
    try:
        if action == "intervention":
            await review.record_intervention(visit=visit, pharmacist=pharmacist,
                                             data=forms.parse_form(form, review.InterventionCreate))
        elif action == "withdrawn":
            await review.withdraw_intervention(visit=visit, pharmacist=pharmacist, data=forms.parse_form(form, review.Withdrawal),
                                               event_id=str(request.path_params["event_id"]))
        else:
            await review.sign_off(visit=visit, pharmacist=pharmacist, data=forms.parse_form(form, review.SignOff))
    except AppError as error:
        if error.status >= 500:
            raise
        values = {key: value for key, value in form.items() if key != "csrf_token"}
        context = {"error": error, "failed": action, "values": values,
                   "field_errors": {e.field: e.message for e in error.errors or []}}
        return await _visit_page(request, await Visit.get(id=visit.id), context, status=error.status)
    done = "intervention-order" if action == "intervention" and form.get("kind") in ORDER_CHANGES else action
    if action == "intervention" and await review.current_status(visit) == VisitStatus.REOPENED:
        done += ",reopened"
    return RedirectResponse(f"/review/visits/{visit.id}?done={done}", status_code=303)


async def intervention_create(request: Request) -> Response:
    return await _act(request, "intervention")


async def sign_off(request: Request) -> Response:
    return await _act(request, "signed")


async def intervention_withdraw(request: Request) -> Response:
    return await _act(request, "withdrawn")


routes = [
    Route("/review", queue_page, methods=["GET"]),
    Route("/review/visits/{visit_id:uuid}", visit_page, methods=["GET"]),
    Route("/review/visits/{visit_id:uuid}/interventions", intervention_create, methods=["POST"]),
    Route("/review/visits/{visit_id:uuid}/sign-off", sign_off, methods=["POST"]),
    Route("/review/visits/{visit_id:uuid}/interventions/{event_id:uuid}/withdraw", intervention_withdraw, methods=["POST"]),
]
