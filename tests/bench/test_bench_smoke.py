"""The benchmark's machinery works: a quick run completes, proves exactly-once, writes its JSON.

No timing is asserted here: speed targets live in `make bench`, where they are reported
against a baseline measured in the same run. What must never regress is the proof itself,
so the integrity checker is also shown to catch a lost and a duplicated event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from bench.integrity import Integrity, check_pulled, check_results

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_stores_every_event_exactly_once_and_writes_json(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    # the storm (f) is PostgreSQL's and runs in test_storm_smoke; here it must say it could not run
    env = {**os.environ, "IVLOG_BENCH_POSTGRES_URL": "postgres://postgres@127.0.0.1:1/postgres"}
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--output", str(output)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(c): every event stored once" in done.stdout
    assert "(f) storm on PostgreSQL" in done.stdout and "PostgreSQL not reachable at 127.0.0.1:1" in done.stdout
    assert "(g) " in done.stdout
    assert "machine speed: 1M additions in a Python loop" in done.stdout
    result = json.loads(output.read_text())
    assert result["scale"] == "quick" and result["exactly_once"] is True
    figures = result["figures"]
    assert set(figures["machine"]) == {"python_loop_ms_before", "python_loop_ms_after"}
    assert all(ms > 0 for ms in figures["machine"].values())
    assert figures["inprocess"]["push"]["events"] == figures["inprocess"]["pull"]["events"] == 1000
    assert figures["inprocess"]["payer_proof"]["seconds"] > 0 and "(e) payer proof, one 100-entry visit" in done.stdout
    assert figures["load"]["devices"] == 20 and figures["load"]["events"] == 200
    assert {row["result"] for row in result["targets"]} <= {"PASS", "FAIL", "info"}
    for part in ("inprocess", "load"):
        assert figures[part]["integrity"] == {"sent": figures[part]["integrity"]["sent"], "exactly_once": True,
                                              "problems": []}


def test_the_proof_catches_a_lost_and_a_duplicated_event() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    integrity = Integrity(sent=3)
    check_pulled(integrity, [{"id": ids[0], "server_seq": 1}, {"id": ids[0], "server_seq": 2}], set(ids))
    answers = [{"id": ids[0], "status": "accepted"}, {"id": ids[1], "status": "accepted"},
               {"id": ids[2], "status": "quarantined"}]
    check_results(integrity, answers, set(ids))
    assert not integrity.ok
    assert integrity.problems == [
        "pull: 2 event id(s) missing", "pull: 1 event id(s) duplicated",
        "push results: not all accepted: {'accepted': 2, 'quarantined': 1}",
    ]


def test_a_lost_event_makes_the_benchmark_exit_non_zero(tmp_path: Path, monkeypatch) -> None:
    from bench import __main__ as bench_main

    lost = {"sent": 2, "exactly_once": False, "problems": ["database: 1 event id(s) missing"]}
    load = {"devices": 1, "events": 2, "wall_seconds": 0.1, "events_per_s": 20, "server_cpu_seconds": 0.05,
            "rss_before_mb": 50.0,
            "rss_peak_mb": 51.0, "integrity": lost,
            "latency": {"p50_ms": 1.0, "p95_ms": 1.0, "p99_ms": 1.0, "max_ms": 1.0},
            "empty_pull": {"p50_ms": 1.0, "p95_ms": 1.0, "p99_ms": 1.0, "max_ms": 1.0}}
    monkeypatch.setattr(bench_main, "_measure", lambda scale, only, storm_plan: {"load": load})
    assert bench_main.main(["--quick", "--output", str(tmp_path / "latest.json")]) == 1
    assert json.loads((tmp_path / "latest.json").read_text())["exactly_once"] is False
