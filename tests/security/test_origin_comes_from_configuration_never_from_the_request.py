"""Our own origin is configured (IVLOG_PUBLIC_ORIGIN) or the bound address (IVLOG_HOST, IVLOG_PORT),
never the request's Host (issue 16 item 11): with the public origin unset, a write whose Origin
and Host both name evil.example passed the same-origin check. Every unsafe route of the app."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
from starlette.routing import Route

from server.app import create_app
from server.middleware.same_origin import own_origins
from server.settings import Settings

PORT = 8123
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
async def bound_app(settings):
    """The app as `serve` builds it with no IVLOG_PUBLIC_ORIGIN: bound to 127.0.0.1:PORT."""
    application = create_app(dataclasses.replace(settings, public_origin=None, host="127.0.0.1", port=PORT))
    async with application.router.lifespan_context(application):
        yield application


def unsafe_routes(app) -> list[tuple[str, str]]:
    routes = [(method, route.path) for route in app.routes if isinstance(route, Route)
              for method in sorted(route.methods & UNSAFE)]
    assert len(routes) > 10, routes
    return routes


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "00000000-0000-4000-8000-000000000000" if "uuid" in m.group() else "1", path)


async def test_a_write_whose_origin_and_host_both_name_another_site_is_refused_on_every_unsafe_route(bound_app):
    failures = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bound_app), base_url="http://evil.example") as evil:
        for method, path in unsafe_routes(bound_app):
            body = {"json": {}} if path.startswith("/api/") else {"data": {"x": "1"}}
            response = await evil.request(method, fill(path), headers={"origin": "http://evil.example"}, **body)
            if response.status_code != 403 or "csrf_failed" not in response.text and "did not come" not in response.text:
                failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, failures


@pytest.mark.parametrize("origin, host", [
    ("http://evil.example", "evil.example"),
    ("http://evil.example:8123", "evil.example:8123"),
    ("https://127.0.0.1:8123", "127.0.0.1:8123"),
    ("http://127.0.0.1:9999", "127.0.0.1:9999"),
    ("http://localhost.evil.example:8123", "localhost.evil.example:8123"),
])
async def test_an_api_login_from_an_origin_that_is_not_the_bound_address_is_refused(bound_app, nurse_ana, origin, host):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bound_app), base_url=f"http://{host}") as client:
        response = await client.post("/api/session", json={"username": "nurse_ana", "password": "x"},
                                     headers={"origin": origin})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


@pytest.mark.parametrize("origin", [f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}"])
async def test_the_bound_loopback_address_is_our_own_origin_in_development(bound_app, nurse_ana, origin):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bound_app), base_url=origin) as client:
        response = await client.post("/api/session", json={"username": "nurse_ana", "password": "wrong"},
                                     headers={"origin": origin})
    assert response.status_code == 401  # past the origin check: the password decides


@pytest.mark.parametrize("env, expected", [
    ({}, {"http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"}),
    ({"IVLOG_PORT": "9000"}, {"http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"}),
    ({"IVLOG_HOST": "0.0.0.0"}, {"http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"}),
    ({"IVLOG_HOST": "10.0.0.5"}, {"http://10.0.0.5:8000"}),
    ({"IVLOG_PUBLIC_ORIGIN": "https://ivlog.example/", "IVLOG_HOST": "10.0.0.5"}, {"https://ivlog.example"}),
])
def test_own_origins_come_from_the_settings_alone(tmp_path, env, expected):
    settings = Settings.from_env({"IVLOG_DATA_DIR": str(tmp_path), **env})
    assert own_origins(settings) == expected
