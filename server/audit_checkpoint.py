"""Bring the audit anchor forward: at start, at intervals, every N entries, and at shutdown.

Only committed entries are anchored (the head is read from the database, never taken from an
append that might still roll back), and only after the entries since the last checkpoint
verify, so a tampered chain is reported in the log and never signed.
"""

from __future__ import annotations

import asyncio
import logging
import time

from server import audit
from server.audit_anchor import AnchorInvalid, Checkpoint, load, sign, store
from server.audit_verify import VerifyResult, walk
from server.db.models import AuditEntry

logger = logging.getLogger("ivlog.audit")
POLL_S = 1.0


async def advance() -> VerifyResult:
    """Verify the entries after the newest checkpoint and sign a new one at the committed head."""
    config = audit.config()
    audit.appended_since_checkpoint(reset=True)
    if config.anchor_path is None:
        return VerifyResult(checked=0)
    try:
        anchor = load(config.anchor_path, config.keys)
    except AnchorInvalid as exc:
        logger.error("audit checkpoint not moved: %s", exc)
        return VerifyResult(checked=0, broken_at=0, reason=str(exc))
    result = await _since(anchor)
    if not result.ok:
        logger.error("audit checkpoint not moved: the chain is broken at entry %s: %s", result.broken_at, result.reason)
        return result
    if result.head_id > (anchor.last_id if anchor else 0):
        store(config.anchor_path, sign(last_id=result.head_id, last_hash=result.head_hash, keys=config.keys),
              config.keys)
    return result


async def _since(anchor: Checkpoint | None) -> VerifyResult:
    keys = audit.config().keys
    if anchor is None:
        return await walk(keys, anchor=None)
    entry = await AuditEntry.get_or_none(id=anchor.last_id)
    if entry is None or entry.hash != anchor.last_hash:
        what = "is missing (the chain was cut short)" if entry is None else "has another hash (the chain was rewritten)"
        return VerifyResult(checked=0, broken_at=anchor.last_id, anchor=anchor,
                            reason=f"the entry the checkpoint of {anchor.at} names {what}")
    return await walk(keys, anchor=anchor, after_id=anchor.last_id, after_hash=anchor.last_hash)


class Checkpointer:
    """The server's background task; every process runs one (the file keeps the furthest)."""

    def __init__(self, *, interval_s: float) -> None:
        self.interval_s = interval_s
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-checkpoint")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await advance()
        except Exception:  # a database gone at shutdown: the last checkpoint stays, and says how far it saw
            logger.exception("audit checkpoint at shutdown failed")

    async def _run(self) -> None:
        last = float("-inf")  # the first round runs at once: a server anchors the chain it starts on
        while True:
            due = time.monotonic() - last >= self.interval_s
            if due or audit.appended_since_checkpoint() >= audit.config().checkpoint_every:
                last = time.monotonic()
                try:
                    await advance()
                except Exception:  # logged loudly; the next round tries again, the server keeps serving
                    logger.exception("audit checkpoint failed")
            await asyncio.sleep(POLL_S)
