"""Fixtures for review, summaries and delivery: nurses' tablets that push scripted visits through
the real sync API, a pharmacist's desk, CSRF-valid form posts, and a real local SMTP server."""

from __future__ import annotations

import email
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from server.auth import csrf
from server.db.models import Order, Patient, User, Visit, VisitOrder
from tests.api.conftest import Tablet, projected  # noqa: F401 (a fixture, shared)
from tests.clinical.script import VisitScript
from tests.review.scripts import events_for

PushVisit = Callable[..., Awaitable[Visit]]


@pytest.fixture
def tablet_for(client_factory) -> Callable[[User], Awaitable[Tablet]]:
    """`await tablet_for(nurse)`: that nurse's one tablet (logged in, bound to its device)."""
    made: dict[int, Tablet] = {}

    async def tablet(nurse: User) -> Tablet:
        if nurse.id not in made:
            device_id = uuid.uuid4()
            client = await client_factory(nurse, device_id=str(device_id), device_label="tablet")
            made[nurse.id] = Tablet(client, device_id)
        return made[nurse.id]

    return tablet


@pytest.fixture
def push_visit(tablet_for, projected) -> PushVisit:
    """`await push_visit(nurse, patient, script)`: a visit scheduled at the script's start (on the patient's
    order, or `order` with `other_orders` as its additional orders), every event of the script pushed from
    the nurse's tablet and accepted; returns the projected Visit."""

    async def push(nurse: User, patient: Patient, script: VisitScript, *, order: Order | None = None,
                   other_orders: tuple[Order, ...] = ()) -> Visit:
        order = order or await Order.get(patient=patient)
        visit = await Visit.create(id=uuid.uuid4(), organization_id=patient.organization_id, patient=patient,
                                   order=order, nurse=nurse, scheduled_at=script.t0)
        for position, other in enumerate(other_orders):
            await VisitOrder.create(visit=visit, order=other, position=position)
        tablet = await tablet_for(nurse)
        events = events_for(script, visit, first_seq=tablet.next_seq)
        tablet.next_seq += len(events)
        results = (await tablet.push(events)).json()["results"]
        assert {r["status"] for r in results} == {"accepted"}, results
        await projected()
        return await Visit.get(id=visit.id)

    return push


@pytest.fixture
async def desk(client_factory, pharmacist_pia) -> httpx.AsyncClient:
    return await client_factory(pharmacist_pia)


@pytest.fixture
def post_form(settings) -> Callable[..., Awaitable[httpx.Response]]:
    """`await post_form(client, url, {fields})`: a form post with a valid CSRF token, as a page sends it."""

    async def post(client: httpx.AsyncClient, url: str, fields: dict[str, str]) -> httpx.Response:
        nonce = "review-tests-nonce"
        client.cookies.set(csrf.COOKIE_NAME, nonce)
        data = {csrf.FIELD_NAME: csrf.token_for(nonce, settings.secret_key), **fields}
        return await client.post(url, data=data, follow_redirects=False)

    return post


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on loopback, started and stopped by the test (it may start "down")."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self, **options: Any) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings_extra(self, **more: str) -> dict[str, str]:
        return {"IVLOG_SMTP_HOST": "127.0.0.1", "IVLOG_SMTP_PORT": str(self.port),
                "IVLOG_SMTP_FROM": "pharmacy@ivlog.test", **more}


@pytest.fixture
def smtp_server() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
async def scheduled_visit_for_desk(org, nurse_ana, patient_pat):
    import uuid
    from datetime import datetime, timezone

    from server.db.models import Order, Visit

    order = await Order.get(patient=patient_pat)
    return await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order, nurse=nurse_ana,
                              scheduled_at=datetime.now(timezone.utc))
