"""How a person starts at the desk in Chromium: the login page, filled by its labels."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from playwright.sync_api import Page, Playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD


def log_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def fill_new_patient(page: Page, *, mrn: str, given: str, family: str, born: str, kg: str) -> None:
    """The admin's "Add a patient" form, from the Patients link, with the fields every patient needs."""
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("MRN").fill(mrn)
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Birth date").fill(born)
    page.get_by_label("Dosing weight", exact=False).fill(kg)


@contextmanager
def desk_page(playwright: Playwright, base_url: str, username: str) -> Iterator[Page]:
    """A second browser, at a desk, logged in as `username` (beside a tablet's own), closed afterwards."""
    desk = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        page = desk.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, base_url, username)
        yield page
    finally:
        desk.close()
