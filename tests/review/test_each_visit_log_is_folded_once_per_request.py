"""Issue 18 item 2: the server folds each visit log once per request, not up to six times.

Every request reports its folds in its Server-Timing header (server.services.folds): how many logs it
folded and how many times it reused a fold of the same log. The rule is checked over every GET route
of the app's route table, as every role the access matrix lets in, and over the desk's two writes.
"""

from __future__ import annotations

import re

import pytest

from server.db.models import Role
from tests.review import scripts
from tests.security.test_every_read_of_patient_data_is_audited import PERSONAS, patient_data_reads
from tests.server.test_access_matrix import RULES, fill

TIMING = re.compile(r'fold;dur=[\d.]+;desc="(\d+) folded / (\d+) reused"')


def folds_of(response) -> tuple[int, int]:
    """(logs folded, folds reused) that the request reports; (0, 0) when it folded nothing."""
    entries = [TIMING.fullmatch(part.strip()) for part in response.headers.get("server-timing", "").split(",")]
    found = [match for match in entries if match is not None]
    assert len(found) <= 1, response.headers["server-timing"]
    return (int(found[0][1]), int(found[0][2])) if found else (0, 0)


@pytest.mark.parametrize("role", [Role.NURSE, Role.PHARMACIST, Role.PHYSICIAN])
async def test_no_page_or_answer_folds_a_visits_log_more_than_once(
        request, client_factory, push_visit, nurse_ana, patient_pat, role):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    objects = {"visit_id": visit.id, "patient_id": patient_pat.id, "order_id": visit.order_id}
    client = await client_factory(request.getfixturevalue(PERSONAS[role]))
    folded_somewhere, failures = False, []
    for path in patient_data_reads(client._transport.app):
        if role not in RULES[("GET", path)].roles or "{" in re.sub(r"\{(visit|patient|order)_id[^}]*\}", "", path):
            continue
        response = await client.get(fill(path, objects), follow_redirects=False)
        folded, _ = folds_of(response)
        folded_somewhere |= folded > 0
        if "{visit_id" in path and folded > 1:
            failures.append(f"{path}: {folded} folds of one visit's log")
    assert not failures, "\n".join(failures)
    assert folded_somewhere or role == Role.PHYSICIAN  # the header is there to be read (physicians: not released)


async def test_the_review_page_folds_the_log_once_and_once_more_without_its_corrections(
        push_visit, desk, nurse_ana, patient_pat):
    plain = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    assert folds_of(await desk.get(f"/review/visits/{plain.id}"))[0] == 1

    script = scripts.febrile_reaction()
    typo = script.add(32, "note", {"text": "Patient ate lunh"})
    script.amend(33, typo, {"text": "Patient ate lunch"}, reason="typo")
    corrected = await push_visit(nurse_ana, patient_pat, script)
    # the second log is the visit without its amendments: the alerts a correction resolved
    assert folds_of(await desk.get(f"/review/visits/{corrected.id}"))[0] == 2


@pytest.mark.parametrize("action, fields, reused", [
    # an intervention asks the status once more after it (reopened?): the projection's fold, reused
    ("interventions", {"kind": "next_rate", "text": "Hold at 70 mL/h next time", "next_rate_ml_h": "70"}, 2),
    # a sign-off reads the visit's alerts (alerts_unreviewed) from the status check's fold, and so does the
    # push's judge (write_rules.unreviewed_refusal): reused, not refolded
    ("sign-off", {"note": "Handled well.", "alerts_reviewed": "on"}, 3),
])
async def test_a_desk_entry_folds_the_log_before_it_and_after_it_and_the_pushs_judge_reuses_the_first(
        push_visit, desk, post_form, nurse_ana, patient_pat, action, fields, reused):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    done = await post_form(desk, f"/review/visits/{visit.id}/{action}", fields)
    assert done.status_code == 303
    assert folds_of(done) == (2, reused)  # the desk's status check, reused by the judge; then the projection
