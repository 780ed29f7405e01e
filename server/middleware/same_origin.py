"""Refuse cross-site unsafe requests (DESIGN section 6).

API: an unsafe method needs a same-origin `Origin` (or `Sec-Fetch-Site: same-origin`) and,
when it has a body, a JSON content type, which a cross-site HTML form cannot send.
Forms: a cross-site `Origin` or `Sec-Fetch-Site` is refused here; the CSRF token is
checked where the form is parsed (`server.routes.forms`).

`Origin: null` names no site: Chromium sends it for every form post from a page served with our
`Referrer-Policy: no-referrer`, so it is treated as absent (`Sec-Fetch-Site`, and for forms the
CSRF token, still decide). Refusing it refused every desk form, the login included.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import CsrfFailed, UnsupportedMedia

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def own_origin(scope: Scope, headers: Headers, public_origin: str | None) -> str:
    if public_origin:
        return public_origin.rstrip("/")
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"


class SameOriginMiddleware:
    def __init__(self, app: ASGIApp, *, public_origin: str | None = None) -> None:
        self.app = app
        self.public_origin = public_origin

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
        same = origin == own_origin(scope, headers, self.public_origin)
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
