"""One log line per request with a request id: method, route, status, duration.

Never the query string or body: they may carry patient data. The route template
(`/api/patients/{patient_id}`) is logged when known; a path no route matched is free text
someone typed (`/api/patients/Reyes`), so only its first segment is logged.
"""

from __future__ import annotations

import logging
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("ivlog.request")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            logger.info(
                "request id=%s method=%s route=%s status=%s ms=%.1f",
                request_id, scope["method"], route_of(scope), status, (time.perf_counter() - started) * 1000,
            )


def route_of(scope: Scope) -> str:
    """The matched route's template, or `/first-segment/…` for a path no route matched."""
    template = getattr(scope.get("route"), "path", None)
    if template:
        return template
    first = scope["path"].lstrip("/").split("/", 1)[0]
    return f"/{first}/…" if first in KNOWN_PREFIXES else "(unmatched)"


KNOWN_PREFIXES = {"api", "app", "static", "admin", "pharmacy", "review", "visits", "nurse", "physician", "quarantine"}
