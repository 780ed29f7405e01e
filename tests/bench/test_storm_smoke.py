"""The storm (f) and the PouchDB peer (g) run end to end at a tiny size, and say so when they cannot.

As in test_bench_smoke, no speed is asserted: what must hold is that every storm stores each
event exactly once on PostgreSQL, that the lock sampler sees a lock that is held (and a busy
share of 0 when the log has no lock at all), and that a missing PostgreSQL or a missing
PouchDB install is printed in the report rather than quietly left out.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import pytest

from bench import clinical_events, peer, then
from bench.locks import LockSampler, log_lock_key
from bench.pgdb import BenchDatabase
from tests.databases import POSTGRES_URL, on_postgres

ROOT = Path(__file__).resolve().parents[2]
on_postgresql = pytest.mark.skipif(not on_postgres(), reason="IVLOG_TEST_DATABASE_URL does not point at PostgreSQL")


def bench(tmp_path: Path, *args: str, postgres: str | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    output = tmp_path / "latest.json"
    env = dict(os.environ)
    if postgres is not None:
        env["IVLOG_BENCH_POSTGRES_URL"] = postgres
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", *args, "--output", str(output)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done, json.loads(output.read_text())


def test_a_storm_without_postgresql_is_reported_not_run(tmp_path: Path) -> None:
    done, result = bench(tmp_path, "--only", "storm", postgres="postgres://postgres@127.0.0.1:1/postgres")
    assert result["figures"]["storm"] == {"unavailable": result["figures"]["storm"]["unavailable"]}
    assert "PostgreSQL not reachable at 127.0.0.1:1" in result["figures"]["storm"]["unavailable"]
    assert "(f) storm on PostgreSQL" in done.stdout and "not run" in done.stdout


@on_postgresql
def test_quick_storm_on_postgresql_stores_every_event_once_on_every_deployment(tmp_path: Path) -> None:
    done, result = bench(tmp_path, "--only", "storm", postgres=POSTGRES_URL)
    storm = result["figures"]["storm"]
    assert storm["integrity"] == {"sent": storm["integrity"]["sent"], "exactly_once": True, "problems": []}
    deployments = ["1 process", "2 processes"] + (["2 hosts + haproxy"] if storm["haproxy"] == "present" else [])
    assert [(run["topology"], run["events_per_push"]) for run in storm["runs"]] == [
        (name, batch) for name in deployments for batch in (1, 6)]
    assert storm["integrity"]["sent"] == 60 * len(storm["runs"])
    for run in storm["runs"]:
        assert run["events"] == 60 and run["pushes"] == 60 // run["events_per_push"]
        assert run["locks"]["samples"] > 0 and 0 <= run["locks"]["log_lock_busy"] <= run["locks"]["any_lock_busy"] <= 1
        assert 0 <= run["projected_after_s"] < 60  # the review queue caught up with the storm before the next
    if log_lock_key() is not None:  # a log that still takes its lock was seen holding it
        assert max(run["locks"]["log_lock_busy"] for run in storm["runs"]) > 0
    assert "review queue folded" in done.stdout
    assert "(f): every event stored once" in done.stdout and "(f) 1/push, 2 processes vs 1" in done.stdout
    earlier = storm["then"]  # the filing's code against today's, in alternating rounds of this run (bench.then)
    assert earlier["commit"] == then.THEN and "(f) 1/push, 1 process vs the code at the filing" in done.stdout
    if "unavailable" in earlier:  # only a clone without that commit may leave it out; a failed round is red
        assert earlier["unavailable"] == "git not present" or earlier["unavailable"].startswith(f"commit {then.THEN}")
    else:
        assert [r["code"] for r in earlier["rounds"]] == [then.THEN, then.TODAY]
        assert all(r["exactly_once"] and (r["topology"], r["events_per_push"], r["events"]) == ("1 process", 1, 60)
                   for r in earlier["rounds"])
    if storm["haproxy"] != "present":
        assert "haproxy not present" in done.stdout


async def _hold_lock_then_release(url: str, key: int) -> dict:
    holder = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        with LockSampler(url) as sampler:
            await holder.execute("SELECT pg_advisory_lock($1)", key)
            await asyncio.sleep(0.4)
            await holder.execute("SELECT pg_advisory_unlock($1)", key)
            time.sleep(0.4)  # the sampler's own thread keeps sampling the released lock
        return sampler.figures()
    finally:
        await holder.close()


@on_postgresql
def test_the_lock_sampler_measures_the_share_of_time_a_lock_is_held(monkeypatch) -> None:
    from sync import group

    async def measure() -> tuple[dict, dict]:
        async with BenchDatabase(POSTGRES_URL) as url:
            held = await _hold_lock_then_release(url, group.ORDER_LOCK_KEY)
            monkeypatch.delattr(group, "ORDER_LOCK_KEY")  # the lock-free log: no such key in the code
            return held, await _hold_lock_then_release(url, 0x7E57)

    held, lock_free = asyncio.run(measure())
    assert 0.25 < held["log_lock_busy"] < 0.75 and held["any_lock_busy"] == held["log_lock_busy"]
    assert lock_free["log_lock"].startswith("absent") and lock_free["log_lock_busy"] == 0.0
    assert 0.25 < lock_free["keys"]["advisory key 0x7e57"]["busy"] < 0.75


def test_the_pouchdb_peer_replicates_every_document_or_says_it_is_not_installed(tmp_path: Path) -> None:
    done, result = bench(tmp_path, "--only", "peer")
    figures = result["figures"]["peer"]
    if peer.missing() is None:
        assert figures["documents"] == 60 and figures["seconds"] > 0
        assert "(g) 60 events: PouchDB replication / ivlog push" in done.stdout
        assert "ivlog: the storm did not run" in done.stdout
    else:
        assert figures == {"unavailable": peer.missing()} and "not installed" in figures["unavailable"]
        assert "(g) PouchDB peer" in done.stdout and "not installed" in done.stdout


def test_the_rounds_against_the_filing_send_events_its_code_knew() -> None:
    """The filing's code refuses a field it never had, so its rounds (and today's beside them) leave those out."""
    common = dict(visit_id=uuid.uuid4(), patient_id=1, order_id=1, started=datetime(2026, 12, 5, 9, tzinfo=timezone.utc),
                  first_seq=1, count=10)
    today = {e["kind"]: e["payload"] for e in clinical_events.visit_events(**common)}
    filing = {e["kind"]: e["payload"] for e in clinical_events.visit_events(**common, era="filing")}
    assert "identity" in today["assessment"] and "identity" not in filing["assessment"]
    assert {kind: payload for kind, payload in filing.items() if kind not in clinical_events.SINCE_FILING} == {
        kind: payload for kind, payload in today.items() if kind not in clinical_events.SINCE_FILING}
