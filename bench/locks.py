"""How much of a storm's time a PostgreSQL advisory lock is held: the serial section, sampled.

A side connection reads `pg_locks` every few milliseconds from its own thread (and its own
event loop, so the tablets' loop cannot delay it) while the storm runs. A sample counts a key
as held when some backend has been granted it, and counts the backends queued behind it. The
share of samples in which the log's lock is held is the share of the storm's time the log is
serialised: the ceiling on what more processes can add.

The keys are read from the code, not copied: if a lock-free log has no ORDER_LOCK_KEY any more,
the log lock is reported as absent with a busy share of 0, and every other advisory lock seen
(the audit chain's, or a new one) is still reported under its key.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import asyncpg

SAMPLE_SQL = """
SELECT (classid::bigint << 32) | objid::bigint AS key, bool_or(granted) AS held,
       count(*) FILTER (WHERE NOT granted) AS waiting
FROM pg_locks
WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
GROUP BY 1
"""


def known_keys() -> dict[int, str]:
    """The advisory keys the code base defines today, by name; a missing one is simply absent."""
    from server import audit
    from sync import group

    named = {"log lock (sync.group.ORDER_LOCK_KEY)": getattr(group, "ORDER_LOCK_KEY", None),
             "audit chain lock (server.audit.CHAIN_LOCK_KEY)": getattr(audit, "CHAIN_LOCK_KEY", None)}
    keys: dict[int, str] = {}
    for name, key in named.items():
        if key is not None:  # the log and the audit chain may share one key: one entry, both names
            keys[key] = f"{keys[key]} = {name}" if key in keys else name
    return keys


def log_lock_key() -> int | None:
    from sync import group

    return getattr(group, "ORDER_LOCK_KEY", None)


class LockSampler:
    """`with LockSampler(url) as locks: storm()`; then `locks.figures()`."""

    def __init__(self, url: str, interval_s: float = 0.002) -> None:
        self.url, self.interval_s = url.replace("postgres://", "postgresql://", 1), interval_s
        self.samples = 0
        self.held: Counter[int] = Counter()
        self.waiting: Counter[int] = Counter()
        self.any_held = 0
        self.seconds = 0.0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-sampler", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._sample())
        except BaseException as error:  # re-raised by __exit__: a broken sampler breaks the bench
            self.error = error
            self._ready.set()

    async def _sample(self) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            statement = await connection.prepare(SAMPLE_SQL)
            self._ready.set()
            started = time.perf_counter()
            while not self._stop.is_set():
                self._count(await statement.fetch())
                await asyncio.sleep(self.interval_s)
            self.seconds = time.perf_counter() - started
        finally:
            await connection.close()

    def _count(self, rows: list[asyncpg.Record]) -> None:
        self.samples += 1
        self.any_held += any(row["held"] for row in rows)
        for row in rows:
            self.held[row["key"]] += bool(row["held"])
            self.waiting[row["key"]] += row["waiting"]

    def __enter__(self) -> "LockSampler":
        self._thread.start()
        self._ready.wait(timeout=10)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self.error is not None and exc[0] is None:
            raise self.error

    def figures(self) -> dict[str, Any]:
        names, log_key = known_keys(), log_lock_key()
        samples = max(self.samples, 1)
        keys = {names.get(key, f"advisory key {key:#x}"): {
            "busy": round(self.held[key] / samples, 3), "mean_waiting": round(self.waiting[key] / samples, 2)}
            for key in sorted(set(self.held) | set(self.waiting))}
        log_busy = round(self.held[log_key] / samples, 3) if log_key is not None else 0.0
        return {"samples": self.samples, "sample_every_ms": round(1000 * self.seconds / samples, 2),
                "log_lock": "present" if log_key is not None else "absent (no ORDER_LOCK_KEY in sync.group)",
                "log_lock_busy": log_busy, "any_lock_busy": round(self.any_held / samples, 3), "keys": keys}
