"""A storm of small pushes on the real server, and how much of it the log's lock held.

`python -m bench.append_probe --db postgres --workers 2 --events 1`: tablets push one visit's
entries `--events` at a time, each tablet one push after another, as tablets online do (about one
entry per push). Reported: events/s, push latency, and on PostgreSQL the share of the storm's time
during which a log-order or audit-chain advisory lock was held (sampled from `pg_locks` every
~1 ms on a connection of its own): the serial section issue #19 asks to shrink. Not part of
`python -m bench`; it measures the append path before and after a change, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import wire
from bench.client import BenchBroken, log_in, new_client, push_body
from bench.clinical_events import visit_events
from bench.load import _free_port, _stop, _wait_ready
from bench.metrics import CpuShares, latency_summary
from bench.world import seed
from server.db import schema

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("IVLOG_PROBE_PG", "postgres://postgres@127.0.0.1:5432/postgres")
LOCK_KEYS = (0x5EC5EC, 0x1A7D17)  # the log's order lock (before #19) and the audit chain's (the order lock since)


def _env(url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVLOG_")}
    env.update(IVLOG_PUSH_BURST="1000000", IVLOG_PUSH_PER_MIN="1000000", IVLOG_DATABASE_URL=url,
               IVLOG_DATA_DIR=str(workdir), IVLOG_ENV="development", IVLOG_SECRET_KEY="probe-" + "k" * 40,
               PYTHONPATH=str(ROOT))
    return env


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_SERVER.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class LockSampler:
    """Samples whether any of LOCK_KEYS is granted to anyone: the share of samples is the lock's busy time."""

    def __init__(self, url: str) -> None:
        self.url, self.samples, self.held, self._stop = url, 0, 0, False

    async def run(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        sql = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 "
               "AND objid = ANY($1::oid[])")
        try:
            while not self._stop:
                self.samples += 1
                self.held += 1 if await connection.fetchval(sql, list(LOCK_KEYS)) else 0
                await asyncio.sleep(0.001)
        finally:
            await connection.close()

    def stop(self) -> float:
        self._stop = True
        return self.held / self.samples if self.samples else 0.0


async def _storm(base_url: str, tablets: list[tuple[dict[str, str], uuid.UUID, list[dict[str, Any]]]],
                 per_push: int) -> tuple[list[float], float, int]:
    endpoint = wire.Endpoint.of(base_url)

    async def one(cookies: dict[str, str], device: uuid.UUID, events: list[dict[str, Any]]) -> list[float]:
        times, line = [], wire.Line(endpoint)
        try:
            for start in range(0, len(events), per_push):
                seconds, answer = await line.push(wire.push_request(
                    endpoint, cookies, push_body(device, events[start:start + per_push])))
                if any(result["status"] != "accepted" for result in answer["results"]):
                    raise BenchBroken(f"not accepted: {answer['results'][:2]}")
                times.append(seconds)
        finally:
            line.close()
        return times

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(*tablet) for tablet in tablets))
    return [s for each in latencies for s in each], time.perf_counter() - started, sum(len(t[2]) for t in tablets)


async def run(db: str, workers: int, devices: int, events: int, per_push: int, workdir: Path,
              profile: Path | None = None) -> dict[str, Any]:
    name = f"ivlog_probe_{uuid.uuid4().hex[:8]}"
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}" if db == "postgres" else f"sqlite://{workdir / 'probe.sqlite3'}"
    if db == "postgres":
        await _admin(f'CREATE DATABASE "{name}"')
    env, server = _env(url, workdir), None
    try:
        subprocess.run([sys.executable, "-m", "server", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        await schema.open_database(url)
        try:
            world = await seed(nurses=max(1, devices // 10), patients_per_nurse=10, visits_per_patient=1)
        finally:
            await schema.close_database()
        port, log = _free_port(), workdir / "server.log"
        server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port), "--workers",
                                   str(workers)], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        await _wait_ready(base_url, server, log, timeout=180.0)
        await asyncio.sleep(1.0 * workers)  # every worker up
        tablets = []
        for index, visit in enumerate(world.visits[:devices]):
            device = uuid.uuid4()
            async with new_client(base_url) as client:
                await log_in(client, world.nurses[index // 10].username, device)
                cookies = dict(client.cookies)
            tablets.append((cookies, device, visit_events(visit_id=visit.visit_id, patient_id=visit.patient_id,
                                                          order_id=visit.order_id, started=visit.scheduled_at,
                                                          first_seq=1, count=events)))
        sampler = LockSampler(url) if db == "postgres" else None
        sampling = asyncio.create_task(sampler.run()) if sampler else None
        spy = _spy(server.pid, profile) if profile else None
        with CpuShares([server.pid]) as cpu:
            latencies, wall, sent = await _storm(base_url, tablets, per_push)
        if spy:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        busy = sampler.stop() if sampler else None
        if sampling:
            await sampling
        return {"db": db, "workers": workers, "devices": devices, "events_per_push": per_push, "events": sent,
                "wall_s": round(wall, 3), "events_per_s": round(sent / wall), "latency": latency_summary(latencies),
                "lock_busy_share": None if busy is None else round(busy, 3), **cpu.figures}
    finally:
        if server is not None:
            _stop(server)
        if db == "postgres":
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _spy(pid: int, output: Path) -> subprocess.Popen:
    """py-spy samples the server (and its workers) during the storm only: collapsed stacks, one per line."""
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if spy is None:
        raise BenchBroken("--profile needs py-spy (pip install py-spy)")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--rate", "250", "--format", "raw",
                             "--output", str(output), "--nonblocking"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.append_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--events", type=int, default=40, help="entries per tablet")
    parser.add_argument("--per-push", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="py-spy the server during the storm into this file (collapsed stacks)")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ivlog-probe-") as workdir:
        figures = wire.run_tablets(run(args.db, args.workers, args.devices, args.events, args.per_push, Path(workdir),
                                  args.profile))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
