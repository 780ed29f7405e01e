"""(c) Many tablets pushing at once to a real uvicorn server on loopback.

This is the shift-change rush: every nurse's tablet comes back online and flushes its outbox
at the same moment. The server is the real CLI (`python -m server migrate`, `serve`) in its
own process, so its memory is measured alone and the latency includes HTTP parsing, the
event loop and SQLite's single writer. Afterwards every event is proved stored exactly once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import wire
from bench.client import BenchBroken, empty_pull_seconds, log_in, new_client, pull_all, push_body
from bench.clinical_events import visit_events
from bench.integrity import Integrity, check_database, check_pulled, check_results
from bench.metrics import CpuClock, RssSampler, latency_summary
from bench.scale import Scale
from bench.world import World, seed
from server.db import schema

ROOT = Path(__file__).resolve().parent.parent
LOGIN_CONCURRENCY = 4  # argon2 is deliberately costly; logging in is set-up, not the measured rush


@dataclass
class Tablet:
    client: httpx.AsyncClient  # its session, for the checks after the rush
    device_id: uuid.UUID
    request: bytes  # the push, as bytes on the wire (bench.wire)
    event_ids: list[str]


def _env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVLOG_")}
    # the rush measures the writer, not the per-user push rate (sync.rate): lift it
    env.update(IVLOG_PUSH_BURST="1000000", IVLOG_PUSH_PER_MIN="1000000")
    env.update(IVLOG_DATA_DIR=str(workdir), IVLOG_ENV="development", IVLOG_SECRET_KEY="bench-" + "k" * 40)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise BenchBroken(f"python -m server {' '.join(args)} failed: {done.stderr[-500:]}")


async def _seed(db: Path, scale: Scale) -> World:
    url = f"sqlite://{db}"
    await schema.open_database(url)
    try:
        nurses = -(-scale.devices // scale.devices_per_nurse)  # ceiling
        return await seed(nurses=nurses, patients_per_nurse=scale.devices_per_nurse, visits_per_patient=1)
    finally:
        await schema.close_database()


async def _wait_ready(base_url: str, server: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as probe:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise BenchBroken(f"the server exited ({server.returncode}): {log.read_text()[-800:]}")
            try:
                await probe.get("/login")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise BenchBroken(f"the server did not answer within {timeout:.0f} s")


async def _tablet(world: World, index: int, base_url: str, scale: Scale, gate: asyncio.Semaphore) -> Tablet:
    """Tablet `index`: its nurse, its own visit, the first events of that visit (a visit in progress)."""
    nurse = world.nurses[index // scale.devices_per_nurse]
    visit = nurse.visits[index % scale.devices_per_nurse]
    device_id = uuid.uuid4()
    async with gate, new_client(base_url) as login_client:
        await log_in(login_client, nurse.username, device_id)
        cookies = dict(login_client.cookies)
    # A fresh client per tablet: a connection idle since login may be closed by the server's
    # keep-alive timeout just as the rush reuses it; a tablet coming online opens a new one anyway.
    client = new_client(base_url, timeout=scale.load_timeout_s, cookies=cookies)
    events = visit_events(visit_id=visit.visit_id, patient_id=visit.patient_id, order_id=visit.order_id,
                          started=visit.scheduled_at, first_seq=1, count=scale.events_per_device)
    request = wire.push_request(wire.Endpoint.of(base_url), cookies, push_body(device_id, events))
    return Tablet(client, device_id, request, [event["id"] for event in events])


async def _rush(endpoint: wire.Endpoint, tablets: list[Tablet],
                timeout: float) -> tuple[list[float], list[dict[str, Any]], float]:
    """Every tablet pushes at the same moment; (latencies, results, wall seconds)."""
    answers, seconds = await wire.rush(endpoint, [[tablet.request] for tablet in tablets], timeout, "the pushes")
    results = [result for _, answer in answers for result in answer["results"]]
    return [took for took, _ in answers], results, seconds


async def _exercise(world: World, db: Path, base_url: str, server_pid: int, scale: Scale) -> dict[str, Any]:
    gate = asyncio.Semaphore(LOGIN_CONCURRENCY)
    tablets = await asyncio.gather(*[_tablet(world, i, base_url, scale, gate) for i in range(scale.devices)])
    try:
        sent = {event_id for tablet in tablets for event_id in tablet.event_ids}
        integrity = Integrity(sent=len(sent))
        with RssSampler(server_pid) as memory, CpuClock(server_pid) as server_cpu:
            latencies, results, wall = await _rush(wire.Endpoint.of(base_url), tablets, scale.load_timeout_s)
        check_results(integrity, results, sent)
        check_database(integrity, db, sent)
        async with new_client(base_url) as pharmacist:
            await log_in(pharmacist, world.pharmacist)
            pulled = await pull_all(pharmacist, page=5000)
        check_pulled(integrity, pulled, sent)
        last = max((event["server_seq"] for event in pulled), default=0)
        empty = await empty_pull_seconds(tablets[0].client, last, scale.empty_pulls)
    finally:
        await asyncio.gather(*[tablet.client.aclose() for tablet in tablets])
    return {"devices": len(tablets), "events": len(sent), "server_workers": WORKERS, "wall_seconds": round(wall, 3),
            "events_per_s": round(len(sent) / wall),
            "server_cpu_seconds": round(server_cpu.seconds, 3), "latency": latency_summary(latencies),
            "empty_pull": latency_summary(empty), **memory.figures(), "integrity": integrity.figures()}


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# One process. Two on one SQLite file (measured, even with a flock handing the writer's turn over at once)
# cut p95 by about a fifth but hold 322 MB, over the 200 MB target, and slow the empty pull.
# `serve --workers` is for PostgreSQL.
WORKERS = 1


async def run(workdir: Path, scale: Scale) -> dict[str, Any]:
    """Migrate with the CLI, seed, serve with the CLI, rush, verify, stop."""
    env, db = _env(workdir), workdir / "ivlog.sqlite3"
    _cli(env, "migrate")
    world = await _seed(db, scale)
    port, log = _free_port(), workdir / "server.log"
    with log.open("w") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port),
                                   "--workers", str(WORKERS)], cwd=ROOT,
                                  env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _wait_ready(base_url, server, log)
        return await _exercise(world, db, base_url, server.pid, scale)
    finally:
        _stop(server)
