"""How an AppError reaches a person: problem JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import AppError, BadRequest, NotAuthenticated, NotFound, problem

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

    response = render(request, "error.html", {"error": error}, status=error.status)
    response.headers.update(error.headers())
    return response


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
    request_id = request.scope.get("state", {}).get("request_id", "-")
    logger.exception("unhandled error id=%s type=%s", request_id, type(exc).__name__)
    error = AppError(f"An unexpected error occurred (reference {request_id}). Nothing you saved was lost.")
    return error_response(request, error)


class AppErrorMiddleware:
    """Renders AppErrors raised by middleware that sits outside Starlette's exception layer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except AppError as error:
            if scope["type"] != "http":
                raise
            await error_response(Request(scope, receive), error)(scope, receive, send)
