"""Judging the figures against DESIGN section 7 and printing them: one table, one JSON file.

Targets are PASS/FAIL lines for people to read; only a broken guarantee (an event lost or
stored twice) makes the benchmark fail, because speed varies with the machine and a slow run
is information, while a lost infusion record is a defect.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


@dataclass(frozen=True)
class Verdict:
    name: str
    measured: str
    baseline: str
    ratio: str
    limit: str
    passed: bool | None  # None: reported for information, no target

    @property
    def word(self) -> str:
        return "info" if self.passed is None else ("PASS" if self.passed else "FAIL")


def _pushes(count: int) -> str:
    return "1 push" if count == 1 else f"{count} pushes"


def _push_verdicts(push: dict[str, Any]) -> list[Verdict]:
    rows = [
        Verdict(f"(a) push {push['events']:,} events in {_pushes(push['batches'])}", f"{push['seconds']:.3f} s",
                f"{push['baseline_seconds']:.3f} s", f"{push['ratio']:.1f}x", "<= 6x", push["ratio"] <= 6),
        Verdict(f"(a) the same {push['events']:,} events in ONE push", f"HTTP {push['single_push_status']}",
                "protocol caps a push at 5,000 (DESIGN 5)", "", "", None),
        Verdict("(a) push memory growth (peak)", f"{push['rss_growth_mb']:.1f} MB",
                f"{push['rss_before_mb']:.0f} MB", "", "< 100 MB", push["rss_growth_mb"] < 100),
    ]
    return [row for row in rows if push["single_push_status"] is not None or "ONE push" not in row.name]


def _pull_verdicts(pull: dict[str, Any]) -> list[Verdict]:
    empty = pull["empty_pull"]
    return [
        Verdict(f"(b) pull {pull['events']:,} events (pages {pull['page']:,})", f"{pull['seconds']:.3f} s",
                f"{pull['baseline_seconds']:.3f} s", f"{pull['ratio']:.1f}x", "<= 4x", pull["ratio"] <= 4),
        Verdict("(b) empty pull in-process p50/p95", f"{empty['p50_ms']:.1f}/{empty['p95_ms']:.1f} ms", "", "",
                "", None),
    ]


def _load_verdicts(load: dict[str, Any]) -> list[Verdict]:
    latency, empty = load["latency"], load["empty_pull"]
    spread = f"p50 {latency['p50_ms']:.0f} / p99 {latency['p99_ms']:.0f} ms"
    return [
        Verdict(f"(c) {load['devices']} devices x {load['events'] // load['devices']} events: p95",
                f"{latency['p95_ms']:.0f} ms", spread, "", "<= 500 ms", latency["p95_ms"] <= 500),
        Verdict("(c) rush wall time / throughput", f"{load['wall_seconds']:.2f} s",
                f"{load['events_per_s']:,} ev/s", "", "", None),
        Verdict("(c) server CPU during the rush", f"{load['server_cpu_seconds']:.2f} s",
                f"{load['server_cpu_seconds'] / load['wall_seconds']:.0%} of the wall time", "", "", None),
        Verdict("(c) server RSS peak (uvicorn)", f"{load['rss_peak_mb']:.1f} MB",
                f"{load['rss_before_mb']:.0f} MB idle", "", "< 200 MB", load["rss_peak_mb"] < 200),
        Verdict("(c) empty pull p95 (uvicorn)", f"{empty['p95_ms']:.1f} ms", f"p50 {empty['p50_ms']:.1f} ms",
                "", "<= 20 ms", empty["p95_ms"] <= 20),
    ]


def _once(label: str, integrity: dict[str, Any]) -> Verdict:
    detail = "; ".join(integrity["problems"]) or "0 lost, 0 duplicated"
    return Verdict(f"{label}: every event stored once", f"{integrity['sent']:,} sent", detail, "", "must",
                   integrity["exactly_once"])


def _machine_verdict(machine: dict[str, Any]) -> Verdict:
    """The machine's speed during the run: latencies measured on different days compare only through it."""
    return Verdict("machine speed: 1M additions in a Python loop", f"{machine['python_loop_ms_before']:.0f} ms",
                   f"{machine['python_loop_ms_after']:.0f} ms after the run", "", "", None)


def verdicts(figures: dict[str, Any]) -> list[Verdict]:
    rows: list[Verdict] = [_machine_verdict(figures["machine"])] if "machine" in figures else []
    if "inprocess" in figures:
        rows += _push_verdicts(figures["inprocess"]["push"]) + _pull_verdicts(figures["inprocess"]["pull"])
        rows.append(_once("(a)+(b)", figures["inprocess"]["integrity"]))
        rows.append(_pdf_verdict(figures["inprocess"]["summary_pdf"]))
        if "payer_proof" in figures["inprocess"]:
            rows.append(_payer_verdict(figures["inprocess"]["payer_proof"]))
    if "load" in figures:
        rows += _load_verdicts(figures["load"]) + [_once("(c)", figures["load"]["integrity"])]
    if "pwa" in figures:
        rows += _pwa_verdicts(figures["pwa"])
    if "storm" in figures or "peer" in figures:
        from bench import storm_report  # (f) and (g) build on Verdict, defined here

        rows += storm_report.verdicts(figures)
    return rows


def _pdf_verdict(summary: dict[str, Any]) -> Verdict:
    return Verdict(f"(e) summary PDF, {summary['entries']}-entry visit", f"{summary['seconds'] * 1000:.0f} ms",
                   "", "", "<= 1000 ms", summary["seconds"] <= 1.0)


def _payer_verdict(proof: dict[str, Any]) -> Verdict:
    """A full export (max_visits such visits) in at most 10 s: 100 ms a visit."""
    export_s = proof["seconds"] * proof["max_visits"]
    return Verdict("(e) payer proof, one 100-entry visit", f"{proof['seconds'] * 1000:.0f} ms",
                   f"a {proof['max_visits']}-visit export: {export_s:.1f} s", "", "<= 100 ms", proof["seconds"] <= 0.1)


def _pwa_verdicts(pwa: dict[str, Any]) -> list[Verdict]:
    """The tablet's targets (DESIGN section 7), measured in Chromium by bench/pwa.py."""
    ok, targets = pwa["verdicts"], pwa["targets"]
    sync = pwa["long_visit_sync"]
    return [
        Verdict("(d) tablet app shell, uncompressed", f"{pwa['shell']['kb']} KB", "", "",
                f"<= {targets['shell_kb']} KB", ok["shell"]),
        Verdict("(d) offline cold start to visit screen", f"{pwa['cold_start']['total_ms']} ms", "", "",
                f"<= {targets['cold_start_ms']} ms", ok["cold_start"]),
        Verdict("(d) save one entry (encrypted + outbox) p95", f"{pwa['save']['p95_ms']} ms", "", "",
                f"<= {targets['save_p95_ms']} ms", ok["save_p95"]),
        Verdict("(d) a 6-hour visit syncs in one request", f"{sync['push_requests']} request(s)", "", "",
                "1", ok["long_visit_in_one_request"]),
    ]


def exactly_once(figures: dict[str, Any]) -> bool:
    """Every sync part that ran stored each event exactly once (the tablet part checks itself; a storm
    without PostgreSQL has no integrity to show and says so in its row)."""
    parts = [figures[key]["integrity"] for key in ("inprocess", "load", "storm") if "integrity" in figures.get(key, {})]
    return all(part["exactly_once"] for part in parts)


def table(rows: list[Verdict]) -> str:
    header = ("target", "measured", "baseline / detail", "ratio", "limit", "result")
    cells = [header] + [(r.name, r.measured, r.baseline, r.ratio, r.limit, r.word) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def document(figures: dict[str, Any], rows: list[Verdict], scale: str) -> dict[str, Any]:
    return {
        "scale": scale,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "figures": figures,
        "targets": [{**asdict(row), "result": row.word} for row in rows],
        "exactly_once": exactly_once(figures),
    }


def write(document_: dict[str, Any], path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document_, indent=2) + "\n")
    return path
