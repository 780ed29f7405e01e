"""`python -m stress crash`: kill -9 the server (and, on PostgreSQL, crash-restart the database)
at random moments while tablets push, then prove that no acknowledged entry was lost.

Each cycle lets the server run for a random while under load and then kills it with SIGKILL,
mid-transaction as often as not; on PostgreSQL every third cycle instead restarts PostgreSQL
itself with `-m immediate` and leaves the server running: it must recover on its own. After
the last cycle the tablets stop recording and drain their outboxes; the server is killed once
more (so projections are left stale) and started again, and the database is examined.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from stress.checks import STALE_SQL, Verdict, check_events, check_projections, check_storage, query
from stress.tablets import Tally, Tablet, open_tablets
from stress.target import CampaignBroken, Target

DRAIN_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class CrashPlan:
    db: str = "sqlite"
    cycles: int = 50
    devices: int = 8
    up_s: tuple[float, float] = (0.1, 1.5)  # how long the server runs before each crash
    events_per_visit: int = 100
    max_record: int = 10  # entries a nurse saves between two flushes, at most
    seed: int | None = None


async def run(plan: CrashPlan) -> Verdict:
    seed = plan.seed if plan.seed is not None else random.randrange(1 << 30)
    rng, target = random.Random(seed), Target(plan.db)
    verdict: Verdict | None = None
    visits = plan.cycles + 2  # enough recording for every cycle (about one visit per device per cycle)
    try:
        world = await target.prepare(nurses=plan.devices, visits_per_nurse=visits)
        await target.start()
        tablets, tally = await open_tablets(target.base_url, world.nurses, rng, events_per_visit=plan.events_per_visit,
                                            pace_s=(0.02, 0.15), timeout_s=30.0)
        verdict = Verdict(figures={"workdir": str(target.workdir), "db": plan.db, "seed": seed,
                                   "devices": plan.devices})
        try:
            crashes = await _cycles(plan, target, tablets, tally, rng)
        finally:
            await asyncio.gather(*(tablet.close() for tablet in tablets))
        verdict.figures.update(crashes)
        await _verify(verdict, target, tablets, tally)
        return verdict
    finally:
        target.close(keep=verdict is None or not verdict.ok)


async def _cycles(plan: CrashPlan, target: Target, tablets: list[Tablet], tally: Tally,
                  rng: random.Random) -> dict[str, Any]:
    recording = asyncio.Event()
    recording.set()
    tasks = [asyncio.create_task(tablet.run(recording, plan.max_record)) for tablet in tablets]
    kills, stale, pg_restarts, recoveries = 0, 0, [], []
    try:
        for cycle in range(plan.cycles):
            await asyncio.sleep(rng.uniform(*plan.up_s))
            _raise_if_failed(tasks)
            if target.cluster is not None and cycle % 3 == 2:
                pg_restarts.append(await asyncio.to_thread(target.cluster.restart_immediate))
                recoveries.append(await _first_success_after(tally, time.monotonic()))
            else:
                target.kill9()
                kills += 1
                stale += await _stale_visits(target.database_url)  # what the start-up sweep must re-fold
                await asyncio.sleep(rng.uniform(0.0, 0.3))  # tablets find the server gone
                await target.start()
        recording.clear()
        await asyncio.wait_for(asyncio.gather(*tasks), DRAIN_TIMEOUT_S)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return {"cycles": plan.cycles, "server_kills": kills, "stale_projections_left_by_kills": stale,
            "pg_restarts": len(pg_restarts),
            "pg_restart_s": _spread(pg_restarts), "recovery_after_pg_restart_s": _spread(recoveries)}


async def _stale_visits(database_url: str) -> int:
    rows = await query(database_url, STALE_SQL)
    return sum(1 for row in rows if (row["last"] or 0) != row["projected"])


def _raise_if_failed(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        if task.done() and task.exception() is not None:
            raise CampaignBroken(f"a tablet failed: {task.exception()!r}")


async def _first_success_after(tally: Tally, moment: float, timeout_s: float = 60.0) -> float:
    """Seconds from `moment` until some tablet's push is answered 200 again."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        after = [end for end, _ in tally.latencies[-50:] if end > moment]
        if after:
            return round(min(after) - moment, 2)
        await asyncio.sleep(0.05)
    raise CampaignBroken(f"no push succeeded within {timeout_s:.0f} s of a PostgreSQL restart (server not recovering)")


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {"min": round(ordered[0], 2), "median": round(ordered[len(ordered) // 2], 2), "max": round(ordered[-1], 2)}


async def _verify(verdict: Verdict, target: Target, tablets: list[Tablet], tally: Tally) -> None:
    target.kill9()  # the last pushes' projections may still be pending: the start-up sweep must fold them
    await target.start()
    await check_projections(verdict, target.database_url)
    await check_events(verdict, target.database_url, tablets)
    target.stop()
    await check_storage(verdict, target)
    verdict.figures.update(
        pushes=tally.pushes, pushes_ok=tally.ok_pushes, events_resent=tally.resent_events,
        transport_errors=dict(tally.transport_errors), http_errors=dict(tally.statuses),
        database_locked=tally.locked, server_start_s=_spread(target.start_seconds))
    if tally.locked:
        verdict.problems.append(f"{tally.locked} answer(s) said 'database is locked'")
    if target.cluster is None and tally.server_errors:
        verdict.problems.append(f"{tally.server_errors} 5xx answer(s) on SQLite: {dict(tally.statuses)}")
