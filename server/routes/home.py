"""Each role's home page, the root redirect and the health check."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Role, VisitStatus
from server.routes import guard
from server.services import inbox
from server.services.catalogue_names import product_name
from server.templating import render


PATIENTS_SHOWN = 200  # a physician's page lists at most this many patients, the first by name
ORDERS_SHOWN = 400  # and their active orders, at most this many in all


async def root(request: Request) -> Response:
    auth = await guard.current(request)
    return RedirectResponse(guard.home_of(auth.user) if auth else "/login", status_code=303)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _today_bounds() -> tuple[datetime, datetime]:
    start = datetime.combine(datetime.now(timezone.utc).date(), time.min, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


async def nurse_home(request: Request) -> Response:
    user = await guard.require(request, Role.NURSE)
    start, end = _today_bounds()
    visits = await (await access.visits(user)).filter(
        scheduled_at__gte=start, scheduled_at__lt=end
    ).exclude(status=VisitStatus.CANCELLED).order_by("scheduled_at").prefetch_related("patient")
    await access.audit_list(user, "visit", len(visits))
    return render(request, "home/nurse.html", {"visits": visits})


async def physician_home(request: Request) -> Response:
    user = await guard.require(request, Role.PHYSICIAN)
    patients = await (await access.patients(user)).order_by("family_name", "given_name").limit(PATIENTS_SHOWN)
    reviewed = (await access.visits(user)).filter(status=VisitStatus.REVIEWED)  # released: their summaries open
    visits = await reviewed.order_by("-scheduled_at").limit(50).prefetch_related("patient")
    summaries = await inbox.inbox_of(user)
    # what his patients are given now, as the pharmacy wrote it (a walk's physician could not see it)
    active = await (await access.orders(user)).filter(active=True, patient_id__in=[p.id for p in patients]) \
        .order_by("patient_id", "id").limit(ORDERS_SHOWN)
    orders = defaultdict(list)
    for order in active:
        orders[order.patient_id].append(order)
    await access.audit_list(user, "patient", len(patients))
    await access.audit_list(user, "inbox_item", len(summaries.items))
    await access.audit_list(user, "order", len(active))
    context = {"patients": patients, "visits": visits, "inbox": summaries, "readable": inbox.readable,
               "clock": guard.clock_of(request), "orders": orders,
               "product_name": product_name, "more_patients": len(patients) == PATIENTS_SHOWN}
    return render(request, "home/physician.html", context)


routes = [
    Route("/", root, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/nurse", nurse_home, methods=["GET"]),
    Route("/physician", physician_home, methods=["GET"]),
]
