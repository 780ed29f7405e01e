"""Every alert says where its rule comes from, on the desk as on the tablet (rules.json `source`): a pharmacist
weighing an alert sees whose definition it is (CLINICAL.md's, a label's, the Joint Commission's), not the
software's own idea."""

from __future__ import annotations

import re

from markupsafe import escape

from server.services.visits import rulebook
from tests.api.events import one_event

# an out-of-date kit (kit_not_ready) and no identifiers asked (identity_not_confirmed): two alerts at once
ASSESSMENT = {"weight_kg": 70, "kit_present": True, "kit_in_date": False, "kit_undamaged": True, "symptoms": [],
              "hydration": "adequate", "headache": False, "infection_signs": False, "thrombosis_risk": False,
              "renal_risk": False, "allergies_reviewed": True}


async def test_the_review_shows_each_alerts_source_beside_it(client_factory, tablet_ana, pharmacist_pia,
                                                            scheduled_visit):
    visit = scheduled_visit
    started = {"patient_id": str(visit.patient_id), "order_id": str(visit.order_id)}
    pushed = await tablet_ana.push([one_event(visit.id, 1, "visit.started", started),
                                    one_event(visit.id, 2, "assessment", ASSESSMENT)])
    assert [r["status"] for r in pushed.json()["results"]] == ["accepted"] * 2
    review = await (await client_factory(pharmacist_pia)).get(f"/review/visits/{visit.id}")
    assert review.status_code == 200
    rows = re.findall(r'<div class="alert-row">(.*?)</div>', review.text, re.S)
    assert len(rows) == 2 and all("<summary>Source</summary>" in row for row in rows)
    sources = {spec.id: spec.source for spec in rulebook().rules}
    for rule in ("kit_not_ready", "identity_not_confirmed"):
        assert sum(escape(sources[rule]) in row for row in rows) == 1, rule
