"""Shared fixtures: a real database per test, the real app over ASGI, and personas.

Personas (STYLE.md): nurse_ana (assigned to patient_pat), nurse_ben (assigned to
patient_sam), pharmacist_pia, physician_phil (patient_pat's physician), admin_ada, and in
another organization pharmacist_oz with patient_ola. Every persona's password is PASSWORD.

patient_sam and patient_ola carry sentinel names and allergies (tests/phi_sentinel.py): the
PHI sweep fails the run if any of them reaches a log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.auth import passwords
from server.db.models import Assignment, Order, Organization, Patient, Role, User
from server.services.reference_shape import REFERENCE_SHAPE, REFERENCE_SHAPE_HEADER
from server.settings import Settings
from tests.databases import TemplateDatabase

pytest_plugins = ["tests.phi_sentinel"]  # imported by pytest first, so its asserts are rewritten

PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> TemplateDatabase:
    template = TemplateDatabase(tmp_path_factory.mktemp("template"))
    template.create()
    yield template
    template.destroy()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return passwords.hasher_for("test").hash(PASSWORD)  # what the app in IVLOG_ENV=test hashes with


@pytest.fixture
async def database_url(template_database: TemplateDatabase, tmp_path: Path) -> AsyncIterator[str]:
    url = await template_database.clone(tmp_path)
    yield url
    await template_database.drop(url)


SECRET_KEY = "s" * 48


@pytest.fixture(autouse=True)
def audit_configured(tmp_path: Path) -> None:
    """The audit chain's key and anchor, as the app and the CLI set them from Settings."""
    from server import audit

    audit.configure_from(Settings(env="test", data_dir=tmp_path, secret_key=SECRET_KEY))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The secret is also in the data dir, where a CLI process run on it in development reads it:
    the audit chain's key comes from it, and every process appending to one chain shares it."""
    (tmp_path / "secret_key").write_text(SECRET_KEY)
    return Settings(
        env="test", data_dir=tmp_path, database_url=database_url, secret_key=SECRET_KEY,
        log_format="console", public_origin=ORIGIN,  # the ASGI test client's origin
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client_factory(app) -> AsyncIterator[ClientFactory]:
    """`await client_factory(user)` gives an HTTP client logged in as `user` (or anonymous). It asks for the
    reference in the current shape, as the current tablet does (tests/api/test_reference_shape.py removes it)."""
    clients: list[httpx.AsyncClient] = []

    async def make(user: User | None = None, **login_extra) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN,
            headers={"origin": ORIGIN, REFERENCE_SHAPE_HEADER: str(REFERENCE_SHAPE)},
        )
        clients.append(client)
        if user is not None:
            response = await client.post(
                "/api/session", json={"username": user.username, "password": PASSWORD, **login_extra}
            )
            assert response.status_code == 200, response.text
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def anonymous(client_factory: ClientFactory) -> httpx.AsyncClient:
    return await client_factory()


# --- personas -------------------------------------------------------------------------

@pytest.fixture
async def org(app) -> Organization:
    return await Organization.create(name="North Home Infusion")


@pytest.fixture
async def other_org(app) -> Organization:
    return await Organization.create(name="South Home Infusion")


async def _user(org: Organization, username: str, role: Role, password_hash: str) -> User:
    return await User.create(
        organization=org, username=username, display_name=username.replace("_", " ").title(),
        role=role, password_hash=password_hash,
    )


@pytest.fixture
async def nurse_ana(org, password_hash) -> User:
    return await _user(org, "nurse_ana", Role.NURSE, password_hash)


@pytest.fixture
async def nurse_ben(org, password_hash) -> User:
    return await _user(org, "nurse_ben", Role.NURSE, password_hash)


@pytest.fixture
async def pharmacist_pia(org, password_hash) -> User:
    return await _user(org, "pharmacist_pia", Role.PHARMACIST, password_hash)


@pytest.fixture
async def physician_phil(org, password_hash) -> User:
    return await _user(org, "physician_phil", Role.PHYSICIAN, password_hash)


@pytest.fixture
async def admin_ada(org, password_hash) -> User:
    return await _user(org, "admin_ada", Role.ADMIN, password_hash)


@pytest.fixture
async def biller_bea(org, password_hash) -> User:
    return await _user(org, "biller_bea", Role.BILLER, password_hash)


@pytest.fixture
async def pharmacist_oz(other_org, password_hash) -> User:
    return await _user(other_org, "pharmacist_oz", Role.PHARMACIST, password_hash)


async def _patient(
    org: Organization, mrn: str, given: str, physician: User | None, *,
    family: str = "Testperson", allergies: str = "",
) -> Patient:
    return await Patient.create(
        organization=org, mrn=mrn, given_name=given, family_name=family, allergies=allergies,
        birth_date=date(1960, 1, 1), dosing_weight_kg=70.0, physician=physician,
    )


async def _sentinel_patient(org: Organization, mrn: str, who: str) -> Patient:
    from tests import phi_sentinel  # after pytest_plugins registered it

    names = getattr(phi_sentinel, who)
    return await _patient(org, mrn, names["given"], None, family=names["family"], allergies=names["allergies"])


# The order the scripted visits (tests/clinical/visits.py) carry out: 1 g/kg, the two premedications they
# give, and acetaminophen as needed (the febrile reaction gives it).
ORDER_PREMEDS = [{"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO", "minutes_before": 30},
                 {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "minutes_before": 30}]
ORDER_PRN = [{"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "indication": "fever"}]


async def _order(patient: Patient, pharmacist: User) -> Order:
    return await Order.create(
        organization_id=patient.organization_id, patient=patient, product_id="gammagard-liquid-10",
        indication="PI", dose_g_per_kg=1.0, dose_g=70.0, dosing_weight_kg=70.0, premeds=ORDER_PREMEDS,
        prn_orders=ORDER_PRN, prescriber="Dr. Test", created_by=pharmacist,
    )


@pytest.fixture
async def patient_pat(org, nurse_ana, pharmacist_pia, physician_phil) -> Patient:
    patient = await _patient(org, "MRN-PAT", "Pat", physician_phil)
    await Assignment.create(organization=org, nurse=nurse_ana, patient=patient, starts_on=date.today() - timedelta(days=7))
    await _order(patient, pharmacist_pia)
    return patient


@pytest.fixture
async def patient_sam(org, nurse_ben, pharmacist_pia) -> Patient:
    patient = await _sentinel_patient(org, "MRN-SAM", "SAM")
    await Assignment.create(organization=org, nurse=nurse_ben, patient=patient, starts_on=date.today() - timedelta(days=7))
    await _order(patient, pharmacist_pia)
    return patient


@pytest.fixture
async def patient_ola(other_org, pharmacist_oz) -> Patient:
    patient = await _sentinel_patient(other_org, "MRN-OLA", "OLA")
    await _order(patient, pharmacist_oz)
    return patient
