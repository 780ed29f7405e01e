"""The projector: folds pushed visits into their `Visit` rows shortly after the push, off the push path.

A push is acknowledged once its events are in the log; the Visit row (status, alert count,
flags for the pharmacist's queue) is a projection that can always be rebuilt from the log.
Folding a visit costs far more than storing its events, so it must not delay the answer a
tablet is waiting for, nor compete with a rush of tablets coming back online. The projector
therefore collects the visits pushes touched and folds each once when the pushes pause (none
in progress, none finished for `quiet` seconds), or after `patience` seconds at the latest,
and before each visit it gives way to requests being served (`busy`), for `give_way` seconds
at most, so that a tablet's sync arriving meanwhile is not queued behind a backlog of folds.

Nothing is lost if a fold fails (a locked database, a dropped connection) or the process dies
first (`kill -9` right after a push was acknowledged): that a visit needs folding is read from
the data, never kept only here (`projection_due`). Every `watch_every` seconds the projector looks
at what the log gained since its last look, whoever pushed it, and `takeover` seconds later folds
those visits that are still due: another process's pushes if that process died (or failed to fold),
this one's if its fold failed. Start-up folds every visit due, and so does a sweep every
`sweep_every` seconds, in case a look at the log itself failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable
from uuid import UUID

from server.db.models import Visit
from server.services import projection_due, visits
from sync import engine

logger = logging.getLogger("ivlog.projector")


class Projector:
    def __init__(self, *, quiet: float = 0.05, patience: float = 1.0, give_way: float = 0.25,
                 sweep_every: float = 300.0, watch_every: float = 1.0, takeover: float = 5.0,
                 busy: Callable[[], bool] = lambda: False) -> None:
        self.quiet, self.patience, self.give_way, self.busy = quiet, patience, give_way, busy
        self.sweep_every, self.watch_every, self.takeover = sweep_every, watch_every, takeover
        self._last_sweep = self._last_watch = time.monotonic()
        self._log = projection_due.LogWatch()
        self._pending: set[UUID] = set()
        self._seen: dict[UUID, float] = {}  # visits the log gained entries for (or whose fold failed), since when
        self._first_mark = 0.0
        self._last_mark = 0.0
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()
        self._settled = asyncio.Event()
        self._settled.set()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Fold every visit due (a process that died may have left some), then follow the log.
        The log's head is read first: what commits meanwhile is followed, not missed."""
        self._log = await projection_due.LogWatch.at_head()
        await visits.project_stale()
        self._last_sweep = self._last_watch = time.monotonic()
        self._task = asyncio.create_task(self._run(), name="ivlog-projector")

    async def stop(self) -> None:
        """Fold what is pending (a clean shutdown leaves nothing stale), then end the task."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def mark(self, visit_ids: set[UUID]) -> None:
        """These visits' logs grew: fold them soon. Never blocks the caller."""
        if not visit_ids:
            return
        now = time.monotonic()
        if not self._pending:
            self._first_mark = now
        self._pending |= visit_ids
        self._last_mark = now
        self._settled.clear()
        self._wake.set()

    async def settled(self) -> None:
        """Wait until every visit marked so far is folded (tests; shutdown)."""
        await self._settled.wait()

    async def flush(self) -> None:
        """Fold what is pending now, without waiting for the pushes to pause."""
        self._hurry.set()
        try:
            await self.settled()
        finally:
            self._hurry.clear()

    async def _run(self) -> None:
        while True:
            next_chore = min(self._last_watch + self.watch_every, self._last_sweep + self.sweep_every)
            if await self._woken_within(next_chore - time.monotonic()):
                await self._until_quiet()
                self._wake.clear()
                batch, self._pending = self._pending, set()
                await self._fold(batch)
                if not self._pending:
                    self._settled.set()
            if time.monotonic() >= self._last_watch + self.watch_every:
                await self._follow_log()
            if time.monotonic() >= self._last_sweep + self.sweep_every:
                await self._sweep()

    async def _woken_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._wake.wait(), max(seconds, 0.0))
        except TimeoutError:
            return False
        return True

    async def _follow_log(self) -> None:
        """Note the visits the log gained entries for since the last look, by any process; mark for
        folding those seen `takeover` seconds ago that are still due (their pusher died, or its fold
        failed). Their own process has folded them by then, as a rule: each visit is folded once."""
        now = self._last_watch = time.monotonic()
        try:
            for visit_id in await self._log.touched():
                self._seen.setdefault(visit_id, now)
            ripe = {visit_id for visit_id, seen in self._seen.items() if seen + self.takeover <= now}
            due = await projection_due.due(ripe)
        except Exception:
            logger.exception("could not follow the log; the next look (or the sweep) tries again")
            return
        for visit_id in ripe:
            del self._seen[visit_id]
        self.mark(due)

    async def _sweep(self) -> None:
        """Mark for folding every visit due (`projection_due.all_due`): folded like any pushed
        visit, one at a time, giving way to requests."""
        self._last_sweep = time.monotonic()
        try:
            self.mark(await projection_due.all_due())
        except Exception:
            logger.exception("could not look for stale visits; the next sweep looks again")

    async def _until_quiet(self) -> None:
        """Until no push is in progress and none came for `quiet` seconds, `patience` at most."""
        while not self._hurry.is_set():
            now = time.monotonic()
            if now >= self._first_mark + self.patience:
                return
            if now >= self._last_mark + self.quiet and engine.pushes_in_flight() == 0:
                return
            try:
                await asyncio.wait_for(self._hurry.wait(), max(self.quiet, 0.005))
            except TimeoutError:
                pass

    async def _fold(self, visit_ids: set[UUID]) -> None:
        for visit_id in visit_ids:  # read one at a time, after the requests: not all at once during a rush
            await self._after_requests()
            try:
                visit = await Visit.get_or_none(id=visit_id)
                if visit is not None:
                    await visits.project(visit)
            except Exception:  # the row stays stale: looked at again `takeover` seconds from now
                self._seen[visit_id] = time.monotonic()
                logger.exception("projection failed; the visit is folded again shortly")

    async def _after_requests(self) -> None:
        """Wait while requests are being served, `give_way` seconds at most (folding must progress)."""
        deadline = time.monotonic() + self.give_way
        while self.busy() and not self._hurry.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
