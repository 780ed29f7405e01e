"""Judging the storm (f) and the PouchDB peer (g) against issue 19's targets, in the bench's table.

"Today's" events per second at one event per push is the filing's code measured in alternating
rounds with today's in the same run (bench.then), never a stored figure: the machine's speed swings
too much between runs.
"""

from __future__ import annotations

from typing import Any

from bench import then
from bench.report import Verdict

ONE, TWO, HOSTS = "1 process", "2 processes", "2 hosts + haproxy"


def _find(storm: dict[str, Any], topology: str, batch: int) -> dict[str, Any] | None:
    return next((run for run in storm["runs"] if run["topology"] == topology and run["events_per_push"] == batch), None)


def _run_rows(run: dict[str, Any]) -> list[Verdict]:
    name = f"(f) storm {run['tablets']} tablets, {run['events_per_push']}/push, {run['topology']}"
    latency, locks = run["latency"], run["locks"]
    keys = ", ".join(f"{key.split(' (')[0]} {figures['busy']:.0%}" for key, figures in locks["keys"].items())
    one = run["topology"] == ONE
    caught_up = run.get("projected_after_s")  # absent from results written before it was measured
    queue = "" if caught_up is None else f"; review queue folded {caught_up:.1f} s after"
    return [
        Verdict(name, f"{run['events_per_s']:,.0f} ev/s",
                f"p95 {latency['p95_ms']:.0f} ms, p50 {latency['p50_ms']:.0f} ms{queue}", f"{run['wall_seconds']:.2f} s",
                f"{run['pushes']:,} pushes", None),
        Verdict(f"{name}: lock busy", f"{locks['any_lock_busy']:.0%}",
                f"{keys or 'no advisory lock held'}; log lock {locks['log_lock']}; "
                f"{locks['samples']} samples, 1 per {locks['sample_every_ms']} ms",
                "", "<= 25%" if one else "", locks["any_lock_busy"] <= 0.25 if one else None),
    ]


def _then_row(storm: dict[str, Any], small: int) -> list[Verdict]:
    """Today's code against the filing's, at one event per push on one process, in alternating rounds
    of this run (bench.then)."""
    earlier = storm.get("then")
    name = f"(f) {small}/push, 1 process vs the code at the filing"
    if earlier is None:
        return []
    if "unavailable" in earlier:
        return [Verdict(name, "not measured", f"{earlier['commit']}: {earlier['unavailable']}", "", ">= 2x", None)]
    rates = earlier["events_per_s"]
    rounds = ", ".join(f"{r['code']} {r['events_per_s']:,.0f}" for r in earlier["rounds"])
    once = all(r["exactly_once"] for r in earlier["rounds"])
    detail = (f"{earlier['commit']}: {rates[then.THEN]:,.0f} ev/s; rounds {rounds} ev/s"
              + ("" if once else "; NOT stored exactly once"))
    return [Verdict(name, f"{rates[then.TODAY]:,.0f} ev/s", detail, f"{earlier['ratio']:.2f}x", ">= 2x",
                    earlier["ratio"] >= 2 and once)]


def _target_rows(storm: dict[str, Any], small: int) -> list[Verdict]:
    one, two, hosts = _find(storm, ONE, small), _find(storm, TWO, small), _find(storm, HOSTS, small)
    rows = _then_row(storm, small)
    if one and two:
        ratio = two["events_per_s"] / one["events_per_s"]
        rows.append(Verdict(f"(f) {small}/push, 2 processes vs 1", f"{two['events_per_s']:,.0f} ev/s",
                            f"{one['events_per_s']:,.0f} ev/s", f"{ratio:.2f}x", ">= 1.3x", ratio >= 1.3))
    if one and hosts:
        ratio = hosts["events_per_s"] / one["events_per_s"]
        rows.append(Verdict(f"(f) {small}/push, 2 hosts + haproxy vs 1 process", f"{hosts['events_per_s']:,.0f} ev/s",
                            f"{one['events_per_s']:,.0f} ev/s", f"{ratio:.2f}x", "", None))
    if storm["haproxy"] != "present":
        rows.append(Verdict("(f) 2 hosts behind a load balancer", storm["haproxy"], "install Debian's haproxy", "", "",
                            None))
    return rows


def storm_verdicts(storm: dict[str, Any]) -> list[Verdict]:
    if "unavailable" in storm:
        return [Verdict("(f) storm on PostgreSQL", "not run", storm["unavailable"], "", "", None)]
    rows = [row for run in storm["runs"] for row in _run_rows(run)]
    small = min(run["events_per_push"] for run in storm["runs"])
    integrity = storm["integrity"]
    once = Verdict("(f): every event stored once", f"{integrity['sent']:,} sent",
                   "; ".join(integrity["problems"]) or "0 lost, 0 duplicated", "", "must", integrity["exactly_once"])
    return rows + [once] + _target_rows(storm, small)


def ivlog_push(storm: dict[str, Any] | None) -> dict[str, Any] | None:
    """ivlog's time for the same events: the storm on one process, all of a tablet's events per push."""
    if not storm or "runs" not in storm:
        return None
    runs = [run for run in storm["runs"] if run["topology"] == ONE]
    return max(runs, key=lambda run: run["events_per_push"]) if runs else None


def peer_verdicts(peer: dict[str, Any], storm: dict[str, Any] | None) -> list[Verdict]:
    if "unavailable" in peer:
        return [Verdict("(g) PouchDB peer", "not installed", peer["unavailable"], "", ">= 5x", None)]
    name = f"(g) {peer['documents']:,} events: PouchDB replication / ivlog push"
    ours = ivlog_push(storm)
    if ours is None:
        return [Verdict(name, f"{peer['seconds']:.2f} s", "ivlog: the storm did not run", "", ">= 5x", None)]
    ratio = peer["seconds"] / ours["wall_seconds"]
    return [Verdict(name, f"{peer['seconds']:.2f} s vs {ours['wall_seconds']:.2f} s",
                    f"{peer['docs_per_s']:,.0f} vs {ours['events_per_s']:,.0f} ev/s "
                    f"({ours['events_per_push']}/push, 1 process)", f"{ratio:.1f}x", ">= 5x", ratio >= 5)]


def verdicts(figures: dict[str, Any]) -> list[Verdict]:
    """The storm's and the peer's rows, for bench.report.verdicts."""
    storm, rows = figures.get("storm"), []
    if storm is not None:
        rows += storm_verdicts(storm)
    if "peer" in figures:
        rows += peer_verdicts(figures["peer"], storm)
    return rows
