"""CSRF tokens for HTML forms (the JSON API is guarded by Origin and content type instead).

A random nonce lives in an HttpOnly, SameSite=Strict cookie; the form carries an HMAC of it
under the server secret. A cross-site page can neither read the cookie nor forge the HMAC.

Pages are sent compressed, so the token is masked afresh on every render (a random pad, then the
HMAC XOR that pad): a compressed page never repeats the same secret bytes, which is what the BREACH
attack measures.
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


def _digest(nonce: str, secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).digest()


def token_for(nonce: str, secret_key: str) -> str:
    """A fresh masked token for the nonce: different text on each call, the same secret behind it."""
    pad = secrets.token_bytes(32)
    return (pad + bytes(a ^ b for a, b in zip(pad, _digest(nonce, secret_key)))).hex()


def _unmasked(token: str) -> bytes | None:
    try:
        raw = bytes.fromhex(token)
    except ValueError:
        return None
    return bytes(a ^ b for a, b in zip(raw[:32], raw[32:])) if len(raw) == 64 else None


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
    digest = _unmasked(submitted)
    if digest is None or not hmac.compare_digest(_digest(nonce, secret_key), digest):
        raise CsrfFailed()
