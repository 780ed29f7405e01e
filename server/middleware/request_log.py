"""One log line per request with a request id: method, route, status, duration.

Never the query string or body: they may carry patient data. The route template
(`/api/patients/{patient_id}`) is logged when known, otherwise the raw path.
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
            route = scope.get("route")
            path = getattr(route, "path", None) or scope["path"]
            logger.info(
                "request id=%s method=%s route=%s status=%s ms=%.1f",
                request_id, scope["method"], path, status, (time.perf_counter() - started) * 1000,
            )
