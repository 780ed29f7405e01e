"""How an AppError reaches a person: problem JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote

import asyncpg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import AppError, BadRequest, DatabaseUnavailable, NotAuthenticated, NotFound, problem

logger = logging.getLogger("ivlog.errors")


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/api"


def error_response(request: Request, error: AppError) -> Response:
    if is_api(request.url.path):
        return ProblemResponse(problem(error), status_code=error.status, headers=error.headers())
    if isinstance(error, NotAuthenticated) and request.method in ("GET", "HEAD"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    from server.templating import render  # templating imports auth, which imports errors

    response = render(request, "error.html", {"error": error, "again": _log_in_again(request, error)},
                      status=error.status)
    response.headers.update(error.headers())
    return response


def _log_in_again(request: Request, error: AppError) -> str | None:
    """A form sent after the session ended: the login that leads back to the page the form belongs to (the
    nearest page above the form's path: /review/visits/X/interventions is on /review/visits/X), where a kept
    note waits (static/keep_typed.js). A walk's session ended and the page offered only home. No Referer is
    sent (Referrer-Policy), so the path is the guide."""
    if not isinstance(error, NotAuthenticated):
        return None
    path = request.url.path
    while path not in ("", "/") and not _a_page(request, path):
        path = path.rsplit("/", 1)[0]
    return f"/login?next={quote(path or '/')}"


def _a_page(request: Request, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(request, exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in the same two shapes as ours."""
    assert isinstance(exc, HTTPException)
    error: AppError = NotFound() if exc.status_code == 404 else BadRequest(exc.detail)
    if exc.status_code not in (400, 404):
        error.status = exc.status_code
    return error_response(request, error)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """A 500 that names a reference, never the error: its message may quote patient data."""
    request_id = request.scope.get("state", {}).get("request_id", "-")
    logger.error("unhandled error id=%s type=%s", request_id, type(exc).__name__,
                 exc_info=(type(exc), exc, exc.__traceback__))
    error = AppError(f"An unexpected error occurred (reference {request_id}). Nothing you saved was lost.")
    if database_unreachable(exc):
        error = DatabaseUnavailable(f"The server cannot reach its database (reference {request_id}). Nothing you "
                                    "saved was lost: the tablet keeps its entries and sends them again shortly.")
    return error_response(request, error)


UNREACHABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
               asyncpg.InterfaceError)


def database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (PostgreSQL restarting, say), possibly wrapped by the
    ORM: a 503 tells clients to retry, where a 500 would suggest a bug."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, UNREACHABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class AppErrorMiddleware:
    """Renders AppErrors raised by middleware outside Starlette's exception layer, and turns any
    other escaped exception into our 500 here, so it is never re-raised to the server (uvicorn
    would log its full message, which may quote patient data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except AppError as error:
            if started:
                raise
            await error_response(Request(scope, receive), error)(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 (the last line before the server)
            response = await server_error_handler(Request(scope, receive), exc)
            if not started:
                await response(scope, receive, send)
