"""Counts the HTTP requests being served, so that background work can give way to them.

The projector folds pushed visits in the same event loop as the requests. After a rush of
pushes it has hundreds of visits to fold; a tablet's sync or a pharmacist's page load that
arrives meanwhile should not wait behind them (DESIGN section 7: an empty pull within 20 ms).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlight:
    def __init__(self) -> None:
        self.count = 0

    def busy(self) -> bool:
        return self.count > 0


class InFlightMiddleware:
    def __init__(self, app: ASGIApp, in_flight: InFlight) -> None:
        self.app, self.in_flight = app, in_flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight.count -= 1
