"""HTTP hygiene on every response: security headers, caching, error shapes, body caps."""

from __future__ import annotations

import pytest

from server.middleware.security_headers import HEADERS


@pytest.mark.parametrize("path", ["/login", "/api/session", "/no-such-page", "/api/no-such-thing", "/static/app.css"])
async def test_security_headers_are_on_every_response_including_errors(anonymous, path):
    response = await anonymous.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


async def test_api_answers_are_never_cached(client_factory, nurse_ana, patient_pat):
    client = await client_factory(nurse_ana)
    assert (await client.get("/api/patients")).headers["cache-control"] == "no-store"


async def test_api_errors_are_problem_json_with_a_stable_code(anonymous):
    response = await anonymous.get("/api/patients")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "not_authenticated" and body["status"] == 401 and body["detail"]


async def test_html_errors_are_friendly_pages(anonymous):
    response = await anonymous.get("/no-such-page")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Back to my home page" in response.text


async def test_unknown_api_route_is_problem_json_404(anonymous):
    response = await anonymous.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_body_over_the_cap_is_refused_with_413(anonymous, settings):
    body = b'{"username": "' + b"x" * (settings.max_body_bytes + 10) + b'", "password": "p"}'
    response = await anonymous.post("/api/session", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


async def test_streamed_body_over_the_cap_is_refused_with_413(anonymous, settings):
    async def chunks():
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536

    response = await anonymous.post("/api/session", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_invalid_json_names_the_problem(anonymous):
    response = await anonymous.post("/api/session", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


async def test_missing_field_is_named_in_the_error(anonymous):
    response = await anonymous.post("/api/session", json={"username": "nurse_ana"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


async def test_login_redirects_only_to_local_paths(anonymous, pharmacist_pia):
    page = await anonymous.get("/login?next=//evil.example/x")
    assert "evil.example" not in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "pharmacist_pia", "password": "correct horse battery staple", "csrf_token": token}
    foreign = await anonymous.post("/login", data={**form, "next": "https://evil.example/x"})
    assert foreign.headers["location"] == "/pharmacy"
    anonymous.cookies.delete("ivlog_session")
    local = await anonymous.post("/login", data={**form, "next": "/quarantine"})
    assert local.headers["location"] == "/quarantine"


async def test_request_log_lines_carry_ids_never_patient_data(client_factory, nurse_ana, patient_pat, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="ivlog")
    client = await client_factory(nurse_ana)
    await client.get(f"/api/patients/{patient_pat.id}?q=Testperson")
    text = caplog.text
    assert "request id=" in text and "route=/api/patients/{patient_id:int}" in text
    for phi in ("Testperson", "Pat", "MRN-PAT"):
        assert phi not in text


@pytest.mark.parametrize("path", ["/admin/users", "/static/app.css", "/static/summary.css"])
async def test_desk_pages_and_styles_are_sent_compressed(client_factory, admin_ada, path):
    client = await client_factory(admin_ada)
    response = await client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()


async def test_the_csrf_token_differs_on_every_page_yet_each_one_is_accepted(client_factory, admin_ada):
    """Compressed pages must not repeat a secret (BREACH): the token is masked afresh each render."""
    client = await client_factory(admin_ada)
    pattern = 'name="csrf_token" value="'
    tokens = [(await client.get("/admin/users")).text.split(pattern)[1].split('"')[0] for _ in range(2)]
    assert tokens[0] != tokens[1]
    for token in tokens:
        form = {"username": f"u{token[:6]}", "display_name": "X", "role": "nurse", "password": "long enough password",
                "csrf_token": token}
        assert (await client.post("/admin/users", data=form)).status_code == 303
    forged = tokens[0][:64] + "0" * 64
    refused = await client.post("/admin/users", data={"username": "u2", "display_name": "X", "role": "nurse",
                                                       "password": "long enough password", "csrf_token": forged})
    assert refused.status_code == 403


async def test_favicon_is_served_not_404(anonymous):
    response = await anonymous.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
