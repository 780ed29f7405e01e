"""The quarantine, visible: what tablets sent that the server kept aside, and why.

Pharmacists see the content of each held entry (to help the nurse correct it); administrators see
only ids, codes and reasons (DESIGN section 6: no clinical detail beyond what administration needs).
A held entry is resolved by a new event from the tablet (`resolves`), never by editing it.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.errors import BadRequest, FieldError
from server.routes import guard
from server.routes.params import whole_number
from server.services import held_pages
from server.templating import render
from sync.models import Quarantine


async def quarantine_page(request: Request) -> Response:
    user = await guard.require(request, Role.PHARMACIST, Role.ADMIN)
    show_all = request.query_params.get("show") == "all"
    query = Quarantine.filter(organization_id=user.organization_id)
    if not show_all:
        query = query.filter(resolved_by=None)
    visit_id = _visit(request)
    if visit_id is not None:
        query = query.filter(visit_id=visit_id)
    before = whole_number(request, "before", hint="an entry id (a whole number)")
    shown = await held_pages.page(query, before=before)
    authors = {u.id: u.display_name for u in await User.filter(id__in={q["author_id"] for q in shown.rows})}
    await access.audit_list(user, "quarantine", len(shown.rows))
    rows = [_row(q, authors, with_content=user.role == Role.PHARMACIST) for q in shown.rows]
    more = {"show": "all"} if show_all else {}
    more.update({"visit": str(visit_id)} if visit_id else {})
    next_url = f"/quarantine?{urlencode({**more, 'before': shown.next_before})}" if shown.next_before else None
    return render(request, "quarantine.html", {"rows": rows, "show_all": show_all, "total": shown.total,
                                               "next_url": next_url, "shown_chars": held_pages.SHOWN_CHARS})


def _visit(request: Request) -> UUID | None:
    value = request.query_params.get("visit")
    try:
        return UUID(value) if value else None
    except ValueError:
        raise BadRequest("visit must be a visit id", errors=[FieldError("visit", "visit must be a visit id")]) from None


def _row(row: dict, authors: dict[int, str], *, with_content: bool) -> dict:
    """One held entry for the page: its content pretty-printed when it fits the display size,
    else its first characters only (the page's size is bounded however large the entry is)."""
    whole = held_pages.whole(row)
    content = json.dumps(row["sent"], indent=1, ensure_ascii=True) if whole else row["shown"]
    kind = held_pages.kind_of(row) or (None if whole else "too large to show whole")
    return {
        "event_id": row["event_id"], "visit_id": row["visit_id"], "device_id": row["device_id"],
        "device_seq": row["device_seq"], "author": authors.get(row["author_id"], f"user {row['author_id']}"),
        "received_at": row["received_at"], "code": row["code"], "reason": row["reason"],
        "resolved_by": row["resolved_by"], "kind": kind, "size": row["size"],
        "truncated": not whole, "content": content if with_content else None,
    }


routes = [Route("/quarantine", quarantine_page, methods=["GET"])]
