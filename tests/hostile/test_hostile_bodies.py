"""Hostile bodies: over the size cap, nested 100,000 deep, NUL bytes, lone surrogates and bidi controls.
Each is either a clear 4xx that says what to fix (naming the field), or stored exactly as sent; never a 5xx."""

from __future__ import annotations

import json

import pytest

from tests.api.events import one_event, push_body
from tests.conftest import PASSWORD
from tests.hostile.corpus import patient_form

CAP = 1_048_576  # Settings.max_body_bytes, the default


def _streamed(body: bytes, chunk: int = 64 * 1024):
    """A body without Content-Length (chunked): only counting while reading can stop it."""
    async def chunks():
        for start in range(0, len(body), chunk):
            yield body[start:start + chunk]
    return chunks()


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "chunked"])
async def test_a_json_body_over_the_cap_is_a_413_that_says_to_send_less(anonymous, streamed):
    body = json.dumps({"username": "x" * (CAP + 10), "password": "p"}).encode()
    content = _streamed(body) if streamed else body
    response = await anonymous.post("/api/session", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413
    problem = response.json()
    assert problem["code"] == "payload_too_large" and "smaller parts" in problem["detail"]
    assert str(CAP) in problem["detail"]


async def test_a_push_over_five_megabytes_is_a_413_that_says_to_split_the_batch(tablet_ana, scheduled_visit):
    note = {"text": "x" * 1900}
    events = [one_event(scheduled_visit.id, seq, "note", note) for seq in range(1, 3000)]
    response = await tablet_ana.push(events)
    assert response.status_code == 413 and response.headers["content-type"].startswith("application/problem+json")
    assert "split" in response.json()["detail"] or "smaller parts" in response.json()["detail"]


async def test_a_form_over_the_cap_is_a_413_page(client_factory, admin_ada, post_form):
    admin = await client_factory(admin_ada)
    response = await post_form(admin, "/admin/patients", {"allergies": "x" * (CAP + 10)})
    assert response.status_code == 413 and "smaller parts" in response.text


@pytest.mark.parametrize("nested", ["[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 100_000])
@pytest.mark.parametrize("path", ["/api/session", "/api/sync/push"])
async def test_json_nested_a_hundred_thousand_deep_is_a_clear_400(tablet_ana, path, nested):
    response = await tablet_ana.client.post(path, content=nested, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text[:200]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


@pytest.mark.parametrize("broken", ["before\x00after", "broken \ud800 symbol", "\udfff"])
async def test_a_note_with_nul_or_a_lone_surrogate_is_kept_aside_with_a_reason_and_returned_exactly(
    tablet_ana, scheduled_visit, patient_pat, broken
):
    started = one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(patient_pat.id)})
    note = one_event(scheduled_visit.id, 2, "note", {"text": broken})
    body = json.dumps(push_body(tablet_ana.device_id, [started, note]))  # \u escapes: valid JSON text
    response = await tablet_ana.client.post("/api/sync/push", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    statuses = [(r["status"], r["code"]) for r in response.json()["results"]]
    assert statuses == [("accepted", ""), ("quarantined", "invalid_characters")]
    held = (await tablet_ana.client.get("/api/sync/quarantine")).json()["quarantined"]
    assert [h["content"]["payload"]["text"] for h in held] == [broken]


@pytest.mark.parametrize("text", ["\u202eevil\u202c", "\u200f\u200eRTL marks\u2066isolate\u2069", "Ze\u200bro\ufeff"])
async def test_bidi_controls_and_zero_width_characters_in_a_note_are_stored_losslessly(
    tablet_ana, scheduled_visit, patient_pat, text
):
    started = one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(patient_pat.id)})
    note = one_event(scheduled_visit.id, 2, "note", {"text": text})
    response = await tablet_ana.push([started, note])
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}
    pulled = (await tablet_ana.client.get("/api/sync/pull?after=0")).json()["events"]
    assert [e["payload"]["text"] for e in pulled if e["kind"] == "note"] == [text]


@pytest.mark.parametrize(("field", "words"), [("given_name", "Given name"), ("family_name", "Family name"),
                                              ("allergies", "Allergies"), ("mrn", "MRN")])
async def test_a_nul_byte_in_a_patient_form_field_is_refused_naming_the_field(
    client_factory, admin_ada, physician_phil, post_form, field, words
):
    admin = await client_factory(admin_ada)
    form = {**patient_form("Alma", mrn="H-NUL", physician_id=physician_phil.id), field: "Al\x00ma"}
    response = await post_form(admin, "/admin/patients", form)
    assert response.status_code == 422 and f"{words}: remove the invisible control character" in response.text


async def test_a_lone_surrogate_in_a_login_is_refused_naming_the_field(anonymous):
    body = '{"username": "nurse\\ud800", "password": "%s"}' % PASSWORD
    response = await anonymous.post("/api/session", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "username"
