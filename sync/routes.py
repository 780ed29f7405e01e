"""`routes(policy)`: the sync endpoints, mounted by the host under /api/sync.

POST /push   push a batch (see sync.protocol); GET /pull?after=SEQ&limit=N[&visit=ID];
POST /surrender  a revoked tablet hands over its outbox (same body and answer as a push; every new
             entry is kept aside for a reviewer, `device.revoked` in the answer says so);
GET /quarantine[?before=ID]  the caller's own quarantined submissions, with reasons: a page at a time,
             newest first (`next_before` names the next page; `sync.held_view`).
"""

from __future__ import annotations

import json
import logging
from uuid import UUID

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync import engine, held_view, nesting
from sync.content import may_hold_unstorable, parse_json
from sync.errors import SyncError, malformed, too_large
from sync.models import Quarantine
from sync.policy import Policy, Principal
from sync.protocol import DEFAULT_PULL, MAX_BYTES, MAX_DEPTH, MAX_PULL, MAX_SEQ, PushRequest
from sync.turns import TURN


def routes(policy: Policy) -> list[Route]:
    async def push(request: Request) -> Response:
        return await _pushed(request, await policy.authenticate(request, push=True), surrender=False)

    async def surrender(request: Request) -> Response:
        return await _pushed(request, await policy.authenticate_surrender(request), surrender=True)

    async def _pushed(request: Request, principal: Principal, *, surrender: bool) -> Response:
        try:
            raw = await request.body()
            await TURN.wait()  # not while a group of this process holds the order lock (sync.turns)
            suspect = may_hold_unstorable(raw)
            outcome = await engine.push(_read_push(raw, screened=not suspect), principal, policy, check_text=suspect,
                                        surrender=surrender)
        except SyncError as error:
            return _problem(error)
        await _project(policy, principal, outcome.touched_visits)
        return Response(orjson.dumps(outcome.response, default=str, option=orjson.OPT_UTC_Z), media_type="application/json")

    async def pull(request: Request) -> Response:
        principal = await policy.authenticate(request)
        try:
            after, limit = _cursor(request)
            page = await engine.pull(principal, policy, after=after, limit=limit, visit_id=_visit(request))
        except SyncError as error:
            return _problem(error)
        return JSONResponse(page)

    async def quarantine(request: Request) -> Response:
        """The caller's own held submissions, newest first, one bounded page (`sync.held_view`)."""
        principal = await policy.authenticate(request)
        try:
            before = _before(request)
        except SyncError as error:
            return _problem(error)
        mine = Quarantine.filter(organization_id=principal.organization_id, author_id=principal.user_id)
        shown = await held_view.page(mine, before=before)
        await policy.record("sync.quarantine.read", principal, outcome="ok", detail={
            "count": len(shown.rows), "visit_ids": sorted({str(row["visit_id"]) for row in shown.rows if row["visit_id"]}),
            **({"device_id": str(principal.device_id)} if principal.device_id else {})})
        return AsciiJSONResponse({"quarantined": [held_view.public(row) for row in shown.rows], "total": shown.total,
                                  "next_before": shown.next_before})

    return [
        Route("/api/sync/push", push, methods=["POST"]),
        Route("/api/sync/surrender", surrender, methods=["POST"]),
        Route("/api/sync/pull", pull, methods=["GET"]),
        Route("/api/sync/quarantine", quarantine, methods=["GET"]),
    ]


logger = logging.getLogger("ivlog.sync")


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: held submissions may contain characters
    (lone surrogates) that cannot be encoded as UTF-8, and must still be shown."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def _project(policy: Policy, principal: Principal, visit_ids: set[UUID]) -> None:
    """After the commit: a failure here leaves a stale projection (rebuilt later), never a lost push."""
    if not visit_ids:
        return
    try:
        await policy.project(principal, visit_ids)
    except Exception:
        logger.exception("projection failed after a committed push; visits stay stale until the next sweep")


def _read_push(body: bytes, *, screened: bool) -> PushRequest:
    if len(body) > MAX_BYTES:
        raise too_large(f"A push holds at most {MAX_BYTES // (1024 * 1024)} MB; split the batch and send the parts.")
    try:
        return PushRequest.model_validate(parse_json(body, screened=screened))
    except nesting.TooDeep as exc:
        raise malformed(f"The push nests deeper than {exc.limit} levels, more than the server reads (an entry's "
                        f"fields may nest {MAX_DEPTH}); nothing of it was stored.") from None
    except (ValueError, RecursionError, ValidationError) as exc:
        raise malformed(f"The push envelope is malformed: {_first_error(exc)}") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return "not valid UTF-8 JSON"


def _cursor(request: Request) -> tuple[int, int]:
    try:
        after = int(request.query_params.get("after", "0"))
        limit = int(request.query_params.get("limit", str(DEFAULT_PULL)))
    except ValueError:
        raise malformed("after and limit must be whole numbers.") from None
    if not 0 <= after <= MAX_SEQ or not 1 <= limit <= MAX_PULL:
        raise malformed(f"after must be between 0 and {MAX_SEQ} and limit between 1 and {MAX_PULL}.")
    return after, limit


MAX_HELD_ID = 2**31 - 1  # Quarantine.id is a 32-bit integer column


def _before(request: Request) -> int | None:
    """`before=ID`: the page of held entries older than that one (the `next_before` of the last page)."""
    value = request.query_params.get("before")
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) <= MAX_HELD_ID:
        raise malformed(f"before must be a held entry's id, a whole number between 1 and {MAX_HELD_ID}.")
    return int(value)


def _visit(request: Request) -> UUID | None:
    value = request.query_params.get("visit")
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise malformed("visit must be a visit id.") from None


def _problem(error: SyncError) -> Response:
    headers = {"Retry-After": str(error.retry_after_s)} if error.retry_after_s else None
    return JSONResponse(error.problem(), status_code=error.status, media_type="application/problem+json",
                        headers=headers)
