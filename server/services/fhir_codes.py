"""The codes the FHIR export uses: LOINC and UCUM for vital signs (CLINICAL section 3), HL7 value sets.

Kept as data, apart from the Bundle's shape, so a reviewer checks every code in one place.
"""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
HL7_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"


def loinc(*pairs: tuple[str, str], text: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display} for code, display in pairs], "text": text}


def quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


HOME_NOTE = loinc(("34129-7", "Home health Progress note"), text="Home infusion visit summary")
VITALS_PANEL = loinc(("85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"),
                     text="Vital signs")
BP_PANEL = loinc(("85354-9", "Blood pressure panel with all children optional"), text="Blood pressure")
SYSTOLIC = loinc(("8480-6", "Systolic blood pressure"), text="Systolic blood pressure")
DIASTOLIC = loinc(("8462-4", "Diastolic blood pressure"), text="Diastolic blood pressure")
BODY_WEIGHT = loinc(("29463-7", "Body weight"), text="Body weight")

# measurement name -> (code, unit shown, UCUM code); blood pressure is a panel of its own
VITALS: dict[str, tuple[dict[str, Any], str, str]] = {
    "hr": (loinc(("8867-4", "Heart rate"), text="Heart rate"), "/min", "/min"),
    "rr": (loinc(("9279-1", "Respiratory rate"), text="Respiratory rate"), "/min", "/min"),
    "temp_c": (loinc(("8310-5", "Body temperature"), text="Body temperature"), "°C", "Cel"),
    "spo2": (loinc(("2708-6", "Oxygen saturation in Arterial blood"),
                   ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"), text="SpO2"), "%", "%"),
    "pain": (loinc(("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
                   text="Pain score"), "{score}", "{score}"),
}

VITAL_SIGNS_CATEGORY = {"coding": [{"system": f"{HL7_TERMINOLOGY}/observation-category", "code": "vital-signs",
                                    "display": "Vital Signs"}]}
HOME_HEALTH = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH", "display": "home health"}
INTRAVENOUS = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous route"}],
               "text": "IV"}
SERIOUS = {"coding": [{"system": f"{HL7_TERMINOLOGY}/adverse-event-seriousness", "code": "serious",
                       "display": "Serious"}]}

# medication.given units -> (unit shown, UCUM code)
DOSE_UNITS = {"mg": ("mg", "mg"), "mcg": ("mcg", "ug"), "g": ("g", "g"), "mL": ("mL", "mL"), "unit": ("unit", "{unit}")}
PURPOSES = {"premed": "Premedication", "prn": "As needed (PRN)", "reaction": "Treatment of an infusion reaction"}

# CTCAE v5 grade -> adverse-event-severity
SEVERITY_BY_GRADE = {1: "mild", 2: "moderate"}
# reaction outcome (data/payloads.json) -> adverse-event-outcome
OUTCOMES = {"resolved": "resolved", "improving": "recovering", "ongoing": "ongoing", "transferred": "ongoing"}


def severity(grade: int) -> dict[str, Any]:
    code = SEVERITY_BY_GRADE.get(grade, "severe")
    return {"coding": [{"system": f"{HL7_TERMINOLOGY}/adverse-event-severity", "code": code}],
            "text": f"CTCAE v5 grade {grade}"}


def outcome(value: str) -> dict[str, Any]:
    code = OUTCOMES.get(value, "unknown")
    return {"coding": [{"system": f"{HL7_TERMINOLOGY}/adverse-event-outcome", "code": code}], "text": value}
