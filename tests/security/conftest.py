"""Fixtures of the security campaigns: writers that push through the real /api/sync/push, and the
review tests' tablets, desk and form posts."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone

import pytest

from server.db.models import Assignment, Order, Role, User, Visit
from tests.api.conftest import projected, scheduled_visit  # noqa: F401 (fixtures, shared)
from tests.conftest import _user
from tests.review.conftest import desk, post_form, push_visit, tablet_for  # noqa: F401 (fixtures, shared)
from tests.security.writers import Writer


@pytest.fixture
async def pharmacist_kai(org, password_hash) -> User:
    return await _user(org, "pharmacist_kai", Role.PHARMACIST, password_hash)


@pytest.fixture
async def nurse_ben_on_pat(org, nurse_ben, patient_pat) -> User:
    """Ben, assigned to Pat today too: he may write Pat's visits, so only authorship can stop him."""
    await Assignment.create(organization=org, nurse=nurse_ben, patient=patient_pat, starts_on=date.today())
    return nurse_ben


@pytest.fixture
def writer_for(client_factory) -> Callable[[User], Awaitable[Writer]]:
    """`await writer_for(user)`: that user's one client and device, pushing one event at a time."""
    made: dict[int, Writer] = {}

    async def writer(user: User) -> Writer:
        if user.id not in made:
            device_id = uuid.uuid4()  # a nurse's tablet, or a pharmacist's desk pushing as one device
            tablet = {"device_id": str(device_id), "device_label": "tablet"} if user.role == Role.NURSE else {}
            made[user.id] = Writer(await client_factory(user, **tablet), device_id)
        return made[user.id]

    return writer


@pytest.fixture
def new_visit(org, nurse_ana, patient_pat) -> Callable[[], Awaitable[Visit]]:
    """`await new_visit()`: another scheduled visit of Pat's, Ana's to do."""

    async def make() -> Visit:
        order = await Order.get(patient=patient_pat)
        return await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order,
                                  nurse=nurse_ana, scheduled_at=datetime.now(timezone.utc))

    return make
