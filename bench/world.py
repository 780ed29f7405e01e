"""The people and plans a benchmark needs: nurses assigned to patients with scheduled visits.

Seeded through the ORM (the same models the server uses), so every pushed event lands on a
visit the nurse may write and is ACCEPTED: a benchmark that measured quarantine instead of
the accepted path would flatter the server. One argon2 hash is shared by every account
because hashing is deliberately slow and is not what is being measured.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from argon2 import PasswordHasher

from server.db.models import Assignment, Order, Organization, Patient, Role, User, Visit

PASSWORD = "bench-password-not-secret"


@dataclass(frozen=True)
class PlannedVisit:
    """A scheduled visit the nurse will push events for."""

    visit_id: uuid.UUID
    patient_id: int
    order_id: int
    scheduled_at: datetime


@dataclass
class Nurse:
    username: str
    visits: list[PlannedVisit] = field(default_factory=list)


@dataclass
class World:
    organization_id: int
    pharmacist: str
    nurses: list[Nurse]

    @property
    def visits(self) -> list[PlannedVisit]:
        return [visit for nurse in self.nurses for visit in nurse.visits]


async def _account(org: Organization, username: str, role: Role, password_hash: str) -> User:
    return await User.create(organization=org, username=username, display_name=f"{username} (bench)",
                             role=role, password_hash=password_hash)


async def _patient_with_order(org: Organization, nurse: User, pharmacist: User, number: int) -> tuple[Patient, Order]:
    patient = await Patient.create(organization=org, mrn=f"BENCH-{number:05d}", given_name=f"P{number}",
                                   family_name="Benchperson", birth_date=date(1960, 1, 1), dosing_weight_kg=70.0)
    await Assignment.create(organization=org, nurse=nurse, patient=patient, starts_on=date.today() - timedelta(days=30))
    order = await Order.create(organization=org, patient=patient, product_id="gammagard-liquid-10", indication="PI",
                               dose_g_per_kg=1.0, dose_g=70.0, dosing_weight_kg=70.0, prescriber="Dr. Bench",
                               created_by=pharmacist,
                               premeds=[{"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO"},
                                        {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO"}])
    return patient, order


async def _visits_for(org: Organization, nurse: User, patient: Patient, order: Order, count: int,
                      days_back: int) -> list[PlannedVisit]:
    """`count` visits a week apart, the latest `days_back` days ago, wholly in the past."""
    planned = []
    for index in range(count):
        when = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days_back + 7 * index, hours=8)
        visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient, order=order, nurse=nurse,
                                   scheduled_at=when)
        planned.append(PlannedVisit(visit.id, patient.id, order.id, when))
    return planned


async def seed(*, nurses: int, patients_per_nurse: int, visits_per_patient: int, prefix: str = "bench") -> World:
    """Create an organization, a pharmacist and `nurses` nurses, each with her patients and visits."""
    password_hash = PasswordHasher().hash(PASSWORD)
    org = await Organization.create(name=f"{prefix} infusion")
    pharmacist = await _account(org, f"{prefix}_pharmacist", Role.PHARMACIST, password_hash)
    world = World(organization_id=org.id, pharmacist=pharmacist.username, nurses=[])
    for n in range(nurses):
        user = await _account(org, f"{prefix}_nurse_{n:03d}", Role.NURSE, password_hash)
        nurse = Nurse(user.username)
        for p in range(patients_per_nurse):
            patient, order = await _patient_with_order(org, user, pharmacist, n * patients_per_nurse + p)
            nurse.visits += await _visits_for(org, user, patient, order, visits_per_patient, days_back=1)
        world.nurses.append(nurse)
    return world
