"""A signed-in user's own account: changing their password (every role, the desk and the tablet's nurse)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.errors import AppError, BadRequest
from server.routes import forms, guard
from server.services import users
from server.templating import render


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
    repeat_password: str = Field(min_length=1, max_length=1024)


def _page(request: Request, error: AppError | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {"error": error, "field_errors": {e.field: e.message for e in error.errors} if error else {}}
    return render(request, "account/password.html", context, status=status)


async def password_page(request: Request) -> Response:
    await guard.require(request)
    return _page(request)


async def password_change(request: Request) -> Response:
    user = await guard.require(request)
    form = await forms.read_form(request)
    try:
        data = forms.parse_form(form, PasswordChange)
        if data.new_password != data.repeat_password:
            raise forms.field_problem("repeat_password", "The two new passwords differ")
        await users.change_own_password(user=user, current=data.current_password, new=data.new_password)
    except BadRequest as error:
        return _page(request, error, status=error.status)
    return RedirectResponse("/login?changed=1", status_code=303)  # every session ended, this one too


routes = [
    Route("/account/password", password_page, methods=["GET"]),
    Route("/account/password", password_change, methods=["POST"]),
]
