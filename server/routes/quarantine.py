"""The quarantine, visible: what tablets sent that the server kept aside, and why.

Pharmacists see the content of each held entry (to help the nurse correct it); administrators see
only ids, codes and reasons (DESIGN section 6: no clinical detail beyond what administration needs).
A held entry is resolved by a new event from the tablet (`resolves`), never by editing it.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.routes import guard
from server.templating import render
from sync.models import Quarantine


async def quarantine_page(request: Request) -> Response:
    user = await guard.require(request, Role.PHARMACIST, Role.ADMIN)
    show_all = request.query_params.get("show") == "all"
    query = Quarantine.filter(organization_id=user.organization_id)
    if not show_all:
        query = query.filter(resolved_by=None)
    held = await query.order_by("-id").limit(500)
    authors = {u.id: u.display_name for u in await User.filter(id__in={q.author_id for q in held})}
    await access.audit_list(user, "quarantine", len(held))
    rows = [_row(q, authors, with_content=user.role == Role.PHARMACIST) for q in held]
    return render(request, "quarantine.html", {"rows": rows, "show_all": show_all})


def _row(held: Quarantine, authors: dict[int, str], *, with_content: bool) -> dict:
    return {
        "event_id": held.event_id, "visit_id": held.visit_id, "device_id": held.device_id,
        "device_seq": held.device_seq, "author": authors.get(held.author_id, f"user {held.author_id}"),
        "received_at": held.received_at, "code": held.code, "reason": held.reason,
        "resolved_by": held.resolved_by, "kind": held.sent.get("kind") if isinstance(held.sent, dict) else None,
        "content": json.dumps(held.sent, indent=1, ensure_ascii=True) if with_content else None,
    }


routes = [Route("/quarantine", quarantine_page, methods=["GET"])]
