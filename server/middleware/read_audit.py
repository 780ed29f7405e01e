"""Every read of patient data leaves an audit entry, whatever the route (HIPAA 164.312(b)).

The rule lives here, once: a GET answered to a signed-in user on any route not listed in
`NO_PATIENT_DATA` must have appended at least one audit entry by the time its answer starts.
Handlers write the precise entries (`patient.read`, `visit.list`, `sync.pull` naming the visits
and the event count, ...); when a handler wrote none (a page that forgot to, or a refusal
raised before it could: a role that may not use the route), this middleware writes
`route.read` with the route template, the status and the outcome (`ok`, or `denied` for 403
and 404, `failed` otherwise) before the answer leaves. A new route is audited by default;
only a route listed below, which shows no patient data, is not (and an answer of a route
whose handler audits it and that showed nothing: `AUDITED_BY_HANDLER`).

Anonymous requests are not audited here: no one is identified and nothing is shown (they get
401 or the login page); the request log has them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import audit

NO_PATIENT_DATA: frozenset[str] = frozenset({
    "/", "/healthz", "/login", "/api/openapi.json", "/sw.js", "/app", "/favicon.ico",  # public
    "/api/session", "/account/password",  # the caller's own account
    "/api/device-key",  # key material, audited as device.key_release
    "/admin", "/admin/users", "/admin/devices",  # counts, staff and devices: no patient
    "/admin/audit",  # ids and codes only, audited as audit.view
    "/pharmacy/catalogue/row", "/pharmacy/catalogue/edit",  # one protocol row, audited as catalogue.*
})
# Routes whose handler audits every answer that shows patient data and answers some requests with
# none: here only their refusals are recorded. A pull that returns no events is not recorded
# (sync.engine.pull: an idle tablet pulls every minute).
AUDITED_BY_HANDLER: frozenset[str] = frozenset({"/api/sync/pull"})
READ_METHODS = frozenset({"GET", "HEAD"})


def reads_patient_data(method: str, route_path: str | None) -> bool:
    return method in READ_METHODS and route_path is not None and route_path not in NO_PATIENT_DATA


def needs_entry(method: str, route_path: str | None, status: int) -> bool:
    """Whether an answer its handler did not audit must get a `route.read` entry."""
    if not reads_patient_data(method, route_path):
        return False
    return status >= 400 or route_path not in AUDITED_BY_HANDLER


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return "denied" if status in (403, 404) else "failed"


class ReadAuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READ_METHODS:
            await self.app(scope, receive, send)
            return
        trail = audit.start_trail()

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start" and not trail:
                await _record_unaudited_read(scope, message["status"])
            await send(message)

        await self.app(scope, receive, send_audited)


async def _record_unaudited_read(scope: Scope, status: int) -> None:
    route_path = getattr(scope.get("route"), "path", None)
    user = scope.get("state", {}).get("user")
    if user is None or not needs_entry(scope["method"], route_path, status):
        return
    await audit.record("route.read", actor=audit.Actor(user_id=user.id, organization_id=user.organization_id),
                       outcome=outcome_of(status), object_type="route", object_id=route_path,
                       detail={"status": status})
