"""An order that does not fit its patient, walked from the admin's new patient to the pharmacist's first order:
a walk ordered Octagam 10% (from 18 years) with acetaminophen 650 mg for a child of 7 and 18 kg with IgA
deficiency, and nothing was asked (server/services/patient_fit.py, server/services/usual_dose.py)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import fill_new_patient, log_in, log_out

pytestmark = pytest.mark.browser


def test_a_childs_first_order_asks_about_the_labels_age_the_iga_deficiency_and_her_doses(
        server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    fill_new_patient(page, mrn="MRN-2019", given="Lily", family="Okafor", born=f"{date.today().year - 7}-01-15", kg="18")
    page.get_by_label("Physician").select_option(label="Dr. Phil Amari")
    page.get_by_label("IgA deficiency").check()
    page.get_by_role("button", name="Add patient").click()
    log_out(page)

    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Okafor, Lily").click()
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Product and indication").select_option(label="Octagam 10% · ITP")
    page.get_by_label("Dose (g/kg)").fill("1")
    premed = page.get_by_role("group", name="Premedication 1")
    premed.get_by_label("Drug").fill("acetaminophen")
    premed.get_by_role("textbox", name="Dose").fill("650")
    premed.get_by_role("combobox", name="Unit").select_option("mg")
    premed.get_by_role("combobox", name="Route").select_option("PO")
    premed.get_by_label("Minutes before start").fill("30")
    page.get_by_role("button", name="Create order").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("the label gives Octagam 10% for ITP from 18 years (LABELS.md s.2.4); Okafor, Lily is 7")
    expect(alert).to_contain_text("IgA deficiency: flagged on Okafor, Lily's record; immune globulin can cause anaphylaxis")
    expect(alert).to_contain_text("acetaminophen 650 mg PO: the usual 325–650 mg PO is an adult's dose")
    page.screenshot(path=str(artifacts / "order-for-a-child-asked.png"), full_page=True)
    premed.get_by_role("textbox", name="Dose").fill("270")  # 15 mg/kg
    page.get_by_label("This product is meant at this patient", exact=False).check()
    page.get_by_label("The prescriber ordered this product knowing of the IgA deficiency").check()
    page.get_by_label("These medication doses are meant", exact=False).check()
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_text("acetaminophen 270 mg PO · 30 min before")).to_be_visible()
