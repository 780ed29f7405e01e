"""One person, one record, walked at the admin's patients page: a walk added "mrn-1002" beside MRN-1002 and a
second Keller, Bruno of the same birth date, and both were accepted (server/services/same_person.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import fill_new_patient, log_in

pytestmark = pytest.mark.browser


def test_a_second_record_of_a_patient_is_refused_by_mrn_in_any_case_and_asked_about_by_name(
        server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    fill_new_patient(page, mrn="mrn-1002", given="Bruno", family="Keller", born="1971-09-15", kg="82")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("alert")).to_contain_text("MRN: another patient of your organization has this MRN")
    page.get_by_label("MRN").fill("MRN-2002")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Another person: Keller, Bruno (MRN-1002) has this name and birth date. Two records of one person split the "
        "orders and visits between them: use that record, or tick that this is another person.")
    page.screenshot(path=str(artifacts / "admin-second-record-of-a-patient.png"), full_page=True)
    page.get_by_label("This is another person", exact=False).check()  # a namesake born the same day
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_text("MRN-2002").first).to_be_visible()


def test_an_admission_weight_typed_in_pounds_is_stored_in_kilograms(server_factory, launch, artifacts):
    """A walk typed a patient's 154 lb into the kilogram box; the label now says how to type pounds."""
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    fill_new_patient(page, mrn="MRN-3003", given="Nia", family="Okafor", born="1970-05-04", kg="154 lb")
    expect(page.get_by_label("Dosing weight (kg, 1–300)")).to_have_attribute("placeholder", "kg, or pounds as “154 lb”")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("status")).to_have_text("The patient was added.")
    expect(page.get_by_label("Dosing weight", exact=False)).to_have_value("69.9")  # the record, in kilograms
    page.screenshot(path=str(artifacts / "admin-weight-in-pounds.png"), full_page=True)
