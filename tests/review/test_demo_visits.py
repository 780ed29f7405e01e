"""`make run` demo data: finished visits pushed through the engine, waiting for a pharmacist and a physician."""

from __future__ import annotations

from server.db.models import User, Visit, VisitStatus
from server.db.review_models import InboxItem
from server.services import demo, visits
from tests.conftest import PASSWORD


async def test_demo_has_a_tolerated_a_reacting_and_a_reviewed_visit(app, client_factory):
    await demo.load(password=PASSWORD)

    done = await Visit.exclude(status=VisitStatus.SCHEDULED).order_by("scheduled_at").prefetch_related("patient")
    assert [(v.patient.mrn, v.status) for v in done] == [
        ("MRN-1006", VisitStatus.REVIEWED), ("MRN-1005", VisitStatus.SIGNED), ("MRN-1006", VisitStatus.SIGNED)]
    reviewed, reacting, tolerated = [(visit, await visits.state_of(visit)) for visit in done]
    assert tolerated[0].status == VisitStatus.SIGNED and tolerated[1].alerts == []
    assert reacting[0].max_reaction_grade == 2 and reacting[1].reactions[0]["outcome"] == "resolved"
    assert reviewed[0].status == VisitStatus.REVIEWED and reviewed[1].alerts == []
    physician = await User.get(username="physician")
    assert await InboxItem.filter(physician=physician).count() == 1
    queue = (await (await client_factory(await User.get(username="pharmacist"))).get("/review")).text
    assert queue.index(str(reacting[0].id)) < queue.index(str(tolerated[0].id))


async def test_the_first_nurses_tablet_pulls_nothing_from_the_demo_history(app, client_factory):
    """Browser tests and benches drive the first nurse's tablet from an empty log."""
    await demo.load(password=PASSWORD)
    nurse = await client_factory(await User.get(username="nurse"))
    assert (await nurse.get("/api/sync/pull?after=0")).json()["events"] == []
