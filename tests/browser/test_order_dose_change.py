"""Slips at order entry, asked about before they are saved: a dose raised fivefold (a walk saved 0.4 to 2 g/kg,
28 g to 140 g, with no word, and the visits booked on the order followed it) and a cap below the start rate."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in

pytestmark = pytest.mark.browser


def order_edit_of(server_factory, launch, patient: str) -> Page:
    """The pharmacist on the edit form of the demo patient's order."""
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name=patient).click()
    page.get_by_role("link", name="Edit order").first.click()
    return page


def test_a_fivefold_dose_is_asked_about_and_saved_only_once_ticked_as_meant(server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    # where a new patient comes from is said where she looks for one (a walk found no "Add patient")
    expect(page.get_by_text("A new patient is added by an administrator (Admin → Patients)")).to_be_visible()
    page.get_by_role("link", name="Reyes, Alma").click()
    page.get_by_role("link", name="Edit order").first.click()
    # the visits booked on the order run on it as edited: said before she saves (a walk halved a booked dose)
    expect(page.get_by_test_id("booked-on-order")).to_contain_text(
        re.compile(r"^\d+ visits? booked on this order, not yet started, will run on it as you save it: the first "))
    page.get_by_label("Dose (g/kg)").fill("2")
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Dose (g/kg): the dose changes from 0.4 to 2 g/kg (28 g to 140 g), 5 times the revision you edit")
    expect(page.get_by_role("textbox", name="Dose (g/kg)")).to_have_value("2")  # what she typed stays, to correct or confirm
    page.screenshot(path=str(artifacts / "order-dose-change-asked.png"), full_page=True)
    page.get_by_label("This dose change is meant", exact=False).check()
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_text("Saved as a new revision")).to_be_visible()
    expect(page.get_by_text("140 g").first).to_be_visible()


def test_a_rate_cap_below_the_labels_start_rate_is_refused_naming_the_start(server_factory, launch, artifacts):
    """A walk typed 4.8 (a mL/kg/h figure) into the mL/h cap of a running visit's order: 820 mL at 4.8 mL/h."""
    page = order_edit_of(server_factory, launch, "Keller, Bruno")
    page.get_by_label("Rate cap", exact=False).fill("4.8")
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The rate cap 4.8 mL/h is below the label's start rate (0.5 mg/kg/min at 82 kg: 24.6 mL/h): check it is in mL/h")
    page.screenshot(path=str(artifacts / "order-cap-below-the-start-rate.png"), full_page=True)


def test_a_premedication_in_grams_is_refused_on_its_row_in_the_same_answer_as_a_dose_change(
        server_factory, launch, artifacts):
    """A walk saved acetaminophen 650 g; and fixing one question, saving, and meeting the next took four saves."""
    page = order_edit_of(server_factory, launch, "Reyes, Alma")
    page.get_by_label("Dose (g/kg)").fill("2")
    acetaminophen = page.get_by_role("group", name="Premedication 1")
    expect(acetaminophen.get_by_label("Drug")).to_have_value("acetaminophen")
    acetaminophen.get_by_label("Unit").select_option("g")
    page.get_by_role("group", name="Premedication 2").get_by_label("Dose").fill("50")  # diphenhydramine, within its range
    page.get_by_role("button", name="Save new revision").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Dose (g/kg): the dose changes from 0.4 to 2 g/kg")
    expect(alert).to_contain_text("Premedication 1, dose: acetaminophen 650 g PO is outside the usual 325–650 mg PO "
                                  "(CLINICAL.md s.4, a mild reaction's suggested actions): 1,000 times its highest")
    expect(acetaminophen.locator(".field-error")).to_contain_text("1,000 times its highest; check the unit")
    expect(page.get_by_label("These medication doses are meant", exact=False)).to_have_count(0)  # a slip: no "meant"
    page.screenshot(path=str(artifacts / "order-questions-in-one-answer.png"), full_page=True)
    acetaminophen.get_by_role("combobox", name=re.compile("^Unit")).select_option("mg")  # its error names a unit too
    page.get_by_label("This dose change is meant", exact=False).check()
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_text("Saved as a new revision")).to_be_visible()
    # the revision history shows the premedication the edit replaced (a walk could not see it)
    page.get_by_text("Revision history (1 earlier)").first.click()
    expect(page.get_by_test_id("was-premeds").first).to_have_text(
        "Premedication was: acetaminophen 650 mg PO 30 min before; diphenhydramine 25 mg PO 30 min before")
    expect(page.get_by_test_id("was-prn")).to_have_count(0)  # the PRN orders did not change
    page.screenshot(path=str(artifacts / "order-history-old-premedication.png"), full_page=True)


def test_steps_above_the_orders_own_cap_are_refused_without_an_override(server_factory, launch, artifacts):
    """A walk saved steps 9, 18, 36, 72 mL/h under a cap of 60 without a word: the 72 step would never run."""
    page = order_edit_of(server_factory, launch, "Reyes, Alma")
    page.get_by_label("Explicit mL/h steps written here").check()
    page.get_by_label("Steps (mL/h", exact=False).fill("9, 18, 36, 72")
    page.get_by_label("Minutes between steps", exact=False).fill("30")
    page.get_by_label("Rate cap", exact=False).fill("60")
    page.get_by_label("Pharmacist override reason", exact=False).fill("the prescriber asked for it")
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Steps 72 mL/h are above the order's rate cap (60 mL/h): lower them or raise the cap.")  # an override is no answer
    page.screenshot(path=str(artifacts / "order-steps-above-its-own-cap.png"), full_page=True)
    page.get_by_role("textbox", name=re.compile("^Rate cap")).fill("72")  # the steps' error names the cap too
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_text("Saved as a new revision")).to_be_visible()


def test_an_order_edited_in_two_tabs_keeps_the_second_tabs_values_to_compare_and_save(server_factory, launch, artifacts):
    """A walk saved an order in one tab and then in another: the second change was dropped on a page that led
    only home."""
    server = server_factory()
    context = launch(viewport={"width": 1280, "height": 900})
    first = context.new_page()
    log_in(first, server.base_url, "pharmacist", DEMO_PASSWORD)
    first.get_by_role("link", name="Keller, Bruno").click()
    first.get_by_role("link", name="Edit order").first.click()
    second = context.new_page()
    second.goto(first.url)
    first.get_by_role("textbox", name=re.compile("^Rate cap")).fill("200")
    first.get_by_role("button", name="Save new revision").click()
    expect(first.get_by_text("Saved as a new revision")).to_be_visible()
    second.get_by_role("textbox", name=re.compile("^Rate cap")).fill("120")
    second.get_by_role("button", name="Save new revision").click()
    expect(second.get_by_role("alert")).to_contain_text("was changed by someone else while you edited it")
    expect(second.get_by_role("alert")).to_contain_text("Your values are kept below; saving them replaces revision 2")
    expect(second.get_by_role("textbox", name=re.compile("^Rate cap"))).to_have_value("120")
    second.screenshot(path=str(artifacts / "order-edited-in-two-tabs.png"), full_page=True)
    second.get_by_role("button", name="Save new revision").click()
    expect(second.get_by_text("Saved as a new revision")).to_be_visible()
    second.get_by_text("Revision history (2 earlier)").first.click()
    expect(second.get_by_text(re.compile(r"cap 200(\.0)? mL/h")).first).to_be_visible()  # revision 2, in the history
