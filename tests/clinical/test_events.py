"""Payload schemas: ranges (inclusive as CLINICAL.md section 3 states), closed shapes, readable errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.clinical import CURRENT_SCHEMA, EventInvalid, upcast, validate_event
from server.clinical.ranges import load_ranges

VALID: dict[str, dict[str, Any]] = {
    "visit.started": {"patient_id": "p-1", "order_id": "o-1", "location": {"lat": 40.7, "lon": -74.0, "accuracy_m": 12}},
    "visit.ended": {},
    "assessment": {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True,
                   "symptoms": ["mild headache"], "hydration": "adequate", "headache": True,
                   "infection_signs": False, "thrombosis_risk": False, "renal_risk": False,
                   "allergies_reviewed": True, "identity": ["name", "birth_date"]},
    "vitals": {"hr": 72, "rr": 16, "sbp": 122, "dbp": 78, "temp_c": 36.8, "spo2": 98, "pain": 0,
               "position": "sitting"},
    "medication.given": {"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO", "purpose": "premed"},
    "product.opened": {"product_id": "gammagard-liquid-10", "lot": "LE12A", "expiry": "2026-12-31",
                       "volume_ml": 300, "inspected_ok": True, "ndc": "0944-2700-05", "inline_filter": True},
    "infusion.started": {"rate_ml_h": 35},
    "infusion.rate_changed": {"rate_ml_h": 70, "reason": "titration"},
    "infusion.paused": {"reason": "reaction", "note": "chills"},
    "infusion.resumed": {"rate_ml_h": 35},
    "infusion.stopped": {"reason": "completed", "pump_volume_ml": 700},
    "line.placed": {"status": "new", "type": "peripheral", "gauge": 22, "length_cm": 2.5, "site": "forearm",
                    "side": "left", "attempts": 1, "inserted_by": "Ana Reyes, RN", "blood_return": True,
                    "flush_solution": "0.9% sodium chloride", "flush_volume_ml": 10,
                    "findings": ["no_complications"]},
    "line.assessed": {"phase": "start", "findings": ["no_complications"], "blood_return": True},
    "line.removed": {"reason": "therapy_complete", "tip_intact": True, "findings": ["no_complications"],
                     "dressing": "gauze and tape"},
    "line.left_in_place": {"dressing": "transparent dressing", "patient_instructed": True,
                           "findings": ["no_complications"]},
    "reaction.observed": {"symptoms": ["chills"], "grade": 2, "actions": ["paused", "medication_given"],
                          "notified": [{"who": "prescriber", "name": "Dr Phil", "at": "2025-03-04T10:40:00Z"}],
                          "outcome": "resolved"},
    "reaction.resolved": {"reaction_id": "ev-1", "note": "Chills gone"},
    "education": {"topics": ["reaction signs"], "understanding": "verbalized"},
    "note": {"text": "Patient comfortable."},
    "signature": {"role": "nurse", "name": "Ana Reyes, RN", "statement": "Electronically signed by Ana Reyes, RN"},
    "review.signed": {"note": "Rate plan fine."},
    "review.intervention": {"kind": "next_rate", "text": "Start at 70 mL/h next time", "next_rate_ml_h": 70},
    "entry.amended": {"target_id": "ev-1", "payload": {"hr": 80}, "reason": "typo"},
    "entry.voided": {"target_id": "ev-1", "reason": "wrong chart"},
}


def problems(kind: str, payload: dict[str, Any], schema: int = 1) -> list[tuple[str, str]]:
    with pytest.raises(EventInvalid) as caught:
        validate_event(kind, schema, payload)
    return [(p.field, p.code) for p in caught.value.problems]


def test_every_kind_of_design_section_4_has_a_schema_at_version_1() -> None:
    assert set(CURRENT_SCHEMA) == set(VALID)
    assert set(CURRENT_SCHEMA.values()) == {1}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_valid_payload_comes_back_normalized_and_json_ready(kind: str) -> None:
    normalized = validate_event(kind, 1, VALID[kind])
    assert json.loads(json.dumps(normalized)) == normalized
    assert validate_event(kind, 1, normalized) == normalized  # normalizing twice changes nothing


@pytest.mark.parametrize("kind", sorted(VALID))
def test_an_unknown_field_is_refused_for_every_kind(kind: str) -> None:
    assert ("surprise", "extra_field") in problems(kind, {**VALID[kind], "surprise": 1})


RANGES = [  # field, lowest allowed, highest allowed, a just-outside step (CLINICAL.md section 3)
    ("hr", 20, 250, 1), ("rr", 4, 60, 1), ("sbp", 50, 260, 1), ("dbp", 20, 160, 1),
    ("temp_c", 32, 43, 0.1), ("spo2", 50, 100, 1), ("pain", 0, 10, 1),
]


# Blood pressure is recorded as a pair, so a bound of one is tested with a plausible other.
PARTNER = {("sbp", 50): {"dbp": 20}, ("sbp", 260): {"dbp": 100},
           ("dbp", 20): {"sbp": 120}, ("dbp", 160): {"sbp": 200}}


@pytest.mark.parametrize(("field", "low", "high", "step"), RANGES)
def test_vital_sign_ranges_include_both_bounds(field: str, low: float, high: float, step: float) -> None:
    for value in (low, high):
        payload = {field: value, **PARTNER.get((field, value), {})}
        assert validate_event("vitals", 1, payload)[field] == value


@pytest.mark.parametrize(("field", "low", "high", "step"), RANGES)
def test_vital_signs_just_outside_their_range_are_refused_naming_the_field(
    field: str, low: float, high: float, step: float
) -> None:
    for value in (round(low - step, 1), round(high + step, 1)):
        with pytest.raises(EventInvalid) as caught:
            validate_event("vitals", 1, {field: value})
        assert caught.value.code == "invalid_payload"
        first = caught.value.problems[0]
        assert (first.field, first.code) == (field, "out_of_range")
        assert load_ranges()[field].label in first.message


def test_temperature_message_reads_like_the_nurse_would_say_it() -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("vitals", 1, {"temp_c": 53})
    assert str(caught.value) == "Temperature 53 °C is outside 32–43 °C"


def test_weight_range_is_1_to_300_kg_inclusive() -> None:
    for weight in (1, 300):
        assert validate_event("assessment", 1, {**VALID["assessment"], "weight_kg": weight})["weight_kg"] == weight
    for weight in (0.9, 300.1):
        assert ("weight_kg", "out_of_range") in problems("assessment", {**VALID["assessment"], "weight_kg": weight})


def test_a_rate_must_be_above_zero_so_zero_is_refused_but_a_tenth_is_not() -> None:
    assert problems("infusion.started", {"rate_ml_h": 0}) == [("rate_ml_h", "out_of_range")]
    assert validate_event("infusion.started", 1, {"rate_ml_h": 0.1})["rate_ml_h"] == 0.1
    with pytest.raises(EventInvalid, match="Rate 0 mL/h must be more than 0 mL/h and at most 999 mL/h"):
        validate_event("infusion.started", 1, {"rate_ml_h": 0})


def test_diastolic_equal_to_systolic_is_refused() -> None:
    assert problems("vitals", {"sbp": 90, "dbp": 90}) == [("dbp", "dbp_not_below_sbp")]
    with pytest.raises(EventInvalid, match="Diastolic BP 95 mmHg must be below systolic BP 90 mmHg"):
        validate_event("vitals", 1, {"sbp": 90, "dbp": 95})
    assert validate_event("vitals", 1, {"sbp": 90, "dbp": 89})["dbp"] == 89


def test_blood_pressure_needs_both_numbers() -> None:
    assert problems("vitals", {"sbp": 120}) == [("dbp", "bp_incomplete")]


def test_vitals_need_at_least_one_measurement_position_alone_is_not_one() -> None:
    assert problems("vitals", {"position": "lying"}) == [("", "no_measurement")]


def test_not_a_number_and_booleans_are_not_measurements() -> None:
    assert problems("vitals", {"hr": float("nan")}) == [("hr", "wrong_type")]
    assert problems("vitals", {"hr": True}) == [("hr", "wrong_type")]
    assert problems("vitals", {"hr": "72"}) == [("hr", "wrong_type")]


def test_pain_is_a_whole_number_score() -> None:
    assert problems("vitals", {"pain": 3.5}) == [("pain", "wrong_type")]


def test_kit_answers_must_be_real_booleans_and_every_message_names_its_field() -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("assessment", 1, {**VALID["assessment"], "kit_present": 1, "hydration": "ok"})
    messages = {p.field: p.message for p in caught.value.problems}
    assert messages["kit_present"] == "Kit present must be true or false"
    assert messages["hydration"].startswith("Hydration must be one of")


def test_missing_required_fields_are_each_reported() -> None:
    found = problems("medication.given", {"drug": "acetaminophen"})
    assert {field for field, code in found if code == "missing"} == {"dose", "unit", "route", "purpose"}


def test_free_text_is_limited_to_2000_characters() -> None:
    assert validate_event("note", 1, {"text": "x" * 2000})["text"] == "x" * 2000
    assert problems("note", {"text": "x" * 2001}) == [("text", "too_long")]
    assert problems("note", {"text": "   "}) == [("text", "too_short")]


def test_location_null_means_not_verified_and_is_accepted() -> None:
    assert validate_event("visit.started", 1, {"patient_id": "p-1", "location": None})["location"] is None


def test_location_coordinates_are_range_checked_with_a_dotted_field() -> None:
    found = problems("visit.started", {"patient_id": "p-1", "location": {"lat": 91, "lon": 0, "accuracy_m": 5}})
    assert found == [("location.lat", "out_of_range")]


def test_a_notification_time_needs_a_utc_offset() -> None:
    payload = {**VALID["reaction.observed"], "notified": [{"who": "prescriber", "at": "2025-03-04T10:40:00"}]}
    assert problems("reaction.observed", payload) == [("notified.0.at", "wrong_type")]


def test_reaction_grade_is_1_to_5() -> None:
    reaction = VALID["reaction.observed"]
    for grade in (1, 5):
        assert validate_event("reaction.observed", 1, {**reaction, "grade": grade})["grade"] == grade
    for grade in (0, 6):
        assert problems("reaction.observed", {**reaction, "grade": grade}) == [("grade", "out_of_range")]


def test_expiry_is_a_date_and_ndc_has_the_fda_shape() -> None:
    assert ("expiry", "wrong_type") in problems("product.opened", {**VALID["product.opened"], "expiry": "soon"})
    assert problems("product.opened", {**VALID["product.opened"], "ndc": "12-34"}) == [("ndc", "invalid_value")]


def test_no_complications_cannot_be_combined_with_a_complication() -> None:
    payload = {**VALID["line.assessed"], "findings": ["no_complications", "redness"]}
    assert problems("line.assessed", payload) == [("findings", "conflicting_findings")]


def test_a_new_line_needs_its_insertion_attempts() -> None:
    payload = {key: value for key, value in VALID["line.placed"].items() if key != "attempts"}
    assert problems("line.placed", payload) == [("attempts", "required_for_new_line")]
    assert validate_event("line.placed", 1, {**payload, "status": "existing", "type": "port"})["attempts"] is None


def test_a_next_rate_intervention_carries_a_rate_and_others_do_not() -> None:
    next_rate, mismatch = VALID["review.intervention"], [("next_rate_ml_h", "next_rate_mismatch")]
    assert problems("review.intervention", {**next_rate, "next_rate_ml_h": None}) == mismatch
    assert problems("review.intervention", {**next_rate, "kind": "other"}) == mismatch


def test_an_unknown_kind_is_refused_with_its_own_code() -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("vitals.extra", 1, {})
    assert caught.value.code == "unknown_kind"
    assert [p.code for p in caught.value.problems] == ["unknown_kind"]


def test_a_newer_schema_is_refused_as_newer_not_as_invalid() -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("vitals", 2, {"hr": 70})
    assert caught.value.code == "newer_schema"
    assert "newer app" in str(caught.value)


@pytest.mark.parametrize("schema", [-1, 0, True, "1"])
def test_an_old_schema_without_an_upcaster_is_refused(schema: Any) -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("note", schema, {"text": "x"})
    assert caught.value.code == "unknown_schema"


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(EventInvalid) as caught:
        validate_event("note", 1, ["x"])  # type: ignore[arg-type]
    assert caught.value.code == "invalid_payload"


def test_legacy_vitals_schema_0_in_fahrenheit_is_lifted_to_celsius() -> None:
    assert upcast("vitals", 0, {"temp_f": 98.6, "hr": 70}) == {"temp_c": 37.0, "hr": 70}
    assert validate_event("vitals", 0, {"temp_f": 100.4})["temp_c"] == 38.0


def test_upcasting_leaves_the_stored_payload_untouched() -> None:
    stored = {"temp_f": 98.6}
    upcast("vitals", 0, stored)
    assert stored == {"temp_f": 98.6}


def test_a_legacy_payload_is_range_checked_after_lifting() -> None:
    assert problems("vitals", {"temp_f": 127.4}, schema=0) == [("temp_c", "out_of_range")]


def test_a_schema_1_payload_with_fahrenheit_is_refused() -> None:
    assert problems("vitals", {"temp_f": 98.6}) == [("temp_f", "extra_field")]


def test_an_organization_can_narrow_a_range() -> None:
    ranges = load_ranges()
    narrowed = {**ranges, "hr": type(ranges["hr"])("Heart rate", "/min", 30, 200)}
    with pytest.raises(EventInvalid, match="Heart rate 25/min is outside 30–200/min"):
        validate_event("vitals", 1, {"hr": 25}, ranges=narrowed)


# A ranges document the shape refuses: every problem named by its path, worded as the tablet words it
# (tests/js/check_payload.test.mjs holds the tablet to the same text; both read data/schema_words.json).
BROKEN_RANGES_MESSAGE = ("ranges.fields.hr: unknown field(s) colour; ranges.fields.hr.min: must be a number; "
                         "ranges.fields.rr.label: is required")


def test_a_broken_ranges_document_is_refused_naming_each_field() -> None:
    doc = json.loads(json.dumps({"fields": {name: vars(spec) for name, spec in load_ranges().items()}}))
    doc["fields"]["hr"].update(min="20", colour="red")
    del doc["fields"]["rr"]["label"]
    with pytest.raises(ValueError) as refused:
        load_ranges(doc)
    assert str(refused.value) == BROKEN_RANGES_MESSAGE
