"""Login and logout, as an HTML form for desks and as JSON for the tablet app."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.auth import sessions
from server.db.models import User
from server.errors import AppError, DeviceRefused, NotAuthenticated
from server.responses import error_response
from server.routes import forms, guard
from server.services import login
from server.templating import render


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    device_id: UUID | None = None
    device_label: str = Field(default="", max_length=100)


def user_public(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "organization_id": user.organization_id,
        "home": guard.home_of(user),
    }


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = guard.settings_of(request)
    response.set_cookie(
        sessions.COOKIE_NAME, token, httponly=True, samesite="strict",
        secure=settings.secure_cookies, path="/", max_age=settings.session_absolute_h * 3600,
    )


def _safe_next(value: object) -> str | None:
    """Only local paths: never redirect a nurse to another site after login."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return None


async def login_page(request: Request) -> Response:
    auth = await guard.current(request)
    if auth:
        return RedirectResponse(guard.home_of(auth.user), status_code=303)
    context = {"next": _safe_next(request.query_params.get("next")), "error": None, "username": ""}
    return render(request, "login.html", context)


async def login_form(request: Request) -> Response:
    form = await forms.read_form(request)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        user, token = await login.log_in(
            username=username, password=password, address=_address(request),
            settings=guard.settings_of(request),
        )
    except AppError as error:
        context = {"error": error.message, "username": username, "next": _safe_next(form.get("next"))}
        response = render(request, "login.html", context, status=error.status)
        response.headers.update(error.headers())
        return response
    response = RedirectResponse(_safe_next(form.get("next")) or guard.home_of(user), status_code=303)
    _set_session_cookie(request, response, token)
    return response


async def logout_form(request: Request) -> Response:
    await forms.read_form(request)
    auth = await guard.current(request)
    if auth:
        await login.log_out(auth)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def session_create(request: Request) -> Response:
    body = await forms.read_json(request, SessionCreate)
    device = login.DeviceClaim(body.device_id, body.device_label) if body.device_id else None
    try:
        user, token = await login.log_in(
            username=body.username, password=body.password, address=_address(request),
            settings=guard.settings_of(request), device=device,
        )
    except DeviceRefused as refused:
        if refused.surrender_token is None:
            raise
        response = error_response(request, refused)  # refused still; this cookie only hands the outbox over
        _set_session_cookie(request, response, refused.surrender_token)
        return response
    response = JSONResponse({"user": user_public(user)})
    _set_session_cookie(request, response, token)
    return response


async def session_show(request: Request) -> Response:
    user = await guard.require(request)
    return JSONResponse({"user": user_public(user)})


async def session_delete(request: Request) -> Response:
    auth = await guard.current(request)
    if auth is None:
        raise NotAuthenticated()
    await login.log_out(auth)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_form, methods=["POST"]),
    Route("/logout", logout_form, methods=["POST"]),
    Route("/api/session", session_create, methods=["POST"]),
    Route("/api/session", session_show, methods=["GET"]),
    Route("/api/session", session_delete, methods=["DELETE"]),
]
