"""The JSON shape of each object the API shows: one function per object, used everywhere."""

from __future__ import annotations

from typing import Any

from server.db.models import Order, Patient, Visit


def patient_public(patient: Patient) -> dict:
    return {
        "id": patient.id,
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "allergies": patient.allergies,
        "dosing_weight_kg": patient.dosing_weight_kg,
        "thrombosis_risk": patient.thrombosis_risk,
        "renal_risk": patient.renal_risk,
        "iga_deficiency": patient.iga_deficiency,
        "physician_id": patient.physician_id,
    }


def order_public(order: Order) -> dict:
    return {
        "id": order.id,
        "patient_id": order.patient_id,
        "product_id": order.product_id,
        "indication": order.indication,
        "dose_g_per_kg": order.dose_g_per_kg,
        "dose_g": order.dose_g,
        "dosing_weight_kg": order.dosing_weight_kg,
        "basis": order.basis,
        "steps_ml_h": order.steps_ml_h,
        "step_interval_min": order.step_interval_min,
        "volume_ml": order.volume_ml,
        "duration_min": order.duration_min,
        "rate_cap_ml_h": order.rate_cap_ml_h,
        "premeds": order.premeds,
        "prn_orders": order.prn_orders,
        "vitals_schedule": order.vitals_schedule,
        "prescriber": order.prescriber,
        "active": order.active,
        "revision": order.revision,
    }


def visit_public(visit: Visit) -> dict[str, Any]:
    return {
        "id": str(visit.id),
        "patient_id": visit.patient_id,
        "order_id": visit.order_id,
        "nurse_id": visit.nurse_id,
        "scheduled_at": visit.scheduled_at.isoformat() if visit.scheduled_at else None,
        "status": visit.status,
        "time_in": visit.time_in.isoformat() if visit.time_in else None,
        "time_out": visit.time_out.isoformat() if visit.time_out else None,
        "alert_count": visit.alert_count,
        "max_reaction_grade": visit.max_reaction_grade,
        "volume_infused_ml": visit.volume_infused_ml,
        "flags": visit.flags,
    }
