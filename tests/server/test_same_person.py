"""One person, one record (server/services/same_person.py): a walk added "mrn-1002" beside "MRN-1002" and a
second patient of the same name and birth date, and both were accepted."""

from __future__ import annotations

import html

from server.db.models import Patient
from tests.server.test_admin_pages import patient_form, post_form


async def test_an_mrn_in_another_letter_case_is_the_same_mrn(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    assert (await post_form(admin, "/admin/patients", patient_form())).status_code == 303
    again = await post_form(admin, "/admin/patients", patient_form(mrn=" mrn-new ", given_name="Other"))
    assert again.status_code == 422 and "MRN: another patient of your organization has this MRN" in again.text
    assert await Patient.filter(organization_id=admin_ada.organization_id).count() == 1


async def test_a_second_record_of_the_same_name_and_birth_date_is_asked_about_until_ticked(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    first = await post_form(admin, "/admin/patients", patient_form())
    assert first.status_code == 303
    twin = patient_form(mrn="MRN-TWIN", given_name="NIA", family_name="okafor")  # another case, the same person
    refused = await post_form(admin, "/admin/patients", twin)
    page = html.unescape(refused.text)
    assert refused.status_code == 422
    assert ("Another person: Okafor, Nia (MRN-NEW) has this name and birth date. Two records of one person split the "
            "orders and visits between them: use that record, or tick that this is another person.") in page
    assert 'name="another_person"' in page
    assert (await post_form(admin, "/admin/patients", {**twin, "another_person": "on"})).status_code == 303
    other_day = patient_form(mrn="MRN-NAMESAKE", birth_date="1971-05-04")  # a namesake born another day: not asked
    assert (await post_form(admin, "/admin/patients", other_day)).status_code == 303


async def test_editing_a_patient_into_anothers_name_and_birth_date_is_asked_too(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    await post_form(admin, "/admin/patients", patient_form())
    await post_form(admin, "/admin/patients", patient_form(mrn="MRN-2", given_name="Ada"))
    second = await Patient.get(mrn="MRN-2")
    url = f"/admin/patients/{second.id}"
    renamed = await post_form(admin, url, patient_form(mrn="MRN-2"), page=url)
    assert renamed.status_code == 422 and "has this name and birth date" in html.unescape(renamed.text)
    saved_as_is = await post_form(admin, url, patient_form(mrn="MRN-2", given_name="Ada"), page=url)
    assert saved_as_is.status_code == 303  # its own record is never its twin
