"""Opens each HTTP request's fold scope (server.services.folds) and reports it in Server-Timing.

Pure ASGI, so the scope set here is the one the handler's task sees; it is closed when the answer has
gone, so a task the request started that outlives it (a push's writer lane) keeps nothing of it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.services import folds


class FoldScopeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fold_scope, token = folds.open_scope()

        async def send_with_timing(message: Message) -> None:
            timing = fold_scope.server_timing() if message["type"] == "http.response.start" else None
            if timing is not None:
                MutableHeaders(scope=message).append("Server-Timing", timing)
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            folds.close_scope(fold_scope, token)
