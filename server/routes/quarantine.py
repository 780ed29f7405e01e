"""The quarantine, visible: what tablets sent that the server kept aside, and why.

Pharmacists see the content of each held entry (to help the nurse correct it); administrators see
only ids, codes and reasons (DESIGN section 6: no clinical detail beyond what administration needs).
A held entry is resolved by a new event from the tablet (`resolves`), never by editing it, or by a
pharmacist's decision (`server.services.held`): accepted into the visit's record after the normal
checks, or rejected with a reason. Entries a revoked tablet handed over wait here for that decision.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.errors import AppError, BadRequest, Conflict
from server.routes import forms, guard
from server.routes.params import path_id
from server.services import held as held_service
from server.templating import render
from sync.models import Quarantine

NOTICES = {"accepted": "The entry was accepted into the visit's record.", "rejected": "The entry was rejected."}


class RejectReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=500)


async def quarantine_page(request: Request, *, error: AppError | None = None) -> Response:
    user = await guard.require(request, Role.PHARMACIST, Role.ADMIN)
    show_all = request.query_params.get("show") == "all"
    query = Quarantine.filter(organization_id=user.organization_id)
    if not show_all:
        query = query.filter(resolved_at=None)
    held = await query.order_by("-id").limit(500)
    people = {q.author_id for q in held} | {q.decided_by for q in held if q.decided_by}
    names = {u.id: u.display_name for u in await User.filter(id__in=people)}
    await access.audit_list(user, "quarantine", len(held))
    rows = [_row(q, names, with_content=user.role == Role.PHARMACIST) for q in held]
    context = {"rows": rows, "show_all": show_all, "error": error,
               "notice": NOTICES.get(request.query_params.get("done", ""))}
    return render(request, "quarantine.html", context, status=error.status if error else 200)


async def accept(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    await forms.read_form(request)
    held = await access.decide_held(pharmacist, path_id(request, "quarantine_id"))
    try:
        await held_service.accept(pharmacist=pharmacist, held=held)
    except (BadRequest, Conflict) as error:
        return await quarantine_page(request, error=error)
    return RedirectResponse("/quarantine?done=accepted", status_code=303)


async def reject(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    held = await access.decide_held(pharmacist, path_id(request, "quarantine_id"))
    try:
        reason = forms.parse_form(form, RejectReason).reason
        await held_service.reject(pharmacist=pharmacist, held=held, reason=reason)
    except (BadRequest, Conflict) as error:
        return await quarantine_page(request, error=error)
    return RedirectResponse("/quarantine?done=rejected", status_code=303)


def _row(held: Quarantine, names: dict[int, str], *, with_content: bool) -> dict:
    return {
        "id": held.id, "event_id": held.event_id, "visit_id": held.visit_id, "device_id": held.device_id,
        "device_seq": held.device_seq, "author": names.get(held.author_id, f"user {held.author_id}"),
        "received_at": held.received_at, "code": held.code, "reason": held.reason,
        "resolved_by": held.resolved_by, "kind": held.sent.get("kind") if isinstance(held.sent, dict) else None,
        "decision": held.decision, "decision_note": held.decision_note,
        "decided_by": names.get(held.decided_by, f"user {held.decided_by}") if held.decided_by else None,
        "content": json.dumps(held.sent, indent=1, ensure_ascii=True) if with_content else None,
    }


routes = [
    Route("/quarantine", quarantine_page, methods=["GET"]),
    Route("/quarantine/{quarantine_id:int}/accept", accept, methods=["POST"]),
    Route("/quarantine/{quarantine_id:int}/reject", reject, methods=["POST"]),
]
