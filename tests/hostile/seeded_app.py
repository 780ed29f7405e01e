"""The real app for tests that drive it from another event loop (schemathesis runs every ASGI app on
its own loop thread): its database is cloned from the template, and the people it needs are added as
soon as its lifespan has opened the database, on that same loop."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.db.models import Assignment, Order, Organization, Patient, Role, User, Visit

Seed = Callable[[], Awaitable[None]]


class SeededApp:
    """`app`, plus `seed()` run once its startup completed and before it reports so."""

    def __init__(self, app: ASGIApp, seed: Seed) -> None:
        self.app, self.seed = app, seed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_after_seed(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                await self.seed()
            await send(message)

        await self.app(scope, receive, send_after_seed)


VISIT_ID = uuid.UUID("00000000-0000-4000-8000-00000000a11a")


async def small_world(password_hash: str) -> None:
    """One organization: nurse_ana (assigned to patient_pat), pharmacist_pia, admin_ada, one visit.
    Idempotent: the lifespan may start again on the same database (schemathesis ends it after each test)."""
    if await Organization.exists():
        return
    org = await Organization.create(name="Hostile Home Infusion")
    people = {}
    for username, role in (("nurse_ana", Role.NURSE), ("pharmacist_pia", Role.PHARMACIST), ("admin_ada", Role.ADMIN)):
        people[username] = await User.create(organization=org, username=username, display_name=username,
                                             role=role, password_hash=password_hash)
    patient = await Patient.create(organization=org, mrn="MRN-PAT", given_name="Pat", family_name="Testperson",
                                   birth_date=date(1960, 1, 1), dosing_weight_kg=70.0)
    await Assignment.create(organization=org, nurse=people["nurse_ana"], patient=patient,
                            starts_on=date.today() - timedelta(days=7))
    order = await Order.create(organization=org, patient=patient, product_id="gammagard-liquid-10", indication="PI",
                               dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0, prescriber="Dr. Test",
                               created_by=people["pharmacist_pia"])
    await Visit.create(id=VISIT_ID, organization=org, patient=patient, order=order, nurse=people["nurse_ana"],
                       scheduled_at=datetime.now(timezone.utc))
