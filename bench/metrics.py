"""Measuring: resident memory of a process, sampled while work runs, and latency percentiles.

Memory is read from /proc/PID/status (VmRSS) by a background thread, because the figure that
matters is the peak during a push, not what is left after the garbage collector has run.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of `pid` (this process by default) and all its descendants, in MiB:
    a server with several worker processes is measured whole."""
    root = pid or os.getpid()
    return sum(_own_rss_mb(p) for p in [root, *_descendants(root)])


def _own_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:  # a worker that just exited
        return 0.0
    raise RuntimeError("VmRSS not found: /proc is needed to measure memory")


def _descendants(pid: int) -> list[int]:
    children: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                children += [int(child) for child in listing.read().split()]
        except FileNotFoundError:
            continue
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by `pid` and its descendants that are still running."""
    return sum(_own_cpu_seconds(p) for p in [pid, *_descendants(pid)])


def _own_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in clock ticks


class CpuClock:
    """CPU seconds a process spent during the block: where a latency figure's time went."""

    def __init__(self, pid: int) -> None:
        self.pid, self.seconds = pid, 0.0

    def __enter__(self) -> "CpuClock":
        self._start = cpu_seconds(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = cpu_seconds(self.pid) - self._start


def postgres_cpu_seconds() -> float:
    """CPU time used so far by this machine's PostgreSQL processes (the bench's database server)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() != "postgres":
                        continue
            except (FileNotFoundError, ProcessLookupError):
                continue
            total += _own_cpu_seconds(int(entry))
    return total


class CpuShares:
    """Where a storm's CPU went: the servers, PostgreSQL, and the load generator (this process).
    On a machine with as many cores as servers, the last two are what a second process competes with."""

    def __init__(self, server_pids: list[int]) -> None:
        self.clocks = [CpuClock(pid) for pid in server_pids]
        self.figures: dict[str, float] = {}

    def __enter__(self) -> "CpuShares":
        for clock in self.clocks:
            clock.__enter__()
        self._postgres, self._own = postgres_cpu_seconds(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        for clock in self.clocks:
            clock.__exit__()
        self.figures = {"server_cpu_seconds": round(sum(clock.seconds for clock in self.clocks), 2),
                        "postgres_cpu_seconds": round(postgres_cpu_seconds() - self._postgres, 2),
                        "load_generator_cpu_seconds": round(time.process_time() - self._own, 2)}


class RssSampler:
    """Samples VmRSS of a process every `interval` seconds until stopped; keeps start and peak."""

    def __init__(self, pid: int | None = None, interval: float = 0.01) -> None:
        self.pid, self.interval = pid or os.getpid(), interval
        self.start_mb = self.peak_mb = self.end_mb = rss_mb(self.pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return  # the process ended; keep what was seen

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.end_mb = rss_mb(self.pid)
        except (FileNotFoundError, ProcessLookupError):
            self.end_mb = self.peak_mb
        self.peak_mb = max(self.peak_mb, self.end_mb)

    def figures(self) -> dict[str, float]:
        return {"rss_before_mb": round(self.start_mb, 1), "rss_after_mb": round(self.end_mb, 1),
                "rss_peak_mb": round(self.peak_mb, 1), "rss_growth_mb": round(self.peak_mb - self.start_mb, 1)}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation): p95 of 200 values is the 190th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    return {name: round(percentile(seconds, q) * 1000, 1) for name, q in
            (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99), ("max_ms", 1.0))}


def python_speed_ms(repeats: int = 5) -> float:
    """Milliseconds a pure-Python loop of a million additions takes on this machine now, best of
    `repeats`: the speed every other figure of the run depends on. A shared virtual machine's
    speed drifts from day to day (a loop like this one has run four to six times slower on some
    days than on others), so a latency compares only with one measured at the same speed."""
    best = math.inf
    for _ in range(repeats):
        started, total = time.perf_counter(), 0
        for step in range(1_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


@dataclass
class Stopwatch:
    """`with Stopwatch() as watch: ...; watch.seconds`."""

    seconds: float = 0.0

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start

