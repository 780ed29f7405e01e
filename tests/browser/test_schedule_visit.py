"""The pharmacist schedules visits from the patient's page, moves one and cancels one; the nurse's
tablet shows today's scheduled visit, and after its next sync the moved time and not the cancelled visit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser


def desk_login(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def schedule(page: Page, *, day: date, at: str, repeat: str = "Once", every_weeks: str = "", count: str = "1") -> None:
    page.get_by_label("Nurse").select_option(label="Nora Quinn, RN")
    page.get_by_label("Date of the first visit").fill(day.isoformat())
    page.get_by_label("Time", exact=True).fill(at)
    page.get_by_label(repeat).check()
    if every_weeks:
        page.get_by_label("Every how many weeks").fill(every_weeks)
    page.get_by_label("Number of visits").fill(count)


def just_now() -> datetime:
    """Two minutes ago (today), so the visit is due now on the nurse's tablet; never the minute of the demo's
    own visit of Alma Reyes (08:00 UTC), which the page would refuse as taken."""
    now = datetime.now(timezone.utc)
    at = max(now - timedelta(minutes=2), datetime.combine(now.date(), datetime.min.time(), timezone.utc))
    return at - timedelta(minutes=1) if at.strftime("%H:%M") == "08:00" else at


def schedule_a_second_visit_that_day(page: Page, screenshot=None) -> None:
    """Submit a visit on a day that already holds one of the same order (the demo's visits of today): the
    page refuses it as a second dose, naming the visit there, and offers the box that says it is meant."""
    page.get_by_role("button", name="Schedule visits").click()
    expect(page.get_by_role("alert")).to_contain_text("A second visit that day: this patient already has a visit "
                                                      "of this order on")
    expect(page.get_by_role("alert")).to_contain_text("a second visit that day would be a second dose")
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    page.get_by_label("A second visit of this therapy that day is meant").check()
    page.get_by_role("button", name="Schedule visits").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled.")


def visit_id_at(page: Page, stamp: str) -> str:
    row = page.get_by_role("table", name="Upcoming visits").get_by_role("row").filter(has_text=stamp)
    expect(row).to_have_count(1)
    return row.get_attribute("data-visit-id")


def card(tablet: Tablet, visit_id: str):
    return tablet.page.locator(f"[data-testid=visit-card][data-visit-id='{visit_id}']")


def test_pharmacist_schedules_moves_and_cancels_and_the_nurses_tablet_follows(
    server_factory, launch, playwright, artifacts
):
    server = server_factory()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk_login(desk, server.base_url, "pharmacist")
    desk.get_by_role("link", name="Reyes, Alma").click()
    desk.get_by_role("link", name="Schedule visits").click()
    expect(desk.get_by_role("heading", name="Schedule visits")).to_be_visible()

    # A series: three visits one week apart, starting tomorrow at 10:00 (IVLOG_TIMEZONE: UTC here).
    tomorrow = date.today() + timedelta(days=1)
    schedule(desk, day=tomorrow, at="10:00", repeat="Every few weeks", every_weeks="1", count="3")
    # the form as it fills the window: a full-page capture resizes the page under the focused input, and under
    # CI load its late scroll split the click below in two (session 22 and 24 CI runs)
    desk.screenshot(path=str(artifacts / "schedule-form-1280x900.png"))
    desk.get_by_role("button", name="Schedule visits").click()
    stamps = [f"{tomorrow + timedelta(weeks=n)} 10:00 UTC" for n in range(3)]
    for stamp in stamps:
        expect(desk.get_by_role("table", name="Upcoming visits")).to_contain_text(stamp)
    expect(desk.get_by_role("status")).to_contain_text("Scheduled.")
    first, second = visit_id_at(desk, stamps[0]), visit_id_at(desk, stamps[1])

    # One visit for today, a little earlier than now (within the grace), for the tablet's today list.
    today_at = just_now()
    schedule(desk, day=today_at.date(), at=today_at.strftime("%H:%M"))
    # the demo booked Alma Reyes at 08:00 today on the same order: a second visit that day is said, then meant
    schedule_a_second_visit_that_day(desk, artifacts / "schedule-second-visit-that-day-1280x900.png")
    todays = visit_id_at(desk, f"{today_at:%Y-%m-%d %H:%M} UTC")
    desk.screenshot(path=str(artifacts / "schedule-list-1280x900.png"), full_page=True)

    # The nurse's tablet receives them.
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    expect(tablet.tid("today").locator(".visit-list").first.locator(f"[data-visit-id='{todays}']")).to_be_visible()
    expect(card(tablet, first)).to_be_visible()
    expect(card(tablet, second)).to_have_count(0)  # a week ahead: beyond the tablet's seven days

    # Move the second visit to the day after tomorrow at 15:30, giving a reason.
    desk.get_by_role("link", name=f"Move the visit of {stamps[1]}").click()
    # the page starts at the visit's own time: sent unchanged, it moves nothing and says so
    desk.get_by_label("Reason for the move").fill("patient has a clinic appointment")
    desk.get_by_role("button", name="Move visit").click()
    expect(desk.get_by_role("alert")).to_contain_text("this is the visit's time already")
    desk.screenshot(path=str(artifacts / "schedule-move-to-its-own-time-1280x900.png"), full_page=True)
    moved_to = tomorrow + timedelta(days=1)
    desk.get_by_label("New date").fill(moved_to.isoformat())
    desk.get_by_label("New time").fill("15:30")
    desk.get_by_label("Reason for the move").fill("patient has a clinic appointment")
    desk.get_by_role("button", name="Move visit").click()
    expect(desk.get_by_role("table", name="Upcoming visits")).to_contain_text(f"{moved_to} 15:30 UTC")
    expect(desk.get_by_role("table", name="Upcoming visits")).not_to_contain_text(stamps[1])

    # Cancel the first, confirming on the page that asks for the reason.
    desk.get_by_role("link", name=f"Cancel the visit of {stamps[0]}").click()
    expect(desk.get_by_role("heading", name=f"Cancel the visit of {stamps[0]}?")).to_be_visible()
    desk.get_by_label("Reason for cancelling").fill("admitted to hospital")
    expect(desk.get_by_label("Cancel this visit only")).to_be_checked()
    expect(desk.get_by_label("Cancel this visit and the 2 later ones")).not_to_be_checked()  # the moved one too
    desk.screenshot(path=str(artifacts / "schedule-cancel-confirm-1280x900.png"))  # the reason focused: no full page
    desk.get_by_role("button", name="Yes, cancel as chosen").click()
    cancelled = desk.get_by_role("table", name="Recently cancelled visits")
    expect(cancelled).to_contain_text("admitted to hospital")
    expect(cancelled).to_contain_text("Pia Lind, PharmD")
    expect(desk.get_by_role("table", name="Upcoming visits")).not_to_contain_text(stamps[0])
    desk.screenshot(path=str(artifacts / "schedule-after-move-cancel-1280x900.png"), full_page=True)

    # After its next sync the tablet shows the new time and no longer the cancelled visit.
    tablet.probe("syncNow()")
    expect(card(tablet, first)).to_have_count(0)
    expect(card(tablet, second)).to_contain_text("15:30")
    expect(card(tablet, todays)).to_be_visible()
    tablet.screenshot(artifacts / "schedule-tablet-today-1280x800.png")

    # Making the order inactive while visits stand booked on it is refused, naming the first (a walk's tablet
    # still offered such a visit, and it was started)
    desk.get_by_role("link", name="Reyes, Alma").first.click()
    desk.get_by_role("link", name="Edit order").first.click()
    desk.get_by_label("Active (nurses work visits from active orders)").uncheck()
    desk.get_by_role("button", name="Save new revision").click()
    expect(desk.get_by_role("alert")).to_contain_text("scheduled visit(s) not yet started, the first at")
    expect(desk.get_by_role("alert")).to_contain_text("cancel or move them first, or a nurse would still give it")
    desk.screenshot(path=str(artifacts / "order-inactive-refused-while-visits-are-booked-1280x900.png"), full_page=True)
    assert tablet.errors == []
    browser.close()


def test_a_stopped_therapy_cancels_the_rest_of_its_series_at_once_and_its_order_is_made_inactive(
    server_factory, launch, artifacts
):
    """A walk had to cancel each visit of a series on its own page before the order could be made inactive."""
    server = server_factory()
    desk = launch().new_page()
    desk_login(desk, server.base_url, "pharmacist")
    desk.get_by_role("link", name="Keller, Bruno").click()
    desk.get_by_role("link", name="Schedule visits").click()
    start = date.today() + timedelta(days=3)
    schedule(desk, day=start, at="09:00", repeat="Every few weeks", every_weeks="4", count="6")
    desk.get_by_role("button", name="Schedule visits").click()
    expect(desk.get_by_role("status")).to_contain_text("Scheduled.")
    desk.get_by_role("link", name=f"Cancel the visit of {start} 09:00 UTC").click()
    last = start + timedelta(weeks=20)
    expect(desk.get_by_role("group")).to_contain_text(f"5 later visits of it are still booked, the last on {last} 09:00 UTC")
    desk.get_by_label("Cancel this visit and the 5 later ones").check()
    desk.get_by_label("Reason for cancelling").fill("IVIG stopped by the neurologist")
    desk.screenshot(path=str(artifacts / "schedule-cancel-series-1280x900.png"), full_page=True)
    desk.get_by_role("button", name="Yes, cancel as chosen").click()
    expect(desk.get_by_role("status")).to_contain_text("Cancelled.")
    cancelled = desk.get_by_role("table", name="Recently cancelled visits")
    expect(cancelled.get_by_role("row").filter(has_text="IVIG stopped by the neurologist")).to_have_count(6)
    for n in range(6):
        expect(desk.get_by_role("main")).not_to_contain_text(f"Cancel the visit of {start + timedelta(weeks=4 * n)}")
    desk.screenshot(path=str(artifacts / "schedule-series-cancelled-1280x900.png"), full_page=True)
    desk.get_by_role("link", name=f"Cancel the visit of {date.today()} 10:00 UTC").click()  # the demo's, booked alone
    expect(desk.get_by_role("group")).to_have_count(0)
    desk.get_by_label("Reason for cancelling").fill("IVIG stopped by the neurologist")
    desk.get_by_role("button", name="Yes, cancel this visit").click()
    expect(desk.get_by_role("status")).to_contain_text("Cancelled.")

    desk.get_by_role("link", name="Keller, Bruno").first.click()
    desk.get_by_role("link", name="Edit order").first.click()
    desk.get_by_label("Active (nurses work visits from active orders)").uncheck()
    desk.get_by_role("button", name="Save new revision").click()
    expect(desk.get_by_role("alert")).to_have_count(0)
    desk.screenshot(path=str(artifacts / "order-inactive-after-series-cancelled-1280x900.png"), full_page=True)
