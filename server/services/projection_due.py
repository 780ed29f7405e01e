"""Which visits are due a fold, read from the data itself, so that any process can find them.

A visit is due when its row lags its log (`Visit.projected_seq` below the visit's last
`server_seq`) or when it holds entries kept aside that its row does not flag. Both facts are
written by the push's own transaction (its events, its held rows), and only the fold's own write
clears them (`visits.project` sets `projected_seq` and the flags together). So "this visit needs
folding" is as durable as the push: a process killed right after acknowledging one loses nothing,
another process following the log (`LogWatch`), or a new one's start-up, finds the visit due.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.functions import Max

from server.db.models import Visit
from sync.models import Event, Quarantine

STEP = 5_000  # log rows read by one look at the log, at most (a rush is followed in steps)
HELD_SLACK_S = 60.0  # a held entry is committed within this long of being numbered
HELD_FLAG = "quarantined"  # the flag `visits.project` sets on a visit holding unresolved entries

STALE_VISITS = (
    "SELECT v.id FROM visit v WHERE v.projected_seq < "
    "(SELECT COALESCE(MAX(e.server_seq), 0) FROM event e WHERE e.visit_id = v.id)"
)


@dataclass
class LogWatch:
    """Follows the log and the held entries. The log is numbered in commit order (`server_seq`,
    handed out under the log's lock, `sync.group`), so one mark suffices. A held entry's id is
    taken when it is written, which may be before another's commit with a lower id: those are
    followed from a floor that trails `HELD_SLACK_S` seconds behind, and told apart by id."""

    seq: int = 0  # the last `server_seq` seen
    held_floor: int = 0  # every held entry at or below this id has been seen
    held_seen: dict[int, float] = field(default_factory=dict)  # held entries above the floor: id -> when seen

    @classmethod
    async def at_head(cls) -> LogWatch:
        """From now on: what is already stored is found by `all_due` instead."""
        seq = await Event.all().annotate(top=Max("server_seq")).first().values_list("top", flat=True)
        held = await Quarantine.all().annotate(top=Max("id")).first().values_list("top", flat=True)
        return cls(seq=seq or 0, held_floor=held or 0)

    async def touched(self) -> set[UUID]:
        """The visits given events or held entries since the last look (by any process)."""
        events = await Event.filter(server_seq__gt=self.seq).order_by("server_seq").limit(STEP).values_list(
            "server_seq", "visit_id")
        held = await Quarantine.filter(id__gt=self.held_floor).order_by("id").limit(STEP).values_list("id", "visit_id")
        if events:
            self.seq = events[-1][0]
        new_held = [(id_, visit_id) for id_, visit_id in held if id_ not in self.held_seen]
        self._raise_floor([id_ for id_, _ in new_held])
        return {_uuid(visit_id) for _, visit_id in events + new_held if visit_id is not None}

    def _raise_floor(self, new_ids: list[int]) -> None:
        now = time.monotonic()
        self.held_seen.update({id_: now for id_ in new_ids})
        settled = [id_ for id_, seen in self.held_seen.items() if seen + HELD_SLACK_S <= now]
        if settled:
            self.held_floor = max(self.held_floor, *settled)
            self.held_seen = {id_: seen for id_, seen in self.held_seen.items() if id_ > self.held_floor}


async def due(visit_ids: set[UUID]) -> set[UUID]:
    """Those of `visit_ids` whose row lags its log or does not flag its held entries."""
    if not visit_ids:
        return set()
    ids = list(visit_ids)
    last = {_uuid(visit_id): top for visit_id, top in await Event.filter(visit_id__in=ids).group_by("visit_id")
            .annotate(top=Max("server_seq")).values_list("visit_id", "top")}
    rows = await Visit.filter(id__in=ids).values_list("id", "projected_seq", "flags")
    behind = {_uuid(id_) for id_, projected, _ in rows if projected < (last.get(_uuid(id_)) or 0)}
    held = await Quarantine.filter(visit_id__in=ids, resolved_at=None).distinct().values_list("visit_id", flat=True)
    return behind | _not_flagged(rows, held)


async def all_due() -> set[UUID]:
    """Every visit due a fold (start-up; the periodic sweep): a scan of the whole visit table."""
    rows = await get_connection("default").execute_query_dict(STALE_VISITS)
    behind = {_uuid(row["id"]) for row in rows}
    held = await Quarantine.filter(resolved_at=None, visit_id__not_isnull=True).distinct().values_list(
        "visit_id", flat=True)
    rows = await Visit.filter(id__in=list(set(held))).values_list("id", "projected_seq", "flags")
    return behind | _not_flagged(rows, held)


def _not_flagged(rows: list[tuple], held: list[object]) -> set[UUID]:
    """The visits among `rows` (id, projected_seq, flags) holding unresolved entries (`held`, visit
    ids) whose row does not flag them."""
    holding = {_uuid(visit_id) for visit_id in held}
    return {_uuid(id_) for id_, _, flags in rows if _uuid(id_) in holding and HELD_FLAG not in (flags or [])}


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
