"""The payer-proof export, the pharmacist's and the biller's: the signed-off visits of a span of days, on a page
and as CSV for the billing system (server/services/payer_export.py). It is the biller's home page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.db.models import Role
from server.errors import ValidationFailed
from server.routes import guard
from server.routes.params import query_date
from server.services import payer_export
from server.services.entry_text import number
from server.services.local_time import LocalTime
from server.templating import render

DEFAULT_DAYS = 7  # the page opens on the last week
EXPORTERS = (Role.PHARMACIST, Role.BILLER)


def _span(request: Request, clock: LocalTime) -> tuple[date, date]:
    """The days asked for (checked), or the last week up to today when none are."""
    day_from = query_date(request, "from", error=ValidationFailed)
    day_to = query_date(request, "to", error=ValidationFailed)
    if day_from is None and day_to is None:
        today = datetime.now(clock.zone).date()
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    return payer_export.check_span(day_from, day_to)


async def export_page(request: Request) -> Response:
    user = await guard.require(request, *EXPORTERS)
    clock = guard.clock_of(request)
    context = {"day_from": request.query_params.get("from", ""), "day_to": request.query_params.get("to", ""),
               "proofs": [], "more": False, "waiting": 0, "shown": False, "field_errors": {}, "max_days": payer_export.MAX_DAYS,
               "max_visits": payer_export.MAX_VISITS, "clock": clock, "n": number}
    try:
        day_from, day_to = _span(request, clock)
    except ValidationFailed as failed:  # the form again, the field and the reason beside it
        errors = {error.field: error.message for error in failed.errors or []}
        return render(request, "review/payer_proof.html", {**context, "field_errors": errors}, status=failed.status)
    proofs, more = await payer_export.signed_off(user, day_from, day_to, clock)
    waiting = await payer_export.not_signed_off(user, day_from, day_to, clock)
    return render(request, "review/payer_proof.html", {**context, "day_from": day_from, "day_to": day_to,
                                                       "proofs": proofs, "more": more, "waiting": waiting,
                                                       "shown": True})


async def export_csv(request: Request) -> Response:
    user = await guard.require(request, *EXPORTERS)
    clock = guard.clock_of(request)
    day_from, day_to = _span(request, clock)
    proofs, more = await payer_export.signed_off(user, day_from, day_to, clock)
    name = f"ivlog-payer-proof-{day_from}-{day_to}{f'-first-{payer_export.MAX_VISITS}' if more else ''}.csv"
    return Response(payer_export.as_csv(proofs), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


routes = [
    Route("/pharmacy/payer-proof", export_page, methods=["GET"]),
    Route("/pharmacy/payer-proof.csv", export_csv, methods=["GET"]),
]
