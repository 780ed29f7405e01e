"""The quarantine, visible: what tablets sent that the server kept aside, and why.

Pharmacists see the content of each held entry (to help the nurse correct it); administrators see
only ids, codes and reasons (DESIGN section 6: no clinical detail beyond what administration needs).
A held entry is resolved by a new event from the tablet (`resolves`), never by editing it, or by a
pharmacist's decision (`server.services.held`): accepted into the visit's record after the normal
checks, or rejected with a reason. Entries a revoked tablet handed over wait here for that decision.
The page is bounded in size and time whatever was sent: one page of entries (`sync.held_view`), each
a preview of a few KB built without parsing it (`server.services.held_preview`), and only for the
pharmacist; she downloads an entry whole, as sent (`sent_json`).
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.errors import AppError, BadRequest, Conflict, FieldError
from server.routes import forms, guard
from server.routes.params import path_id, whole_number
from server.services import held as held_service
from server.services.held_preview import bounded_text, preview
from server.sync_time import AFTER_VISIT, BEFORE_VISIT, IN_FUTURE, START_TOO_OLD
from server.templating import render
from sync import held_view
from sync.models import Quarantine

NOTICES = {"accepted": "The entry was accepted into the visit's record.", "rejected": "The entry was rejected."}
# Kept aside for its time (server.sync_time) or as a second entry under one number: accepting runs the same checks
# again and would refuse it again, so only the nurse's corrected entry resolves it (a walk was offered "Accept"
# on an entry dated ten days ahead).
NOT_ACCEPTABLE = frozenset({"collision", *(r.code for r in (IN_FUTURE, START_TOO_OLD, BEFORE_VISIT, AFTER_VISIT))})


class RejectReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=500)


async def quarantine_page(request: Request, *, error: AppError | None = None) -> Response:
    user = await guard.require(request, Role.PHARMACIST, Role.ADMIN)
    show_all = request.query_params.get("show") == "all"
    query = Quarantine.filter(organization_id=user.organization_id)
    if not show_all:
        query = query.filter(resolved_at=None)
    visit_id = _visit(request)
    if visit_id is not None:
        query = query.filter(visit_id=visit_id)
    shown = await held_view.page(query, before=whole_number(request, "before", hint="an entry id (a whole number)"))
    people = {q["author_id"] for q in shown.rows} | {q["decided_by"] for q in shown.rows if q["decided_by"]}
    names = {u.id: u.display_name for u in await User.filter(id__in=people)}
    await access.audit_list(user, "quarantine", len(shown.rows))
    pharmacist = user.role == Role.PHARMACIST
    patients = await _patients_of(user, {q["visit_id"] for q in shown.rows if q["visit_id"]}) if pharmacist else {}
    rows = [{**_row(q, names, with_content=pharmacist), "patient": patients.get(q["visit_id"])} for q in shown.rows]
    more = {"show": "all"} if show_all else {}
    more.update({"visit": str(visit_id)} if visit_id else {})
    next_url = f"/quarantine?{urlencode({**more, 'before': shown.next_before})}" if shown.next_before else None
    context = {"rows": rows, "show_all": show_all, "total": shown.total, "next_url": next_url, "error": error,
               "notice": NOTICES.get(request.query_params.get("done", ""))}
    return render(request, "quarantine.html", context, status=error.status if error else 200)


async def _patients_of(user: User, visit_ids: set[UUID]) -> dict[UUID, str]:
    """Whose visit each held entry is on, for the pharmacist (a walk's page named only ids); administrators see
    ids only (DESIGN section 6)."""
    visits = await (await access.visits(user)).filter(id__in=visit_ids).prefetch_related("patient")
    await access.audit_list(user, "patient", len({v.patient_id for v in visits}))
    return {v.id: f"{v.patient.display_name} · {v.patient.mrn}" for v in visits}


def _visit(request: Request) -> UUID | None:
    value = request.query_params.get("visit")
    try:
        return UUID(value) if value else None
    except ValueError:
        raise BadRequest("visit must be a visit id", errors=[FieldError("visit", "visit must be a visit id")]) from None


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


async def sent_whole(request: Request) -> Response:
    """The entry exactly as the tablet sent it, to download: the page shows only a preview."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    held = await access.read_held(pharmacist, path_id(request, "quarantine_id"))
    disposition = f'attachment; filename="kept-aside-{held.event_id}.json"'
    return Response(held.sent_json, media_type="application/json", headers={"Content-Disposition": disposition})


def _row(row: dict, names: dict[int, str], *, with_content: bool) -> dict:
    """One held entry for the page, each part bounded: the content only for a pharmacist (decided
    before any of it is formatted), as a preview of a few KB; the reason cut too (the host's may
    name every field a payload should not have)."""
    return {
        "id": row["id"], "event_id": row["event_id"], "visit_id": row["visit_id"], "device_id": row["device_id"],
        "device_seq": row["device_seq"], "author": names.get(row["author_id"], f"user {row['author_id']}"),
        "received_at": row["received_at"], "code": row["code"], "reason": bounded_text(row["reason"]),
        "resolved_by": row["resolved_by"], "kind": _kind(row), "size_kb": f"{row['size'] / 1024:.1f}",
        "decision": row["decision"], "decision_note": row["decision_note"], "acceptable": row["code"] not in NOT_ACCEPTABLE,
        "decided_by": names.get(row["decided_by"], f"user {row['decided_by']}") if row["decided_by"] else None,
        "content": preview(row["shown"], row["size"]) if with_content else None,
    }


def _kind(row: dict) -> str | None:
    """The entry's kind when it names a short one (a kind is at most 64 characters), else why not."""
    kind = held_view.kind_of(row)
    if kind is not None and len(kind) <= 64:
        return kind
    if not held_view.whole(row):
        return "too large to show whole"
    return "nested too deep to read" if row["sent"] is None else None


routes = [
    Route("/quarantine", quarantine_page, methods=["GET"]),
    Route("/quarantine/{quarantine_id:int}/sent.json", sent_whole, methods=["GET"]),
    Route("/quarantine/{quarantine_id:int}/accept", accept, methods=["POST"]),
    Route("/quarantine/{quarantine_id:int}/reject", reject, methods=["POST"]),
]
