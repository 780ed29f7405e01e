"""A pharmacist's next rate under half the patient's first step is asked about until ticked as meant
(server/services/review.py `_runnable`): a walk's 2.4, a mL/kg/h figure, reached the next nurse's tablet
above the 216 mL/h that was meant; a rate held a little under the first step is not asked. The fixture's
order: Gammagard PI at 70 kg, first step 35 mL/h."""

from __future__ import annotations

import html

from tests.review import scripts


async def test_a_next_rate_under_half_the_first_step_is_refused_naming_it_until_ticked(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}/interventions"
    fields = {"kind": "next_rate", "text": "Next time hold at 3.5", "next_rate_ml_h": "3.5"}
    refused = await post_form(desk, url, fields)
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert ("Next infusion rate (mL/h): 3.5 mL/h is less than half this patient's first step (35 mL/h): check it "
            "is in mL/h, not mL/kg/h, or tick that a rate this low is meant.") in page
    assert 'name="rate_meant"' in page  # the box, offered with the refusal
    assert (await post_form(desk, url, {**fields, "rate_meant": "on"})).status_code == 303
    for held in ("30", "17.5"):  # a little under the first step, and half of it: the pharmacist's judgment
        assert (await post_form(desk, url, {**fields, "next_rate_ml_h": held})).status_code == 303
