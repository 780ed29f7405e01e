"""A tablet's side of the wire, as thin as possible so the figures measure the server.

Bodies are encoded before the clock starts (a tablet has its JSON ready; encoding it is not
the server's time). Every request carries the server's own Origin and a JSON content type,
which the API requires of unsafe methods (DESIGN section 6).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx

from bench.world import PASSWORD

JSON = {"content-type": "application/json"}


class BenchBroken(RuntimeError):
    """The system under test misbehaved (not merely slow): the benchmark must exit non-zero."""


def new_client(base_url: str, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 120.0,
               cookies: dict[str, str] | None = None) -> httpx.AsyncClient:
    """One tablet: its own cookie jar and one connection, with the server's Origin on every request."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncClient(base_url=base_url, transport=transport, headers={"origin": base_url},
                             timeout=timeout, limits=limits, cookies=cookies)


async def log_in(client: httpx.AsyncClient, username: str, device_id: uuid.UUID | None = None) -> None:
    body: dict[str, Any] = {"username": username, "password": PASSWORD}
    if device_id is not None:
        body.update(device_id=str(device_id), device_label="bench tablet")
    response = await client.post("/api/session", content=json.dumps(body), headers=JSON)
    if response.status_code != 200:
        raise BenchBroken(f"login of {username} failed: {response.status_code} {response.text[:200]}")


def push_body(device_id: uuid.UUID, events: list[dict[str, Any]]) -> bytes:
    envelope = {"protocol": 1, "device_id": str(device_id), "batch_id": str(uuid.uuid4()),
                "sent_at": datetime.now(timezone.utc).isoformat(), "events": events}
    return json.dumps(envelope).encode()


async def push(client: httpx.AsyncClient, body: bytes) -> tuple[float, dict[str, Any]]:
    """(seconds, answer) of one push; anything but 200 means the benchmark is broken."""
    started = time.perf_counter()
    try:
        response = await client.post("/api/sync/push", content=body, headers=JSON)
    except httpx.TransportError as error:
        raise BenchBroken(f"push failed on the wire: {error!r}") from error
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchBroken(f"push answered {response.status_code}: {response.text[:300]}")
    return seconds, response.json()


async def pull_all(client: httpx.AsyncClient, *, page: int, after: int = 0) -> list[dict[str, Any]]:
    """Every readable event after `after`, page by page, as a tablet catching up would."""
    events: list[dict[str, Any]] = []
    while True:
        response = await client.get("/api/sync/pull", params={"after": after, "limit": page})
        if response.status_code != 200:
            raise BenchBroken(f"pull answered {response.status_code}: {response.text[:300]}")
        answer = response.json()
        events += answer["events"]
        after = answer["next"]
        if not answer["more"]:
            return events


async def empty_pull_seconds(client: httpx.AsyncClient, after: int, repeats: int) -> list[float]:
    """Latency of a pull with nothing new: what every idle tablet does on its sync timer."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = await client.get("/api/sync/pull", params={"after": after, "limit": 5000})
        timings.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json()["events"]:
            raise BenchBroken(f"empty pull answered {response.status_code} with events: {response.text[:200]}")
    return timings
