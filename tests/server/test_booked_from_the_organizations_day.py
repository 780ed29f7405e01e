""""Booked from today" is the organization's day (IVLOG_TIMEZONE), the day the patient's schedule lists from.
The check that keeps an assignment from ending counted from UTC's midnight while the schedule listed from local
midnight: in a zone west of UTC the admin was refused for a visit the pharmacist's schedule did not show, so no
Move button could give it to another nurse; east of UTC a visit the schedule showed was left stranded."""

from __future__ import annotations

import dataclasses
import html
from datetime import datetime, timedelta, timezone

import pytest

from server.db.models import Assignment, Visit
from server.services.local_time import LocalTime
from tests.server.test_admin_pages import post_form


@pytest.fixture(params=["Etc/GMT+12", "Etc/GMT-14"])  # the day's start far from UTC's, either way
def settings(settings, request):
    return dataclasses.replace(settings, timezone=request.param)


async def test_an_assignment_is_held_by_the_visits_the_schedule_lists_and_only_those(
        settings, client_factory, admin_ada, pharmacist_pia, nurse_ana, patient_pat):
    clock = LocalTime(settings.timezone)
    day_start = clock.day_start(datetime.now(timezone.utc))
    order = await patient_pat.orders.all().first()
    booked = {name: await Visit.create(organization_id=patient_pat.organization_id, patient=patient_pat, order=order,
                                       nurse=nurse_ana, scheduled_at=day_start + timedelta(minutes=minutes))
              for name, minutes in (("yesterday", -1), ("today", 1))}

    schedule = (await (await client_factory(pharmacist_pia)).get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert f'data-visit-id="{booked["today"].id}"' in schedule
    assert f'data-visit-id="{booked["yesterday"].id}"' not in schedule

    ana = await Assignment.get(nurse=nurse_ana, patient=patient_pat)
    refused = await post_form(await client_factory(admin_ada), f"/admin/assignments/{ana.id}/end", {},
                              page=f"/admin/patients/{patient_pat.id}")
    assert refused.status_code == 409
    assert f"Nurse Ana has 1 visit booked from {clock.stamp(booked['today'].scheduled_at)} (" in html.unescape(
        refused.text)
