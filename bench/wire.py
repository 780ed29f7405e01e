"""The rush's tablets on the wire: HTTP/1.1 written and read by hand over asyncio streams.

Two hundred tablets are two hundred machines; here they share the server's two cores. An
httpx client spends about 5 ms of CPU per push (measured: 1.0 s for the rush), time taken
from the server it is meant to measure and added to every latency. A request written as bytes
and a response read by its Content-Length cost a few hundred microseconds. A tablet opens its
connection inside the timed span of its first push, as a tablet coming back online does, and keeps
it for the pushes that follow, as a browser keeps its HTTP/1.1 connection to the server between
fetches (a tablet online pushes every second or so, well inside uvicorn's 5 s keep-alive).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Coroutine, TypeVar
from urllib.parse import urlsplit

import uvloop

from bench.client import BenchBroken
from bench.metrics import Stopwatch

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    origin: str

    @classmethod
    def of(cls, base_url: str) -> "Endpoint":
        parts = urlsplit(base_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80, base_url)


def push_request(endpoint: Endpoint, cookies: dict[str, str], body: bytes) -> bytes:
    """The whole request, headers and body, ready to send."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    head = (f"POST /api/sync/push HTTP/1.1\r\nHost: {endpoint.host}:{endpoint.port}\r\nOrigin: {endpoint.origin}\r\n"
            f"Content-Type: application/json\r\nCookie: {cookie}\r\nContent-Length: {len(body)}\r\n"
            "\r\n")
    return head.encode("ascii") + body


class Line:
    """One tablet's HTTP/1.1 connection: opened by its first push, kept for the next ones."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def push(self, request: bytes) -> tuple[float, dict[str, Any]]:
        """(seconds, answer) of one push, the connection's opening included when it opens it;
        anything but 200 breaks the bench."""
        started = time.perf_counter()
        try:
            if self._stream is None:
                self._stream = await asyncio.open_connection(self.endpoint.host, self.endpoint.port)
            reader, writer = self._stream
            writer.write(request)
            status, body, closing = await _response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.close()
            raise BenchBroken(f"push failed on the wire: {error!r}") from error
        if closing:
            self.close()
        seconds = time.perf_counter() - started
        if status != 200:
            raise BenchBroken(f"push answered {status}: {body[:300]!r}")
        return seconds, json.loads(body)

    def close(self) -> None:
        if self._stream is not None:
            self._stream[1].close()
            self._stream = None


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection after it."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" not in headers:
        raise BenchBroken(f"the server answered {status} without a Content-Length: {headers}")
    closing = headers.get("connection", "").lower() == "close"
    return status, await reader.readexactly(int(headers["content-length"])), closing


def run_tablets(work: Coroutine[Any, Any, T]) -> T:
    """Run a rush of tablets on uvloop, the event loop the server runs on: the tablets share the
    machine's cores with the server they measure, so the less CPU they take, the less of their own
    cost is counted against the server (see bench.metrics.CpuShares: the load generator's share)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(work)


async def rush(endpoint: Endpoint, per_tablet: list[list[bytes]], timeout: float,
               what: str) -> tuple[list[tuple[float, dict[str, Any]]], float]:
    """Every tablet starts at the same moment and sends its requests in order on its own
    connection (`Line`): each push's (seconds, answer), and the wall seconds of the whole rush."""
    start = asyncio.Event()

    async def tablet(requests: list[bytes]) -> list[tuple[float, dict[str, Any]]]:
        await start.wait()
        line = Line(endpoint)
        try:
            return [await line.push(request) for request in requests]
        finally:
            line.close()

    tasks = [asyncio.create_task(tablet(requests)) for requests in per_tablet]
    await asyncio.sleep(0)
    with Stopwatch() as wall:
        start.set()
        try:
            answers = await asyncio.wait_for(asyncio.gather(*tasks), timeout)
        except asyncio.TimeoutError:
            raise BenchBroken(f"{what} did not finish within {timeout:.0f} s") from None
    return [answer for per in answers for answer in per], wall.seconds
