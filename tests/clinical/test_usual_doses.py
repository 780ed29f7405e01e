"""The usual-dose table (server/clinical/data/usual_doses.json): every row says where its numbers come from,
and a dose is judged on one mass scale, never across mL or units it cannot convert."""

from __future__ import annotations

import pytest

from server.clinical.shapes import ShapeError, data_file
from server.clinical.usual_doses import DEFAULT_USUAL_DOSES, beyond_usual, load_usual_doses


def test_every_usual_dose_names_its_source_and_a_row_without_one_is_refused():
    assert DEFAULT_USUAL_DOSES and all(row.source.startswith("CLINICAL.md s.4") for row in DEFAULT_USUAL_DOSES.values())
    table = data_file("usual_doses.json")
    unsourced = {**table, "doses": [{k: v for k, v in table["doses"][0].items() if k != "source"}]}
    with pytest.raises(ShapeError, match=r"usual_doses\.doses\[0\]\.source"):
        load_usual_doses(unsourced)


@pytest.mark.parametrize("drug, dose, unit, route", [
    ("acetaminophen", 325, "mg", "PO"), ("Acetaminophen ", 0.65, "g", "PO"), ("epinephrine", 300, "mcg", "IM"),
    ("diphenhydramine", 50, "mg", "PO"), ("diphenhydramine", 20, "mL", "PO"), ("diphenhydramine", 100, "mg", "IV"),
    ("cetirizine", 1000, "mg", "PO"),
])
def test_a_dose_within_its_usual_range_or_one_no_source_covers_is_not_judged(drug, dose, unit, route):
    assert beyond_usual(drug, dose, unit, route) is None


@pytest.mark.parametrize("drug, dose, unit, route, said", [
    ("acetaminophen", 650, "g", "PO", "acetaminophen 650 g PO is outside the usual 325–650 mg PO (CLINICAL.md s.4, "
     "a mild reaction's suggested actions): 1,000 times its highest; check the unit"),
    ("acetaminophen", 1000, "mg", "PO", "acetaminophen 1000 mg PO is outside the usual 325–650 mg PO (CLINICAL.md "
     "s.4, a mild reaction's suggested actions)"),
    ("diphenhydramine", 2.5, "mg", "PO", "diphenhydramine 2.5 mg PO is outside the usual 25–50 mg PO (CLINICAL.md "
     "s.4, a mild reaction's suggested actions): 10 times its lowest; check the unit"),
    ("epinephrine", 0.15, "mg", "IM", "epinephrine 0.15 mg IM is outside the usual 0.3 mg IM (CLINICAL.md s.4, a "
     "life-threatening reaction's suggested actions)"),
])
def test_a_dose_beyond_its_usual_range_says_the_range_its_source_and_a_unit_slip(drug, dose, unit, route, said):
    assert beyond_usual(drug, dose, unit, route).reason == said


@pytest.mark.parametrize("dose, unit, may_be_meant", [
    (6500, "mg", False), (6.5, "g", False), (6499, "mg", True), (1000, "mg", True), (160, "mg", True), (30, "mg", True),
])
def test_ten_times_the_usual_highest_or_more_may_not_be_meant_and_a_small_dose_may(dose, unit, may_be_meant):
    """No one takes ten times the adult dose at once: a unit slip; a dose below the range may be a child's."""
    assert beyond_usual("acetaminophen", dose, unit, "PO").may_be_meant is may_be_meant
