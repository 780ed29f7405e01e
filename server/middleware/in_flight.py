"""Counts the HTTP requests being served, so that background work can give way to them.

The projector folds pushed visits in the same event loop as the requests. After a rush of
pushes it has hundreds of visits to fold; a tablet's sync or a pharmacist's page load that
arrives meanwhile should not wait behind them (DESIGN section 7: an empty pull within 20 ms).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

QUIET_S = 0.01  # a tablet syncing sends its requests back to back: a gap this short is not a pause


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self.last_done = 0.0

    def busy(self) -> bool:
        """A request is being served, or one ended less than QUIET_S ago (another is likely next)."""
        return self.count > 0 or time.monotonic() - self.last_done < QUIET_S


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
            self.in_flight.last_done = time.monotonic()
