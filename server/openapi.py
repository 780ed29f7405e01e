"""The OpenAPI 3.1 description of every JSON endpoint under /api, served at /api/openapi.json.

Request bodies and the push answer come from the pydantic models that validate them
(`SessionCreate`, `sync.protocol`, the clinical payload models), so the description cannot drift
from the checks. Answers built by hand (`server.public`) are described here, next to the error
answers every operation can give: problem JSON (RFC 9457) with a stable `code`.
"""

from __future__ import annotations

from server.routes import params

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.clinical.events import PAYLOAD_MODELS
from server.db.models import ProtocolBasis, Role, VisitStatus
from server.routes.schedule import ApiScheduleRequest
from server.routes.session import SessionCreate
from server.services.reference_shape import REFERENCE_SHAPE, REFERENCE_SHAPE_HEADER
from sync import protocol

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
MAX_ID = 2**63 - 1  # the largest server_seq or device_seq (BIGINT)

# status -> why an operation answers it (every one is problem JSON)
PROBLEMS = {
    400: "The request could not be read: a malformed body or parameter (named in `detail` or `errors`).",
    401: "No session, or the session ended: log in again.",
    403: "Not allowed: the role may not do this, a cross-site write, or a tablet bound to someone else.",
    404: "Absent, or outside the caller's scope (the two are not told apart).",
    413: "The body is larger than the cap; send it in smaller parts.",
    415: "A write must send `Content-Type: application/json`.",
    422: "Some fields need correcting; `errors` names each field.",
    429: "Too many login attempts, or (push) too many entries kept aside or pushes too fast for this user or "
         "tablet: nothing of the push was stored; keep it and send it again after `Retry-After` seconds.",
}
READ = (401,)
WRITE = (400, 403, 413, 415, 422)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _obj(properties: dict[str, Any], *, required: list[str] | None = None, extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": extra}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


STRING, NUMBER, BOOLEAN = {"type": "string"}, {"type": "number"}, {"type": "boolean"}
INTEGER, TIME = {"type": "integer"}, {"type": "string", "format": "date-time"}
UUID_TEXT, ANY_OBJECT = {"type": "string", "format": "uuid"}, {"type": "object"}
ID = {"type": "integer", "minimum": 1, "maximum": params.MAX_ID}


def hand_written_schemas() -> dict[str, Any]:
    """The answers assembled in `server.public` and the routes, described field by field."""
    return {
        "Problem": _obj({
            "type": STRING, "title": STRING, "status": INTEGER, "code": STRING, "detail": STRING,
            "errors": {"type": "array", "items": _obj({"field": STRING, "message": STRING})},
        }, required=["type", "title", "status", "code", "detail"]),
        "UserPublic": _obj({
            "id": INTEGER, "username": STRING, "display_name": STRING, "role": {"enum": [r.value for r in Role]},
            "organization_id": INTEGER, "home": STRING,
        }),
        "PatientPublic": _obj({
            "id": INTEGER, "mrn": STRING, "given_name": STRING, "family_name": STRING,
            "birth_date": {"type": "string", "format": "date"}, "allergies": STRING, "dosing_weight_kg": NUMBER,
            "thrombosis_risk": BOOLEAN, "renal_risk": BOOLEAN, "iga_deficiency": BOOLEAN,
            "physician_id": _nullable(INTEGER),
        }),
        "OrderPublic": _obj({
            "id": INTEGER, "patient_id": INTEGER, "product_id": STRING, "indication": STRING,
            "dose_g_per_kg": NUMBER, "dose_g": NUMBER, "dosing_weight_kg": NUMBER,
            "basis": {"enum": [p.value for p in ProtocolBasis]},
            "steps_ml_h": _nullable({"type": "array", "items": NUMBER}), "step_interval_min": _nullable(INTEGER),
            "volume_ml": _nullable(NUMBER), "duration_min": _nullable(INTEGER),
            "rate_cap_ml_h": _nullable(NUMBER), "premeds": {"type": "array", "items": ANY_OBJECT},
            "prn_orders": {"type": "array", "items": ANY_OBJECT}, "vitals_schedule": _nullable(ANY_OBJECT),
            "prescriber": STRING, "active": BOOLEAN, "revision": INTEGER,
        }),
        "VisitPublic": _obj({
            "id": UUID_TEXT, "patient_id": INTEGER, "order_id": _nullable(INTEGER), "nurse_id": _nullable(INTEGER),
            "scheduled_at": _nullable(TIME), "status": {"enum": [s.value for s in VisitStatus]},
            "time_in": _nullable(TIME), "time_out": _nullable(TIME), "alert_count": INTEGER,
            "max_reaction_grade": _nullable(INTEGER), "volume_infused_ml": _nullable(NUMBER),
            "flags": {"type": "array", "items": STRING},
        }),
        "Quarantined": _obj({
            "event_id": UUID_TEXT, "visit_id": _nullable(UUID_TEXT), "device_seq": _nullable(INTEGER),
            "code": STRING, "reason": STRING, "received_at": TIME, "resolved_by": _nullable(UUID_TEXT),
            "content": {"description": "The submission exactly as the device sent it, when small enough to show "
                                       "whole (sync.held_view); else null."},
            "content_chars": INTEGER, "content_start": {**STRING, "description": "Its first characters, when cut."},
        }, required=["event_id", "visit_id", "device_seq", "code", "reason", "received_at", "resolved_by", "content",
                     "content_chars"]),
        "StoredEvent": _obj({
            "id": UUID_TEXT, "visit_id": UUID_TEXT, "device_id": UUID_TEXT, "device_seq": INTEGER, "kind": STRING,
            "schema": INTEGER, "occurred_at": TIME, "recorded_at": TIME, "received_at": TIME, "server_seq": INTEGER,
            "payload": ANY_OBJECT, "flags": {},
        }, required=["id", "visit_id", "kind", "schema", "occurred_at", "server_seq", "payload"], extra=True),
        "Event": _event_schema(),
    }


def _event_schema() -> dict[str, Any]:
    """One event as a tablet sends it. The server reads any object here: an event that does not
    match is kept in quarantine with a reason, never refused (DESIGN section 5)."""
    return _obj({
        "id": UUID_TEXT, "visit_id": UUID_TEXT, "device_seq": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "kind": {"enum": sorted(PAYLOAD_MODELS)}, "schema": {"type": "integer", "minimum": 0, "maximum": 1000},
        "occurred_at": TIME, "recorded_at": TIME,
        "payload": {"anyOf": [_ref(model.__name__) for model in PAYLOAD_MODELS.values()]},
        "resolves": {**UUID_TEXT, "description": "The quarantined event this one replaces."},
    }, required=["id", "visit_id", "device_seq", "kind", "schema", "occurred_at", "recorded_at", "payload"])


def model_schemas() -> dict[str, Any]:
    """JSON schemas generated from the pydantic models that validate requests and answers."""
    inputs: list[type[BaseModel]] = [SessionCreate, ApiScheduleRequest, protocol.PushRequest, *PAYLOAD_MODELS.values()]
    outputs: list[type[BaseModel]] = [protocol.PushResponse]
    pairs = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    _, definitions = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    schemas = definitions["$defs"]
    push = schemas["PushRequest"]["properties"]
    push["events"] = {"type": "array", "items": _ref("Event"), "maxItems": protocol.MAX_EVENTS}
    push["protocol"] = {"type": "integer", "const": protocol.PROTOCOL_VERSION}
    return schemas


# --- operations ----------------------------------------------------------------------------

def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/Problem{status}"} for status in sorted(set(statuses))}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _op(summary: str, ok: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    responses = {"200": ok} if ok else {}
    operation = {"summary": summary, "responses": {**responses, **_errors(*errors)}}
    operation.update(extra)
    return operation


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _list_of(key: str, item: str) -> dict[str, Any]:
    return _obj({key: {"type": "array", "items": _ref(item)}})


def session_paths() -> dict[str, Any]:
    user = _json(_obj({"user": _ref("UserPublic")}), "The logged-in user.")
    login = _op("Log in (desk or tablet); sets the HttpOnly session cookie", user, 401, 429, *WRITE,
                requestBody=_body("SessionCreate"), security=[])
    logout = _op("Log out: ends the session", {}, 401, 403)
    logout["responses"]["204"] = {"description": "Logged out; the cookie is cleared."}
    return {"/api/session": {"post": login, "get": _op("Who is logged in", user, *READ), "delete": logout}}


def record_paths() -> dict[str, Any]:
    patient_q = _query("patient", ID, "Only this patient's records (a patient id).")
    status_q = _query("status", {"enum": [s.value for s in VisitStatus]}, "Only visits in this state.")
    visit = _obj({"visit": _ref("VisitPublic"), "state": {**ANY_OBJECT, "description": "The folded visit."},
                  "quarantined": {"type": "array", "items": _ref("Quarantined")}})
    etag = {"ETag": {"schema": STRING, "description": "Send it back as If-None-Match."}}
    return {
        "/api/patients": {"get": _op("Patients in the caller's scope", _json(_list_of("patients", "PatientPublic"),
                                                                            "Patients, by family name."), *READ)},
        "/api/patients/{patient_id}": {"get": _op(
            "One patient", _json(_obj({"patient": _ref("PatientPublic")}), "The patient."), 401, 404,
            parameters=[_path_id("patient_id", ID)])},
        "/api/orders": {"get": _op("Orders in scope", _json(_list_of("orders", "OrderPublic"), "Orders, by id."),
                                   400, 401, parameters=[patient_q])},
        "/api/orders/{order_id}": {"get": _op(
            "One order", _json(_obj({"order": _ref("OrderPublic")}), "The order."), 401, 404,
            parameters=[_path_id("order_id", ID)])},
        "/api/reference": {"get": _reference(etag)},
        "/api/visits": {"get": _op("Visits in scope, newest first (at most 500)", _json(
            _list_of("visits", "VisitPublic"), "Visits."), 401, 422, parameters=[status_q, patient_q]),
            "post": _schedule()},
        "/api/visits/{visit_id}": {"get": _op("One visit: record, folded state and held entries",
                                              _json(visit, "The visit."), 401, 404,
                                              parameters=[_path_id("visit_id", UUID_TEXT)])},
    }


def _schedule() -> dict[str, Any]:
    """A pharmacist schedules a visit or a series; date and time are local (IVLOG_TIMEZONE)."""
    operation = _op("Schedule visits (pharmacist)", {}, 401, 404, *WRITE, requestBody=_body("ApiScheduleRequest"))
    operation["responses"]["201"] = _json(_list_of("visits", "VisitPublic"), "The visits scheduled, in order.")
    return operation


def _reference(etag: dict[str, Any]) -> dict[str, Any]:
    document = {**ANY_OBJECT, "required": ["user", "patients", "orders", "visits", "products", "rules", "ranges"]}
    if_none = {"name": "If-None-Match", "in": "header", "required": False, "schema": STRING}
    shape = {"name": REFERENCE_SHAPE_HEADER, "in": "header", "required": False, "schema": {"type": "integer"},
             "description": f"The shape the tablet's code reads ({REFERENCE_SHAPE}); none: the previous release's."}
    operation = _op("Everything a tablet needs offline", _json(document, "The reference document.", etag), *READ, 422,
                    parameters=[if_none, shape])
    operation["responses"]["304"] = {"description": "Unchanged since the ETag sent.", "headers": etag}
    return operation


def sync_paths() -> dict[str, Any]:
    pull = _obj({"events": {"type": "array", "items": _ref("StoredEvent")}, "next": INTEGER, "more": BOOLEAN,
                 "server_time": TIME})
    after = _query("after", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "The last server_seq held.")
    limit = _query("limit", {"type": "integer", "minimum": 1, "maximum": protocol.MAX_PULL}, "At most this many.")
    visit = _query("visit", UUID_TEXT, "Only this visit's events: one newly readable is pulled again from 0.")
    key = _obj({"device_id": UUID_TEXT, "wrap_key": STRING, "lock_after_min": INTEGER})
    held = _obj({"quarantined": {"type": "array", "items": _ref("Quarantined")}, "total": INTEGER,
                 "next_before": _nullable(INTEGER)})
    before = _query("before", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "The `next_before` of the previous page: held entries older than that one.")
    return {
        "/api/sync/push": {"post": _op("Push a batch of events", _json(_ref("PushResponse"), "One result per event."),
                                       401, 429, *WRITE, requestBody=_body("PushRequest"))},
        "/api/sync/surrender": {"post": _op(
            "A revoked tablet hands over its outbox: every new entry is kept aside for a pharmacist",
            _json(_ref("PushResponse"), "One result per event; device.revoked is true."), 401, *WRITE,
            requestBody=_body("PushRequest"))},
        "/api/sync/pull": {"get": _op("Events after a cursor, in server_seq order", _json(pull, "A page of events."),
                                      400, 401, 403, 404, parameters=[after, limit, visit])},
        "/api/sync/quarantine": {"get": _op("The caller's own held submissions, newest first, a page at a time", _json(
            held, "Held entries with reasons, their total, and the next page's `before`."), 400, 401, 403,
            parameters=[before])},
        "/api/device-key": {"get": _op("The key that unwraps this tablet's store", _json(key, "The key."), 401, 403)},
        "/api/openapi.json": {"get": _op("This description", _json(ANY_OBJECT, "OpenAPI 3.1."), security=[])},
    }


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole description (built once: it depends only on the code)."""
    responses = {f"Problem{status}": {"description": why, "content": {PROBLEM_JSON: {"schema": _ref("Problem")}}}
                 for status, why in PROBLEMS.items()}
    responses["Problem429"]["headers"] = {"Retry-After": {"schema": STRING}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ivlog API", "version": "1", "description": __doc__},
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": {**session_paths(), **record_paths(), **sync_paths()},
        "components": {
            "schemas": {**model_schemas(), **hand_written_schemas()},
            "responses": responses,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "ivlog_session"}},
        },
    }
