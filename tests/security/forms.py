"""Posting desk forms the way a browser does: the CSRF nonce cookie and its token."""

from __future__ import annotations

import httpx

from server.auth import csrf
from server.settings import Settings


def with_token(client: httpx.AsyncClient, settings: Settings, data: dict[str, str] | None = None) -> dict[str, str]:
    """Form data carrying a valid CSRF token; sets the nonce cookie on the client."""
    nonce = "security-tests-nonce"
    client.cookies.set(csrf.COOKIE_NAME, nonce)
    return {csrf.FIELD_NAME: csrf.token_for(nonce, settings.secret_key), **(data or {})}
