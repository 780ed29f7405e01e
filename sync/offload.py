"""Reading push bodies in a worker process, beside the event loop (`sync.reading`).

Reading a push (the JSON, the envelope, every event's envelope, content check and digest) is
most of its CPU, and needs no database. The event loop's process also speaks HTTP and writes
the log; a second process reads bodies meanwhile, so that a rush of tablets uses a second core.

The worker only reads: it holds no connection and writes nothing. If it fails or dies, the body
is read again here (the same code, so the same answer) and a new worker is started for the next
push: no push is lost to the worker. Small bodies are read here, where the trip to the worker
would cost more than it saves; so are bodies whose check is not a plain importable function.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sync.errors import SyncError
from sync.reading import Check, Reading, Verdict, read_body, read_envelope, read_request, verdicts_of

MIN_BYTES = 8 * 1024  # about 25 events: below this a body is read here (measured: bench/, target (c))

logger = logging.getLogger("ivlog.sync")


class Reader:
    """Where push bodies are read: in `workers` worker processes (0: in this process only)."""

    def __init__(self, *, workers: int = 1, min_bytes: int = MIN_BYTES) -> None:
        self.workers, self.min_bytes = workers, min_bytes
        self.offloaded = 0  # bodies the worker read (a figure for tests)
        self._pool: ProcessPoolExecutor | None = None

    def start(self, check: Check) -> None:
        """Start the worker now, and have it import `check`'s module (about a second) before
        the first push needs it. Idempotent: many apps of one process share one worker."""
        if self.workers and self._pool is None and _importable(check):
            # spawn, not fork: the server has threads (the database's) and a fork would copy its memory
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            self._pool.submit(_warm, check)

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def read(self, body: bytes, check: Check) -> Reading:
        """The body read (`sync.reading`), or the SyncError that refuses the push. The worker
        makes the events' digests and content checks while this process reads the envelope."""
        pool = self._pool
        if pool is None or len(body) < self.min_bytes or not _importable(check):
            return read_body(body, check)
        try:
            pending = asyncio.wrap_future(pool.submit(verdicts_of, body, check))
        except RuntimeError:  # the pool broke or was shut down since the last push
            self._replace(pool)
            return read_body(body, check)
        pending.add_done_callback(_consume)
        request, check_text = read_envelope(body)  # a refused envelope is refused at once
        return read_request(request, check, check_text=check_text, verdicts=await self._verdicts(pending, pool))

    async def _verdicts(self, pending: asyncio.Future[list[Verdict]], pool: ProcessPoolExecutor) -> list[Verdict] | None:
        """The worker's verdicts, or None: the events are then checked here (never a lost push)."""
        try:
            verdicts = await pending
        except SyncError:
            return None  # this process finds the same fault in the events and refuses the push itself
        except Exception as error:  # the worker died or failed
            logger.warning("reading worker failed (%s); the push is checked in the server process",
                           type(error).__name__)  # the type only: a message could quote the body
            self._replace(pool)
            return None
        self.offloaded += 1
        return verdicts

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            broken.shutdown(wait=False, cancel_futures=True)


def _importable(check: Check) -> bool:
    """A plain module-level function: the worker can import it by name (a bound method cannot go)."""
    return inspect.isfunction(check) and "<locals>" not in check.__qualname__ and check.__module__ != "__main__"


def _consume(pending: asyncio.Future) -> None:
    """A push refused before its verdicts came back leaves them unread: mark them read."""
    if not pending.cancelled():
        pending.exception()


def _warm(check: Check) -> None:
    """Runs in the worker: unpickling `check` imported its module; nothing else to do."""
