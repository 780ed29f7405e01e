"""`python -m stress backup`: take a backup while many tablets push, restore it, and compare.

The backup is the operator's command (`python -m server backup PATH`) run against the live
server's database. Writers must not notice it: no 5xx, no "database is locked", and their
latency while it runs is reported. The restored copy must be a consistent snapshot: it passes
integrity_check and verify-audit, and holds exactly the source's events up to its own highest
server_seq and exactly the source's audit entries up to its own highest id.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from stress.checks import Verdict, check_events, check_storage, query
from stress.tablets import Tablet, Tally, open_tablets
from stress.target import Target

TAIL_S = 2.0  # load kept on after the backup, so the backup is taken mid-stream


@dataclass(frozen=True)
class BackupPlan:
    db: str = "sqlite"
    writers: int = 50
    warm_up_s: float = 8.0
    history: int = 100_000  # events pushed before the campaign, so the copy takes a while
    seed: int | None = None


async def run(plan: BackupPlan) -> Verdict:
    rng, target = random.Random(plan.seed), Target(plan.db)
    verdict: Verdict | None = None
    try:
        per_writer = plan.history // plan.writers
        world = await target.prepare(nurses=plan.writers, visits_per_nurse=4 + per_writer // 100 + 1)
        await target.start()
        tablets, tally = await open_tablets(target.base_url, world.nurses, rng, events_per_visit=100,
                                            pace_s=(0.1, 0.5), timeout_s=60.0)
        verdict = Verdict(figures={"workdir": str(target.workdir), "db": plan.db, "writers": plan.writers,
                                   "history_events": per_writer * plan.writers})
        try:
            await _backfill(verdict, tablets, per_writer)
            backup_path = target.workdir / ("backup.sqlite3" if plan.db == "sqlite" else "backup.dump")
            done, started, ended = await _backup_under_load(plan, target, tablets, backup_path)
        finally:
            await asyncio.gather(*(tablet.close() for tablet in tablets))
        _writer_figures(verdict, tally, started, ended, done)
        await check_events(verdict, target.database_url, tablets)
        if done.returncode == 0:
            restored = await _restore(target, backup_path)
            await _compare(verdict, target.database_url, restored)
            await check_storage(verdict, target, restored)
        return verdict
    finally:
        target.close(keep=verdict is None or not verdict.ok)


async def _backfill(verdict: Verdict, tablets: list[Tablet], per_writer: int) -> None:
    filled = time.monotonic()
    for tablet in tablets:
        await tablet.backfill(per_writer)
    verdict.figures["history_push_s"] = round(time.monotonic() - filled, 1)
    await asyncio.gather(*(tablet.reconnect() for tablet in tablets))
    tablets[0].tally.latencies.clear()  # one Tally is shared: keep only the campaign's pushes


async def _backup_under_load(plan: BackupPlan, target: Target, tablets: list[Tablet],
                             backup_path: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """Writers push for a while, the CLI backs up, writers go on, then drain their outboxes."""
    recording = asyncio.Event()
    recording.set()
    tasks = [asyncio.create_task(tablet.run(recording, 5)) for tablet in tablets]
    try:
        await asyncio.sleep(plan.warm_up_s)
        started = time.monotonic()
        done = await asyncio.to_thread(target.cli, "backup", str(backup_path))
        ended = time.monotonic()
        await asyncio.sleep(TAIL_S)
        recording.clear()
        await asyncio.wait_for(asyncio.gather(*tasks), 180)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return done, started, ended


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1)


def _writer_figures(verdict: Verdict, tally: Tally, started: float, ended: float,
                    done: subprocess.CompletedProcess) -> None:
    during = [seconds for end, seconds in tally.latencies if started <= end <= ended + 0.5]
    before = [seconds for end, seconds in tally.latencies if end < started]
    verdict.figures.update(
        backup_s=round(ended - started, 2), backup_output=(done.stdout or done.stderr).strip()[-300:],
        pushes=tally.pushes, pushes_ok=tally.ok_pushes, pushes_during_backup=len(during),
        p95_ms_before_backup=_p95(before), p95_ms_during_backup=_p95(during),
        http_errors=dict(tally.statuses), transport_errors=dict(tally.transport_errors), database_locked=tally.locked)
    if done.returncode != 0:
        verdict.problems.append(f"backup command failed: {verdict.figures['backup_output']}")
    if tally.statuses or tally.transport_errors or tally.locked:
        verdict.problems.append(f"writers saw errors: {dict(tally.statuses)} {dict(tally.transport_errors)}"
                                f" locked={tally.locked}")


async def _restore(target: Target, backup_path: Path) -> str:
    """Restore as an operator would: copy the file, or pg_restore into a new database."""
    if target.cluster is None:
        restored = target.workdir / "restored" / "ivlog.sqlite3"
        restored.parent.mkdir(exist_ok=True)
        shutil.copyfile(backup_path, restored)
        return f"sqlite://{restored}"
    import asyncpg

    name = target.cluster.database + "_restored"
    admin = await asyncpg.connect(target.cluster.url("postgres").replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = target.cluster.url(name)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url.replace('postgres://', 'postgresql://', 1)}",
                    str(backup_path)], check=True, capture_output=True, text=True)
    return url


async def _compare(verdict: Verdict, source: str, restored: str) -> None:
    """The copy equals the source cut at the copy's own high-water marks (a consistent snapshot)."""
    copy_events = await query(restored, "SELECT id, server_seq FROM event")
    copy_audit = await query(restored, "SELECT id, hash FROM audit_entry")
    last_seq = max((row["server_seq"] for row in copy_events), default=0)
    last_audit = max((row["id"] for row in copy_audit), default=0)
    src_events = await query(source, f"SELECT id, server_seq FROM event WHERE server_seq <= {int(last_seq)}")
    src_audit = await query(source, f"SELECT id, hash FROM audit_entry WHERE id <= {int(last_audit)}")
    total = await query(source, "SELECT COUNT(*) AS n FROM event")
    verdict.figures.update(backup_events=len(copy_events), backup_audit_entries=len(copy_audit),
                           source_events_at_end=total[0]["n"])
    if {(str(r["id"]), r["server_seq"]) for r in copy_events} != {(str(r["id"]), r["server_seq"]) for r in src_events}:
        verdict.problems.append(f"backup events differ from the source's up to server_seq {last_seq}: "
                                f"{len(copy_events)} in the copy, {len(src_events)} in the source")
    if {(r["id"], r["hash"]) for r in copy_audit} != {(r["id"], r["hash"]) for r in src_audit}:
        verdict.problems.append(f"backup audit entries differ from the source's up to id {last_audit}")
    if not copy_events:
        verdict.problems.append("the backup holds no events: it was not taken under load")
