"""The in-flight count the projector gives way to: up while a request is served, down after, errors included."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from server.middleware.in_flight import QUIET_S, InFlight, InFlightMiddleware


async def test_a_request_is_counted_while_it_is_served_and_not_after_even_when_it_fails():
    in_flight, seen, started = InFlight(), [], time.monotonic()

    async def endpoint(request: Request) -> PlainTextResponse:
        seen.append(in_flight.count)
        if request.query_params.get("fail"):
            raise RuntimeError("the handler failed")
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(InFlightMiddleware, in_flight=in_flight)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/", params={"fail": "1"})).status_code == 500
    assert seen == [1, 1]
    assert in_flight.count == 0 and in_flight.last_done > started  # the failed one's end was counted too
    in_flight.last_done = time.monotonic()  # as if it had just ended (a loaded machine may take QUIET_S to get here)
    assert in_flight.busy()  # one just ended: the next is likely on its way
    await asyncio.sleep(QUIET_S * 2)
    assert not in_flight.busy()
