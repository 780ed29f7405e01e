"""`python -m bench` (make bench): DESIGN section 7's server targets, measured in one run.

(a) a 10,000-event push through HTTP vs raw sqlite3 executemany, and the memory it costs;
(b) pulling it back vs raw SELECT + json.dumps, and an empty pull;
(c) 200 tablets pushing 50 events at once to a real uvicorn, with latency percentiles,
    server memory, and proof that every event was stored exactly once;
(f) the storm on PostgreSQL: 200 tablets x 50 events, 1 and 50 events per push, on 1 process,
    2 processes and 2 hosts behind haproxy, with the share of time under the log's lock;
(g) the peer: the same 10,000 events replicated by PouchDB to a CouchDB-protocol server;
and the machine's speed before and after, since every figure depends on it.
Exit status: 0 when every event was stored exactly once (slow is reported, not fatal);
1 when an event was lost or duplicated or the system under test broke.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import inprocess, load, peer, profiling, report, storm, wire
from bench.client import BenchBroken
from bench.clinical_events import ERAS
from bench.metrics import python_speed_ms
from bench.scale import FULL, QUICK, Scale


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size (the smoke test's run)")
    parser.add_argument("--only", choices=["inprocess", "load", "pwa", "storm", "peer"], action="append",
                        help="run this part only (repeat for several: --only storm --only peer)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the in-process push and pull into bench/results/ (slows them)")
    parser.add_argument("--storm-deployment", choices=storm.topology.TOPOLOGIES, action="append",
                        help="(f) on this deployment only (bench.then measures the filing's code so)")
    parser.add_argument("--storm-per-push", type=int, action="append", help="(f) at this many events per push only")
    parser.add_argument("--storm-events", choices=ERAS, default="today",
                        help="(f) the events' shape: today's, or the filing's (bench.then sends both codes those)")
    parser.add_argument("--output", type=Path, default=report.RESULTS, help="where to write the JSON results")
    return parser


def _measure(scale: Scale, only: list[str] | None, storm_plan: storm.Plan) -> dict[str, Any]:
    figures: dict[str, Any] = {"machine": {"python_loop_ms_before": python_speed_ms()}}
    if not only or "inprocess" in only:
        with tempfile.TemporaryDirectory(prefix="ivlog-bench-a-") as workdir:
            figures["inprocess"] = asyncio.run(inprocess.run(Path(workdir), scale))
    if (not only or "pwa" in only) and scale.name != "quick":  # a browser run: full bench only
        from bench import pwa

        figures["pwa"] = pwa.run()
    if not only or "load" in only:
        with tempfile.TemporaryDirectory(prefix="ivlog-bench-c-") as workdir:
            figures["load"] = wire.run_tablets(load.run(Path(workdir), scale))
    storm_scale = storm.QUICK if scale.name == "quick" else storm.FULL
    if not only or "storm" in only:
        with tempfile.TemporaryDirectory(prefix="ivlog-bench-f-") as workdir:
            figures["storm"] = wire.run_tablets(storm.run(Path(workdir), storm_scale, storm_plan))
    if not only or "peer" in only:
        with tempfile.TemporaryDirectory(prefix="ivlog-bench-g-") as workdir:
            figures["peer"] = peer.run(Path(workdir), storm_scale)
    figures["machine"]["python_loop_ms_after"] = python_speed_ms()
    return figures


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scale = QUICK if args.quick else FULL
    if args.profile:
        profiling.enable(args.output.parent)
    print(f"ivlog bench ({scale.name}): measuring, this takes {'~1 min' if args.quick else '~8 min'}...", flush=True)
    try:
        figures = _measure(scale, args.only, storm.Plan(args.storm_deployment, args.storm_per_push, args.storm_events))
    except BenchBroken as broken:
        print(f"BROKEN: {broken}", file=sys.stderr)
        return 1
    rows = report.verdicts(figures)
    path = report.write(report.document(figures, rows, scale.name), args.output)
    print(report.table(rows))
    print(f"results: {path}")
    if not report.exactly_once(figures):
        print("FAILED: events were lost or stored twice (see the table)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
