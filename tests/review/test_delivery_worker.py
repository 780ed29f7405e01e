"""The delivery worker runs inside the app: started and stopped by its lifespan (server/app.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid

import pytest

from server.db.review_models import InboxItem, OutboxMessage, OutboxStatus
from sync.models import Event
from tests.api.events import one_event, push_body
from tests.review import scripts
from tests.review.conftest import SmtpServer


@pytest.fixture
def smtp_up(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.start()
    return smtp_server


@pytest.fixture
def settings(settings, smtp_up):
    """This module's app polls its outbox every 50 ms and mails through the test's SMTP server."""
    return dataclasses.replace(settings, extra=smtp_up.settings_extra(IVLOG_SMTP_POLL_S="0.05"))


async def test_a_sign_off_pushed_through_the_sync_api_is_released_and_mailed_by_the_apps_worker(
    push_visit, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil, smtp_up
):
    physician_phil.email = "phil@clinic.test"
    await physician_phil.save()
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    desk = await client_factory(pharmacist_pia)
    signoff = one_event(visit.id, 1, "review.signed", {"note": "Signed from another desk app."})
    assert (await desk.post("/api/sync/push", json=push_body(uuid.uuid4(), [signoff]))).status_code == 200

    deadline = time.monotonic() + 30  # the worker polls every 50 ms; a busy CI machine may be slow
    while time.monotonic() < deadline:
        message = await OutboxMessage.get_or_none(visit_id=visit.id)
        if message is not None and message.status == OutboxStatus.SENT:
            break
        await asyncio.sleep(0.05)

    assert await Event.exists(id=signoff["id"])
    assert await InboxItem.filter(visit_id=visit.id, physician_id=physician_phil.id).count() == 1
    assert len(smtp_up.mailbox.messages) == 1
    assert (await OutboxMessage.get(visit_id=visit.id)).status == OutboxStatus.SENT
