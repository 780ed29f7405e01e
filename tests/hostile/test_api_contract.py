"""Schemathesis against the real app: every operation in /api/openapi.json, fuzzed (valid and invalid
inputs) as a nurse on her tablet and as a pharmacist at her desk. No answer may be a 5xx, every
status and body must be the documented one, and the content type must match the description.

Deterministic: a fixed seed, a fixed number of examples per operation, no example database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import openapi
from server.app import create_app
from server.auth.sessions import COOKIE_NAME
from server.settings import Settings
from tests.api.events import one_event, push_body
from tests.conftest import ORIGIN, PASSWORD
from tests.databases import TemplateDatabase
from tests.hostile.seeded_app import VISIT_ID, SeededApp, small_world

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 30
CONFIG = {
    "seed": 20250101,
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none",
                   "with-security-parameters": False},
    # The coverage phase adds hundreds of boundary cases per operation: a nightly job, not every run.
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
}


class Sessions:
    """Logged-in session cookies, made before the fuzzing starts (its failed logins would throttle us)."""

    def __init__(self, app: SeededApp) -> None:
        self.app = app
        self.tablet = uuid.uuid4()
        self.cookies = {"pharmacist_pia": self.log_in("pharmacist_pia"),
                        "nurse_ana": self.log_in("nurse_ana", device_id=str(self.tablet))}

    def log_in(self, username: str, **extra: str) -> str:
        with asgi.get_client(self.app) as client:
            response = client.post("/api/session", json={"username": username, "password": PASSWORD, **extra},
                                   headers={"origin": ORIGIN})
            assert response.status_code == 200, response.text
            return response.cookies[COOKIE_NAME]

    def push_a_started_visit(self) -> None:
        """Real data for the fuzzed reads: a started visit with vitals and a note."""
        events = [one_event(VISIT_ID, 1, "visit.started", {"patient_id": self.patient_id(), "order_id": None}),
                  one_event(VISIT_ID, 2, "vitals", {"hr": 72, "sbp": 120, "dbp": 80}),
                  one_event(VISIT_ID, 3, "note", {"text": "Comfortable."})]
        with asgi.get_client(self.app) as client:
            client.cookies.set(COOKIE_NAME, self.cookies["nurse_ana"])
            response = client.post("/api/sync/push", json=push_body(self.tablet, events), headers={"origin": ORIGIN})
            assert {r["status"] for r in response.json()["results"]} == {"accepted"}, response.text

    def patient_id(self) -> str:
        with asgi.get_client(self.app) as client:
            client.cookies.set(COOKIE_NAME, self.cookies["nurse_ana"])
            return str(client.get("/api/patients").json()["patients"][0]["id"])


@pytest.fixture(scope="module")
def seeded_app(template_database: TemplateDatabase, password_hash: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededApp]:
    workdir = tmp_path_factory.mktemp("contract")
    url = asyncio.run(template_database.clone(workdir))
    # The fuzzer fails hundreds of logins from one address; the throttle has its own tests.
    settings = Settings(env="test", data_dir=workdir, database_url=url, secret_key="s" * 48, public_origin=ORIGIN,
                        log_format="console", login_max_failures=100_000)
    yield SeededApp(create_app(settings), lambda: small_world(password_hash))
    asgi.shutdown_lifespans()
    asyncio.run(template_database.drop(url))


@pytest.fixture(scope="module")
def api_schema(seeded_app: SeededApp) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", seeded_app,
                                          config=SchemathesisConfig.from_dict(CONFIG))


@pytest.fixture(scope="module")
def sessions(api_schema, seeded_app: SeededApp) -> Sessions:
    made = Sessions(seeded_app)  # the schema fixture started the app (and seeded it)
    made.push_a_started_visit()
    return made


PERSONAS = ("nurse_ana", "pharmacist_pia")  # the tablet pushes and fetches its key; the desk reads everything
# Logging in and out does not depend on the role (and each login attempt costs an argon2 hash).
ONE_PERSONA = {"/api/session": "nurse_ana"}
RUNS = [(persona, method.upper(), path) for path, item in openapi.document()["paths"].items() for method in item
        for persona in PERSONAS if ONE_PERSONA.get(path, persona) == persona]


def cases(api_schema: schemathesis.BaseSchema, method: str, path: str) -> st.SearchStrategy:
    """Valid and invalid requests for one operation, as schemathesis generates them."""
    operation = api_schema[path][method]
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))


@pytest.mark.parametrize(("persona", "method", "path"), RUNS, ids=[f"{m} {p} as {who}" for who, m, p in RUNS])
def test_every_api_answer_is_documented_and_none_is_a_server_error(api_schema, sessions, persona, method, path):
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases(api_schema, method, path))
    def call(case) -> None:
        # Logging out ends the session it is sent with: give it one of its own.
        cookie = sessions.log_in(persona) if method == "DELETE" else sessions.cookies[persona]
        case.call_and_validate(headers={"Origin": ORIGIN}, cookies={COOKIE_NAME: cookie}, checks=CHECKS)

    call()
