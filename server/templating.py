"""Jinja2 rendering with autoescape, the CSRF token and the current user in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from server.auth import csrf
from server import field_words
from server.clinical.rounding import format_number
from server.services import order_volume

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True
# An undefined name or attribute raises instead of rendering as "" or "no": a template typo that
# silently hid the sign-off button once (issue 15.1) now fails the page and its test.
templates.env.undefined = StrictUndefined


def _csrf_token(request: Request) -> str:
    return csrf.token_for(csrf.nonce_of(request), request.app.state.settings.secret_key)


templates.env.globals["csrf_token"] = _csrf_token
templates.env.globals["csrf_field"] = csrf.FIELD_NAME
templates.env.globals["volume_rate_text"] = order_volume.rate_text
templates.env.filters["worded"] = field_words.worded
templates.env.filters["status_words"] = lambda status: field_words.STATUS_WORDS[str(status)]
templates.env.filters["basis_words"] = lambda basis: field_words.BASIS_WORDS[basis]
# A stored number as a person writes it: 650.0 mg is "650 mg", 82.0 kg "82 kg" (a revision's snapshot keeps floats).
templates.env.filters["num"] = lambda value: value if value is None else format_number(value, 2)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """Render a page; sets the CSRF cookie when this request minted a new nonce."""
    context = {"user": getattr(request.state, "user", None), "held_count": getattr(request.state, "held_count", None),
               **(context or {})}
    response = templates.TemplateResponse(request, name, context, status_code=status)
    set_csrf_cookie(request, response)
    return response


def set_csrf_cookie(request: Request, response: HTMLResponse) -> None:
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce:
        response.set_cookie(
            csrf.COOKIE_NAME,
            nonce,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.secure_cookies,
            path="/",
        )
