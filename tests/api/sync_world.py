"""A small world for the sync state machine: one real server app on a fresh database, two
nurses, three tablets, two visits. Runs its own event loop (hypothesis rules are synchronous)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from server.app import create_app
from server.db.models import Assignment, Order, Organization, Patient, Role, User, Visit
from server.settings import Settings
from tests.conftest import ORIGIN, PASSWORD
from tests.databases import TemplateDatabase


@dataclass
class Tablet:
    name: str
    user: str
    device_id: uuid.UUID
    client: httpx.AsyncClient | None = None
    clock_skew_min: int = 0
    next_seq: int = 1
    outbox: list[dict[str, Any]] = field(default_factory=list)


class World:
    def __init__(self, template: TemplateDatabase, workdir: Path, password_hash: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.template, self.workdir, self.password_hash = template, workdir, password_hash
        self.tablets = [Tablet("ana-1", "ana", uuid.uuid4()), Tablet("ana-2", "ana", uuid.uuid4()),
                        Tablet("ben-1", "ben", uuid.uuid4())]
        self.visits: dict[str, uuid.UUID] = {}
        self.user_ids: dict[str, int] = {}
        self.run(self._start())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def _start(self) -> None:
        self.database_url = await self.template.clone(self.workdir)
        settings = Settings(env="test", data_dir=self.workdir, database_url=self.database_url, secret_key="s" * 48,
                            public_origin=ORIGIN)
        self.app = create_app(settings)
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()
        try:
            await self._people()
            for tablet in self.tablets:
                tablet.client = await self._login(tablet)
        except BaseException:  # closed before it is raised: a world left open breaks every later test's database
            await self.lifespan.__aexit__(None, None, None)
            raise

    async def _people(self) -> None:
        org = await Organization.create(name="World")
        pharmacist = await User.create(organization=org, username="pia", display_name="Pia", role=Role.PHARMACIST,
                                       password_hash=self.password_hash)
        for name in ("ana", "ben"):
            nurse = await User.create(organization=org, username=name, display_name=name, role=Role.NURSE,
                                      password_hash=self.password_hash)
            patient = await Patient.create(organization=org, mrn=f"MRN-{name}", given_name=name, family_name="P",
                                           birth_date=date(1970, 1, 1), dosing_weight_kg=70)
            await Assignment.create(organization=org, nurse=nurse, patient=patient, starts_on=date.today() - timedelta(days=1))
            order = await Order.create(organization=org, patient=patient, product_id="gammagard-liquid-10", indication="PI",
                                       dose_g_per_kg=0.4, dose_g=28, dosing_weight_kg=70, prescriber="Dr", created_by=pharmacist)
            visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient, order=order, nurse=nurse,
                                       scheduled_at=datetime.now(timezone.utc))
            self.visits[name], self.user_ids[name] = visit.id, nurse.id

    async def _login(self, tablet: Tablet) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=ORIGIN, headers={"origin": ORIGIN})
        response = await client.post("/api/session", json={"username": tablet.user, "password": PASSWORD,
                                                           "device_id": str(tablet.device_id)})
        assert response.status_code == 200, response.text
        return client

    def close(self) -> None:
        async def stop() -> None:
            for tablet in self.tablets:
                await tablet.client.aclose()
            await self.lifespan.__aexit__(None, None, None)
            await self.template.drop(self.database_url)

        self.run(stop())
        self.loop.close()
