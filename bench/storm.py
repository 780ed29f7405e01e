"""The storm on PostgreSQL: every tablet flushing its outbox at once, one event per push and fifty.

200 tablets each hold 50 events of a visit in progress. All start together; each pushes its
events one request after another, either one event per push (a tablet syncing after every
entry) or all 50 in one push (a tablet back online). Measured on each deployment of
bench.topology: events per second over the storm's wall time, push latency percentiles, the
servers' CPU, and the share of the storm's time the log's advisory lock is held (bench.locks).
Every storm is then proved stored exactly once from the push answers and the database rows.

The tablets log in once; each storm uses a fresh visit per tablet and continues its device_seq.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import balancer, pgdb, then, topology, wire
from bench.client import log_in, new_client, push_body
from bench.clinical_events import visit_events
from bench.integrity import Integrity, check_results
from bench.load import _cli
from bench.locks import LockSampler
from bench.metrics import CpuShares, latency_summary
from bench.world import World, seed
from server.db import schema

LOGIN_CONCURRENCY = 4
PROJECTION_TIMEOUT_S = 300.0  # the pharmacist's queue must catch up with a storm within this long


@dataclass(frozen=True)
class StormScale:
    tablets: int
    events_per_tablet: int
    devices_per_nurse: int
    batches: tuple[int, ...]  # events per push, one storm each
    timeout_s: float


FULL = StormScale(tablets=200, events_per_tablet=50, devices_per_nurse=10, batches=(1, 50), timeout_s=900.0)
QUICK = StormScale(tablets=10, events_per_tablet=6, devices_per_nurse=5, batches=(1, 6), timeout_s=120.0)


@dataclass(frozen=True)
class Plan:
    """Which storms to run: every deployment and batch (None), or only these. Any restriction also
    leaves out the rounds against the filing's code (bench.then), each of which is such a restricted run."""

    deployments: list[str] | None = None
    batches: list[int] | None = None
    era: str = "today"  # the events' shape (bench.clinical_events.ERAS)

    @property
    def whole(self) -> bool:
        return self.deployments is None and self.batches is None


@dataclass
class Tablet:
    index: int
    device_id: uuid.UUID
    cookies: dict[str, str]
    next_seq: int = 1


@dataclass
class Storm:
    """One storm's pushes, encoded before the clock starts, and the ids they carry."""

    requests: list[list[bytes]]  # per tablet, in order
    sent: set[str] = field(default_factory=set)


def _visit(world: World, scale: StormScale, tablet: int, storm: int, per_patient: int):
    nurse = world.nurses[tablet // scale.devices_per_nurse]
    return nurse.visits[(tablet % scale.devices_per_nurse) * per_patient + storm]


def prepare(world: World, scale: StormScale, tablets: list[Tablet], endpoint: wire.Endpoint, batch: int,
            storm: int, per_patient: int, era: str = "today") -> Storm:
    prepared = Storm(requests=[])
    for tablet in tablets:
        visit = _visit(world, scale, tablet.index, storm, per_patient)
        events = visit_events(visit_id=visit.visit_id, patient_id=visit.patient_id, order_id=visit.order_id,
                              started=visit.scheduled_at, first_seq=tablet.next_seq, count=scale.events_per_tablet,
                              era=era)
        tablet.next_seq += len(events)
        prepared.sent.update(event["id"] for event in events)
        bodies = [push_body(tablet.device_id, events[i:i + batch]) for i in range(0, len(events), batch)]
        prepared.requests.append([wire.push_request(endpoint, tablet.cookies, body) for body in bodies])
    return prepared


async def blow(endpoint: wire.Endpoint, storm: Storm,
               timeout: float) -> tuple[list[float], list[dict[str, Any]], float]:
    """Every tablet starts at once and pushes its requests in order; (latencies, results, wall seconds)."""
    flat, seconds = await wire.rush(endpoint, storm.requests, timeout, "the storm")
    return [took for took, _ in flat], [r for _, answer in flat for r in answer["results"]], seconds


async def _measure(deployment: topology.Deployment, storm: Storm, database_url: str, scale: StormScale,
                   label: str, integrity: Integrity) -> dict[str, Any]:
    endpoint = wire.Endpoint.of(deployment.base_url)
    with CpuShares(deployment.server_pids) as cpu, LockSampler(database_url) as locks:
        latencies, results, wall = await blow(endpoint, storm, scale.timeout_s)
    run = Integrity(sent=len(storm.sent))
    check_results(run, results, storm.sent)
    integrity.problems += [f"{label}: {problem}" for problem in run.problems]
    await pgdb.check_database(integrity, database_url, storm.sent, label)
    caught_up = await pgdb.projected(database_url, PROJECTION_TIMEOUT_S)
    if caught_up is None:
        integrity.problems.append(f"{label}: visits still not folded {PROJECTION_TIMEOUT_S:.0f} s after the storm")
    return {"pushes": len(latencies), "events": len(storm.sent), "wall_seconds": round(wall, 3),
            "events_per_s": round(len(storm.sent) / wall, 1), "latency": latency_summary(latencies),
            "projected_after_s": None if caught_up is None else round(caught_up, 1),
            **cpu.figures, "locks": locks.figures()}


async def _log_in(world: World, scale: StormScale, base_url: str) -> list[Tablet]:
    gate = asyncio.Semaphore(LOGIN_CONCURRENCY)

    async def one(index: int) -> Tablet:
        device_id = uuid.uuid4()
        async with gate, new_client(base_url) as client:
            await log_in(client, world.nurses[index // scale.devices_per_nurse].username, device_id)
            return Tablet(index, device_id, dict(client.cookies))

    return list(await asyncio.gather(*[one(index) for index in range(scale.tablets)]))


async def _seed(database_url: str, scale: StormScale, per_patient: int) -> World:
    await schema.open_database(database_url)
    try:
        return await seed(nurses=-(-scale.tablets // scale.devices_per_nurse),
                          patients_per_nurse=scale.devices_per_nurse, visits_per_patient=per_patient, prefix="storm")
    finally:
        await schema.close_database()


def _topologies(plan: Plan) -> tuple[list[str], str]:
    wanted = plan.deployments or list(topology.TOPOLOGIES)
    if balancer.haproxy() is None:
        return [name for name in wanted if name != topology.HOSTS], "haproxy not present"
    return wanted, "present"


async def _storms(workdir: Path, database_url: str, scale: StormScale, plan: Plan) -> dict[str, Any]:
    names, haproxy = _topologies(plan)
    batches = [batch for batch in scale.batches if plan.batches is None or batch in plan.batches]
    per_patient = len(names) * len(batches)
    _cli(topology.server_env(workdir, database_url, "http://127.0.0.1:1"), "migrate")
    world = await _seed(database_url, scale, per_patient)
    integrity, runs, tablets = Integrity(sent=0), [], None
    for name in names:
        async with topology.deployed(name, workdir, database_url) as deployment:
            tablets = tablets or await _log_in(world, scale, deployment.base_url)
            for batch in batches:
                storm = prepare(world, scale, tablets, wire.Endpoint.of(deployment.base_url), batch, len(runs),
                                per_patient, plan.era)
                integrity.sent += len(storm.sent)
                label = f"{name}, {batch}/push"
                figures = await _measure(deployment, storm, database_url, scale, label, integrity)
                runs.append({"topology": name, "events_per_push": batch, "tablets": scale.tablets, **figures})
                print(f"  storm {label}: {figures['events_per_s']:,.0f} ev/s, "
                      f"p95 {figures['latency']['p95_ms']:.0f} ms, lock busy {figures['locks']['any_lock_busy']:.0%}",
                      flush=True)
    return {"haproxy": haproxy, "runs": runs, "integrity": integrity.figures()}


async def run(workdir: Path, scale: StormScale, plan: Plan = Plan()) -> dict[str, Any]:
    """Create a private database, storm every deployment, drop it. No PostgreSQL: said, not skipped.
    A whole run first measures the filing's code against today's, in alternating rounds (bench.then)."""
    database = pgdb.BenchDatabase()
    try:
        async with database as url:
            earlier = then.run(workdir, scale is QUICK, scale.timeout_s + 600) if plan.whole else None
            figures = await _storms(workdir, url, scale, plan)
    except pgdb.PostgresUnreachable as unreachable:
        return {"unavailable": str(unreachable)}
    return {"database": f"PostgreSQL at {pgdb.where(database.server)}", **figures,
            **({"then": earlier} if earlier else {})}
