"""Issue #19: a group of pushes appends its audit trail in its serial section, after the chain's end
read by the very statement that numbers its events (sync.append), without a savepoint or a lock of
its own. Tablets push at once with every writer of a process in use (on PostgreSQL, groups in several
lanes and their commits overlap) while other actions append to the chain by themselves: the chain stays one
unbroken line that verifies, every push is audited once, and the log's numbers have no gap."""

from __future__ import annotations

import asyncio
import uuid

from server import audit
from server.db.models import AuditEntry
from sync import writer
from sync.models import Event
from tests.api.conftest import Tablet
from tests.api.test_sync_server import tolerated


async def test_concurrent_groups_and_other_actions_leave_one_chain_that_verifies(
        client_factory, nurse_ana, scheduled_visit, patient_pat, monkeypatch):
    monkeypatch.setattr(writer, "STALL_S", 0)  # every busy writer counts as stalled: groups in every lane
    tablets = [Tablet(await client_factory(nurse_ana, device_id=str(device), device_label=f"tablet {n}"), device)
               for n, device in enumerate(uuid.uuid4() for _ in range(2 * writer.LANES))]

    async def push_a_visit_in_small_pushes(tablet: Tablet) -> int:
        events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
        for start in range(0, len(events), 3):
            response = await tablet.push(events[start:start + 3])
            assert response.status_code == 200, response.text
        return -(-len(events) // 3)

    async def other_actions() -> None:
        for n in range(10):
            await audit.record("test.between", actor=None, detail={"n": n})
            await asyncio.sleep(0)

    before = await AuditEntry.filter(action="sync.push").count()
    pushes, _ = await asyncio.gather(asyncio.gather(*(push_a_visit_in_small_pushes(t) for t in tablets)),
                                     other_actions())

    assert (await audit.verify(anchored=False)).ok
    ids = await AuditEntry.all().order_by("id").values_list("id", flat=True)
    assert ids == list(range(1, len(ids) + 1))
    assert await AuditEntry.filter(action="sync.push").count() - before == sum(pushes)
    assert await AuditEntry.filter(action="test.between").count() == 10
    numbers = await Event.all().order_by("server_seq").values_list("server_seq", flat=True)
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
