"""Refuse cross-site unsafe requests (DESIGN section 6).

API: an unsafe method needs a same-origin `Origin` (or `Sec-Fetch-Site: same-origin`) and,
when it has a body, a JSON content type, which a cross-site HTML form cannot send.
Forms: a cross-site `Origin` or `Sec-Fetch-Site` is refused here; the CSRF token is
checked where the form is parsed (`server.routes.forms`).

Our own origin comes from configuration, never from the request: `IVLOG_PUBLIC_ORIGIN` when set,
otherwise the address `serve` is bound to (`IVLOG_HOST`, `IVLOG_PORT`; a loopback address also
answers as `localhost` and `127.0.0.1`). A request names its own `Host`, so an origin built from
it would let `Origin: https://evil.example` with `Host: evil.example` pass (issue 16 item 11).

`Origin: null` names no site: Chromium sends it for every form post from a page served with our
`Referrer-Policy: no-referrer`, so it is treated as absent (`Sec-Fetch-Site`, and for forms the
CSRF token, still decide). Refusing it refused every desk form, the login included.
"""

from __future__ import annotations

import ipaddress

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import CsrfFailed, UnsupportedMedia
from server.settings import Settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def own_origins(settings: Settings) -> frozenset[str]:
    """The origins our pages are served from: configured, never read from a request."""
    if settings.public_origin:
        return frozenset({settings.public_origin.rstrip("/")})
    host = settings.host
    names = {f"[{host}]" if ":" in host else host}
    if _is_loopback_or_any(host):
        names.update(LOOPBACK_NAMES)
        names.discard("0.0.0.0")
        names.discard("[::]")
    return frozenset(f"http://{name}:{settings.port}" for name in names)


def _is_loopback_or_any(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


class SameOriginMiddleware:
    def __init__(self, app: ASGIApp, *, origins: frozenset[str]) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            self.check(scope)
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> None:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin == "null":
            origin = None
        fetch_site = headers.get("sec-fetch-site")
        same = origin is not None and origin.rstrip("/") in self.origins
        if origin is not None and not same:
            raise CsrfFailed("Cross-site request refused.")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            raise CsrfFailed("Cross-site request refused.")
        if not scope["path"].startswith("/api/"):
            return
        if not same and fetch_site != "same-origin":
            raise CsrfFailed("API writes must come from an ivlog page (same Origin).")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if scope["method"] in BODY_METHODS and content_type != "application/json":
            raise UnsupportedMedia()
