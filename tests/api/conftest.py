"""Fixtures for the sync API on the real server: tablets, scheduled visits."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import httpx
import pytest

from server.db.models import Order, Visit


@pytest.fixture
def projected(app) -> Callable[[], Awaitable[None]]:
    """`await projected()`: every visit pushed so far is folded into its Visit row. The server folds
    just after a push, off the push's path, so a test reading the row waits for that first."""
    return app.state.projector.settled


@pytest.fixture
async def scheduled_visit(org, nurse_ana, patient_pat) -> Visit:
    order = await Order.get(patient=patient_pat)
    return await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order,
                              nurse=nurse_ana, scheduled_at=datetime.now(timezone.utc))


class Tablet:
    """A nurse's tablet: a device id and a client logged in with a session bound to it."""

    def __init__(self, client: httpx.AsyncClient, device_id: uuid.UUID) -> None:
        self.client, self.device_id, self.next_seq = client, device_id, 1

    async def push(self, events: list[dict]) -> httpx.Response:
        from tests.api.events import push_body

        return await self.client.post("/api/sync/push", json=push_body(self.device_id, events))


@pytest.fixture
async def tablet_ana(client_factory, nurse_ana) -> Tablet:
    device_id = uuid.uuid4()
    client = await client_factory(nurse_ana, device_id=str(device_id), device_label="Ana's tablet")
    return Tablet(client, device_id)
