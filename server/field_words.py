"""The words a desk form shows for each of its fields, for its error messages.

A form error keeps the field's name (the API returns it as `field`, the form marks that input by it), but
the message a pharmacist reads names the field as the form labels it: "Dose (g/kg): must be more than 0",
not "dose_g_per_kg: ..." (the reason in plain words: server.errors.PLAIN_WORDS). A name missing here is
shown as it is, never hidden.
"""

from __future__ import annotations

FIELD_WORDS: dict[str, str] = {
    # orders (server.services.orders.ORDER_FIELDS says the same in the revision history)
    "product_id": "Product", "product": "Product and indication", "indication": "Indication",
    "dose_g_per_kg": "Dose (g/kg)", "dosing_weight_kg": "Dosing weight (kg)", "basis": "Rate steps",
    "steps_ml_h": "Steps (mL/h)", "step_interval_min": "Minutes between steps", "volume_ml": "Volume (mL)",
    "duration_min": "Time (minutes)", "rate_cap_ml_h": "Rate cap (mL/h)", "override_reason": "Pharmacist override reason",
    "prescriber": "Prescriber", "based_on_revision": "Revision", "premeds": "Premedication",
    "prn_orders": "PRN and reaction orders", "active": "Active", "drug": "Drug", "dose": "Dose", "unit": "Unit",
    "route": "Route", "minutes_before": "Minutes before the start",
    # scheduling and visit orders
    "patient_id": "Patient", "date": "Date", "time": "Time", "count": "Number of visits", "every_weeks": "Every how many weeks",
    "nurse_id": "Nurse", "order_id": "Order", "other_order_ids": "Other orders", "reason": "Reason", "repeat": "Repeat",
    "same_day": "A second visit that day", "course_meant": "Daily course", "scope": "Which visits",
    "same_therapy": "A second active order of this therapy",
    "alerts_reviewed": "Alerts reviewed",
    "alerts_shown": "Alerts shown",
    "weight_differs": "Dosing weight (kg)",
    "dose_differs": "Dose (g/kg)",
    "medication_dose_differs": "Medication doses",
    "age_meant": "Product and indication", "iga_meant": "IgA deficiency",
    # patients, assignments and accounts
    "mrn": "MRN", "given_name": "Given name", "family_name": "Family name", "birth_date": "Birth date",
    "allergies": "Allergies", "physician_id": "Physician", "starts_on": "From", "ends_on": "Until",
    "another_person": "Another person", "thrombosis_risk": "Thrombosis risk", "renal_risk": "Renal risk", "iga_deficiency": "IgA deficiency",
    "username": "Username", "display_name": "Display name", "email": "Email", "role": "Role",
    "password": "Password", "current_password": "Current password", "new_password": "New password",
    "repeat_password": "New password again", "device_id": "Device", "device_label": "Device name", "tablet_lock_min": "Lock after (minutes)",
    "at_risk_cap_mg_kg_min": "Default at-risk cap (mg/kg/min)",
    # review
    "kind": "Kind", "next_rate_ml_h": "Next infusion rate (mL/h)", "rate_meant": "Next infusion rate (mL/h)", "text": "What and why", "note": "Note for the physician",
    # catalogue rows
    "ladder": "Steps", "ladder_source": "Where each step comes from", "ladder_note": "Ladder note",
    "first_step_min": "First step (min)", "step_min": "Each later step (min)", "at_risk_cap": "At-risk cap",
    "at_risk_cap_source": "Where the cap comes from", "source": "Source", "checked_against": "Checked against",
    "beyond_label": "Past the packaged row",
}


# How the dose given was found (the fold's grams_basis), in a reader's words.
BASIS_WORDS = {"pump": "pump reading", "computed": "computed from rates",
               "opened": "all the product opened; the rates ran past it"}

# A visit's status as a person reads it: "signed" is the nurse's signature, not the pharmacist's sign-off.
STATUS_WORDS = {"scheduled": "scheduled", "in_progress": "in progress", "completed": "ended, not yet signed",
                "signed": "signed by the nurse", "reviewed": "signed off", "reopened": "reopened", "cancelled": "cancelled"}


def worded(message: str, field: str) -> str:
    """`message` with its leading "field: " said in the form's words."""
    prefix = f"{field}: "
    if not message.startswith(prefix):
        return message
    return f"{FIELD_WORDS.get(field, field)}: {message[len(prefix):]}"


def therapy_words(therapy: str) -> str:
    """A product's therapy as people write it: "IVIG", "hydration"."""
    return "IVIG" if therapy == "ivig" else therapy
