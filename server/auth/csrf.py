"""CSRF tokens for HTML forms (the JSON API is guarded by Origin and content type instead).

A random nonce lives in an HttpOnly, SameSite=Strict cookie; the form carries an HMAC of it
under the server secret. A cross-site page can neither read the cookie nor forge the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

from server.errors import CsrfFailed

COOKIE_NAME = "ivlog_csrf"
FIELD_NAME = "csrf_token"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_for(nonce: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def nonce_of(request: Request) -> str:
    """The nonce for this request: the cookie's, or a fresh one the response will set."""
    nonce = request.cookies.get(COOKIE_NAME) or getattr(request.state, "csrf_nonce", None)
    if not nonce:
        nonce = new_nonce()
        request.state.csrf_nonce = nonce
    return nonce


def verify(request: Request, submitted: object, secret_key: str) -> None:
    nonce = request.cookies.get(COOKIE_NAME)
    if not nonce or not isinstance(submitted, str):
        raise CsrfFailed()
    if not hmac.compare_digest(token_for(nonce, secret_key), submitted):
        raise CsrfFailed()
