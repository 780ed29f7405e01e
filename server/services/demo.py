"""Demo data for `make run`: one organization, six users, six patients, today's visits.

Loaded only into an empty database. The names are invented; no real person is described.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from server import audit
from server.auth import passwords
from server.db.models import Assignment, Order, Organization, Patient, ProtocolBasis, Role, Visit, VisitOrder
from server.services import demo_visits
from server.services.users import add_user

USERS = [
    ("nurse", "Nora Quinn, RN", Role.NURSE),
    ("nurse2", "Ben Ortiz, RN", Role.NURSE),
    ("pharmacist", "Pia Lind, PharmD", Role.PHARMACIST),
    ("physician", "Dr. Phil Amari", Role.PHYSICIAN),
    ("admin", "Ada Brooks", Role.ADMIN),
    ("biller", "Bea Marsh", Role.BILLER),
]

# mrn, given, family, born, kg, product_id, indication, g/kg, nurse, allergies, iga_deficiency
PATIENTS = [
    ("MRN-1001", "Alma", "Reyes", date(1958, 4, 2), 70.0, "gammagard-liquid-10", "PI", 0.4, "nurse", "penicillin", False),
    ("MRN-1002", "Bruno", "Keller", date(1971, 9, 15), 82.0, "privigen-10", "CIDP", 1.0, "nurse", "", False),
    ("MRN-1003", "Carla", "Nguyen", date(1985, 1, 30), 64.0, "octagam-10", "ITP", 1.0, "nurse", "latex", False),
    ("MRN-1004", "Dev", "Patel", date(1949, 12, 8), 58.0, "panzyga-10", "PI", 0.5, "nurse", "", True),
    ("MRN-1005", "Elena", "Sousa", date(1963, 6, 21), 90.0, "gamunex-c-10", "CIDP", 1.0, "nurse2", "sulfa drugs", False),
    ("MRN-1006", "Farid", "Haddad", date(1990, 3, 11), 75.0, "gammagard-liquid-10", "MMN", 0.5, "nurse2", "", False),
]

# A pre-hydration before the IVIG, given at the same visit (mrn -> mL over minutes; LABELS.md s.6: order-driven).
PRE_HYDRATION = {"MRN-1004": (500.0, 120)}
SALINE = "sodium-chloride-0.9"
SALINE_MG_ML = 9.0

PREMEDS = [
    {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "minutes_before": 30},
    {"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO", "minutes_before": 30},
]
PRN = [
    {"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO", "indication": "mild reaction"},
    {"drug": "epinephrine", "dose": 0.3, "unit": "mg", "route": "IM", "indication": "anaphylaxis"},
]


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    password: str | None  # the generated password, to print once; None when it was given


def password_problem(password: str | None) -> str | None:
    """Why the given demo password would be refused (None: it would not, or none is given: one is made)."""
    return None if password is None else passwords.password_problem(password)


async def load_if_empty(*, password: str | None) -> DemoResult:
    if await Organization.exists():
        return DemoResult(loaded=False, password=None)
    generated = None if password else secrets.token_urlsafe(12)
    await load(password=password or generated)  # type: ignore[arg-type]
    return DemoResult(loaded=True, password=generated)


async def load(*, password: str) -> None:
    organization = await Organization.create(name="Demo Home Infusion")
    users = {}
    for username, name, role in USERS:
        users[username] = await add_user(
            organization=organization, username=username, display_name=name, role=role,
            password=password, by=None,
        )
    for index, row in enumerate(PATIENTS):
        await _patient_with_order_and_visit(organization, users, row, index)
    await demo_visits.add_finished_visits(organization.id)
    await audit.record("demo.load", actor=None, object_type="organization", object_id=organization.id)


async def _patient_with_order_and_visit(organization: Organization, users: dict, row: tuple, index: int) -> None:
    mrn, given, family, born, kg, product_id, indication, g_per_kg, nurse, allergies, iga = row
    patient = await Patient.create(
        organization=organization, mrn=mrn, given_name=given, family_name=family, birth_date=born,
        allergies=allergies, dosing_weight_kg=kg, iga_deficiency=iga, physician=users["physician"],
    )
    await Assignment.create(
        organization=organization, nurse=users[nurse], patient=patient, starts_on=date.today() - timedelta(days=30)
    )
    explicit = indication == "MMN"  # one order written with explicit mL/h steps
    order = await Order.create(
        organization=organization, patient=patient, product_id=product_id, indication=indication,
        dose_g_per_kg=g_per_kg, dose_g=round(g_per_kg * kg, 1), dosing_weight_kg=kg,
        basis=ProtocolBasis.ORDER if explicit else ProtocolBasis.LABEL,
        steps_ml_h=[30, 60, 90, 120, 150] if explicit else None,
        step_interval_min=15 if explicit else None,
        rate_cap_ml_h=150.0 if explicit else None,
        premeds=PREMEDS, prn_orders=PRN, prescriber="Dr. Phil Amari", created_by=users["pharmacist"],
    )
    start = datetime.combine(date.today(), time(8, 0), tzinfo=timezone.utc) + timedelta(hours=2 * (index % 4))
    visit = await Visit.create(
        id=uuid.uuid4(), organization=organization, patient=patient, order=order, nurse=users[nurse],
        scheduled_at=start,
    )
    if mrn in PRE_HYDRATION:
        await _pre_hydration(organization, patient, visit, users["pharmacist"], *PRE_HYDRATION[mrn])


async def _pre_hydration(organization: Organization, patient: Patient, visit: Visit, pharmacist, volume_ml: float,
                         duration_min: int) -> None:
    """A saline order of a volume over a time (its dose: the sodium chloride in it), given at `visit` too."""
    dose_g = volume_ml * SALINE_MG_ML / 1000
    saline = await Order.create(
        organization=organization, patient=patient, product_id=SALINE, therapy="hydration", indication="Hydration",
        dose_g_per_kg=dose_g / patient.dosing_weight_kg, dose_g=dose_g, dosing_weight_kg=patient.dosing_weight_kg,
        basis=ProtocolBasis.ORDER, volume_ml=volume_ml, duration_min=duration_min, prescriber="Dr. Phil Amari",
        created_by=pharmacist,
    )
    await VisitOrder.create(visit=visit, order=saline, position=0)
