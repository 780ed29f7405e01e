"""Rule: what tablets sent that was kept aside is shown in bounded pages, however much is held.

Penetration test, issue 16 item 9: a nurse not assigned to a visit pushed 200 small entries and
three of 4.9 MB at it; all were kept (nothing a device sends is dropped) and the visit's API
answer grew to 14.8 MB, the quarantine page to 16.3 MB. Here the same attack, smaller (the bound
is what is proven): every view answers under a fixed size, with the count of all and a way on.
"""

from __future__ import annotations

import re
import uuid

import pytest

from sync import held_view
from sync.models import Quarantine
from tests.api.conftest import Tablet, scheduled_visit, tablet_ana  # noqa: F401 (fixtures)
from tests.api.events import one_event

BIG_CHARS = 600_000  # one stuffed entry (the attack's were 4.9 MB; what matters is that it is never shown whole)
SMALL_PUSHES = 105  # three pages; under the push rate's burst (120)
# A page holds at most PAGE_SIZE entries of SHOWN_CHARS each, plus its own frame (HTML, state, metadata).
BOUND = held_view.PAGE_SIZE * (held_view.SHOWN_CHARS + 2_000) + 100_000


@pytest.fixture
async def ben(client_factory, nurse_ben) -> Tablet:
    device_id = uuid.uuid4()
    return Tablet(await client_factory(nurse_ben, device_id=str(device_id), device_label="ben"), device_id)


@pytest.fixture
async def stuffed_visit(ben, scheduled_visit):
    """nurse_ben, not assigned to patient_pat, stuffs nurse_ana's visit from his tablet."""
    for seq in range(1, SMALL_PUSHES + 1):
        answer = await ben.push([one_event(scheduled_visit.id, seq, "note", {"text": f"stuffing {seq}"})])
        assert answer.json()["results"][0]["status"] == "quarantined"
    for seq in range(SMALL_PUSHES + 1, SMALL_PUSHES + 3):
        answer = await ben.push([one_event(scheduled_visit.id, seq, "note", {"text": "x" * BIG_CHARS})])
        assert answer.json()["results"][0]["status"] == "quarantined"
    stored = await Quarantine.filter(visit_id=scheduled_visit.id).count()
    assert stored == SMALL_PUSHES + 2  # everything kept: the bound is on what is shown, not on what is held
    return scheduled_visit


async def test_a_visits_api_answer_stays_bounded_and_counts_every_held_entry(stuffed_visit, tablet_ana):
    answer = await tablet_ana.client.get(f"/api/visits/{stuffed_visit.id}")
    assert answer.status_code == 200 and len(answer.content) < BOUND, len(answer.content)
    shown = answer.json()
    assert shown["quarantined_total"] == SMALL_PUSHES + 2
    assert len(shown["quarantined"]) == held_view.PAGE_SIZE
    assert shown["quarantined_more"] == f"/quarantine?visit={stuffed_visit.id}"
    big = [q for q in shown["quarantined"] if q["content"] is None]
    assert len(big) == 2 and all(q["content_chars"] > BIG_CHARS for q in big)
    assert all(len(q["content_start"]) == held_view.SHOWN_CHARS for q in big)


async def test_a_users_own_list_of_held_entries_comes_a_bounded_page_at_a_time_newest_first(stuffed_visit, ben):
    seen, url, pages = [], "/api/sync/quarantine", 0
    while url:
        answer = await ben.client.get(url)
        assert answer.status_code == 200 and len(answer.content) < BOUND, (url, len(answer.content))
        shown = answer.json()
        assert shown["total"] == SMALL_PUSHES + 2 and len(shown["quarantined"]) <= held_view.PAGE_SIZE
        seen += [q["device_seq"] for q in shown["quarantined"]]
        url = f"/api/sync/quarantine?before={shown['next_before']}" if shown["next_before"] else None
        pages += 1
    assert pages == -(-(SMALL_PUSHES + 2) // held_view.PAGE_SIZE)
    assert seen == list(range(SMALL_PUSHES + 2, 0, -1))  # every one, newest first, none twice
    first = (await ben.client.get("/api/sync/quarantine")).json()["quarantined"][:2]
    assert [q["content"] for q in first] == [None, None] and all(q["content_chars"] > BIG_CHARS for q in first)
    assert (await ben.client.get("/api/sync/quarantine?before=x")).status_code == 400


async def test_the_quarantine_page_is_paged_and_cuts_each_entry_to_a_display_size(
    stuffed_visit, client_factory, pharmacist_pia
):
    desk = await client_factory(pharmacist_pia)
    seen, url, pages = set(), f"/quarantine?visit={stuffed_visit.id}", 0
    while url:
        page = await desk.get(url)
        assert page.status_code == 200 and len(page.content) < BOUND, (url, len(page.content))
        assert f"{SMALL_PUSHES + 2} entries" in page.text
        seen |= set(re.findall(r"stuffing \d+", page.text))
        found = re.search(r'href="(/quarantine\?[^"]+)">Older entries', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    assert pages == -(-(SMALL_PUSHES + 2) // held_view.PAGE_SIZE)
    assert len(seen) == SMALL_PUSHES  # every held entry is reachable, page by page
    first = (await desk.get("/quarantine")).text
    assert "… (cut: 58" in first and "too large to show whole" in first  # ~586 KB of each big entry not shown


async def test_the_review_page_shows_a_bounded_page_of_held_entries_with_their_count(
    stuffed_visit, client_factory, pharmacist_pia
):
    page = await (await client_factory(pharmacist_pia)).get(f"/review/visits/{stuffed_visit.id}")
    assert page.status_code == 200 and len(page.content) < BOUND, len(page.content)
    assert f"Quarantined submissions ({SMALL_PUSHES + 2})" in page.text
    assert f'href="/quarantine?visit={stuffed_visit.id}"' in page.text


async def test_the_quarantine_page_refuses_a_visit_that_is_not_a_visit_id(client_factory, pharmacist_pia):
    answer = await (await client_factory(pharmacist_pia)).get("/quarantine?visit=not-a-visit")
    assert answer.status_code == 400 and "visit must be a visit id" in answer.text
