"""`Origin: null`: what Chromium sends with every form post from our pages (they are served with
`Referrer-Policy: no-referrer`). It names no site, so fetch metadata and the CSRF token decide."""

from __future__ import annotations

from tests.conftest import PASSWORD


async def test_a_desk_login_form_posted_by_chromium_with_origin_null_logs_in(anonymous, post_form, nurse_ana):
    anonymous.headers.update({"origin": "null", "sec-fetch-site": "same-origin"})
    response = await post_form(anonymous, "/login", {"username": "nurse_ana", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/nurse"


async def test_a_cross_site_form_with_origin_null_is_still_refused(anonymous, post_form, nurse_ana):
    anonymous.headers.update({"origin": "null", "sec-fetch-site": "cross-site"})
    response = await post_form(anonymous, "/login", {"username": "nurse_ana", "password": PASSWORD})
    assert response.status_code == 403


async def test_an_api_write_with_origin_null_and_no_fetch_metadata_is_refused(anonymous, nurse_ana):
    response = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD},
                                    headers={"origin": "null"})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
