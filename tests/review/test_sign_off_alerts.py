"""The sign-off's alert review at the desk: a visit with alerts is signed only once the pharmacist says
she reviewed them, all of those the page showed, and none arrived since (server/services/review.py)."""

from __future__ import annotations

import html
import re

from server.services import visits
from sync.models import Event
from tests.api.events import one_event
from tests.review import scripts


async def test_a_visit_with_alerts_is_signed_off_only_once_the_pharmacist_says_she_reviewed_them(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    """A walk signed a grade 2 reaction's visit with three open warnings in one click, with an empty note."""
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}"
    page = (await desk.get(url)).text
    alerts = len(re.findall(r'<div class="alert-row">', page))
    assert alerts >= 1 and f"I reviewed the {alerts} alert" in page  # the box, offered with the form
    refused = await post_form(desk, f"{url}/sign-off", {"note": ""})
    assert refused.status_code == 422
    assert f"Alerts reviewed: this visit has {alerts} alert(s)" in refused.text
    assert not await Event.filter(visit_id=visit.id, kind="review.signed").exists()
    assert (await post_form(desk, f"{url}/sign-off", {"note": "", "alerts_reviewed": "on"})).status_code == 303
    assert await Event.filter(visit_id=visit.id, kind="review.signed").exists()


async def test_an_alert_that_arrived_after_the_page_was_shown_is_not_signed_off_as_reviewed(
    push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat
):
    """The box says "I reviewed the N alerts above": an alert that reached the server after the page was
    drawn was never above. The page sends the count it showed; more than that is refused, and the page
    drawn again shows the new one."""
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}"
    page = (await desk.get(url)).text
    shown = int(re.search(r'name="alerts_shown" value="(\d+)"', page)[1])
    assert shown == len((await visits.state_of(visit)).alerts) >= 1
    tablet = await tablet_for(nurse_ana)
    pushed = await tablet.push([one_event(visit.id, tablet.next_seq, "vitals", {"hr": 80, "temp_c": 39.6})])
    assert pushed.json()["results"][0]["status"] == "accepted"  # a late fever: one more alert
    refused = await post_form(desk, f"{url}/sign-off", {"note": "", "alerts_reviewed": "on", "alerts_shown": str(shown)})
    assert refused.status_code == 422 and "1 new alert(s) since this page was shown" in html.unescape(refused.text)
    assert f'name="alerts_shown" value="{shown + 1}"' in refused.text
    assert not await Event.filter(visit_id=visit.id, kind="review.signed").exists()
    signed = await post_form(desk, f"{url}/sign-off", {"note": "", "alerts_reviewed": "on", "alerts_shown": str(shown + 1)})
    assert signed.status_code == 303
