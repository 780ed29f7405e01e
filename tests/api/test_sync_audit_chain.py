"""Issue #19: a group of pushes appends its audit trail in its serial section, after the chain's end
read by the very statement that numbers its events (sync.append), without a savepoint or a lock of
its own. Tablets in every lane push at once (on PostgreSQL, groups in several lanes and their
commits overlap) while other actions append to the chain by themselves: the chain stays one
unbroken line that verifies, every push is audited once, and the log's numbers have no gap."""

from __future__ import annotations

import asyncio
import uuid

from server import audit
from server.db.models import AuditEntry
from sync import group
from sync.models import Event
from tests.api.conftest import Tablet
from tests.api.test_sync_server import tolerated


def _devices_in_every_lane(per_lane: int) -> list[uuid.UUID]:
    devices: list[uuid.UUID] = []
    for lane in range(group.LANES):
        while sum(1 for d in devices if hash(d) % group.LANES == lane) < per_lane:
            device = uuid.uuid4()
            if hash(device) % group.LANES == lane:
                devices.append(device)
    return devices


async def test_concurrent_groups_and_other_actions_leave_one_chain_that_verifies(
        client_factory, nurse_ana, scheduled_visit, patient_pat):
    tablets = [Tablet(await client_factory(nurse_ana, device_id=str(device), device_label=f"tablet {n}"), device)
               for n, device in enumerate(_devices_in_every_lane(per_lane=2))]

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
