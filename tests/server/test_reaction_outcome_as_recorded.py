"""A reaction resolved by a later entry reads "resolved" wherever its outcome is asked, and the outcome the nurse
recorded at the time stays beside it on the desk (a walk's review read "outcome resolved" where she had recorded
"improving"). The fold keeps it as `outcome_recorded` on both sides (server/clinical/resolutions.py and its port)."""

from __future__ import annotations

from datetime import datetime, timezone

from server.clinical.ordering import Entry
from server.clinical.resolutions import apply_resolutions
from server.services.entry_text import describe

REACTION = {"symptoms": ["flushing"], "grade": 1, "actions": ["slowed"], "outcome": "improving", "notified": []}


def entry(id_: str, kind: str, payload: dict, minute: int) -> Entry:
    at = datetime(2026, 12, 7, 13, minute, tzinfo=timezone.utc)
    return Entry(id=id_, kind=kind, occurred_at=at, recorded_at=at, server_seq=minute, author_id="nurse-ana",
                 payload=payload, key=(at, at, "nurse-ana", minute, id_))


def test_a_resolved_reaction_keeps_the_outcome_recorded_at_the_time():
    effective, issues = apply_resolutions([entry("r1", "reaction.observed", REACTION, 20),
                                           entry("r2", "reaction.resolved", {"reaction_id": "r1"}, 35)])
    reaction = effective[0].payload
    assert issues == [] and (reaction["outcome"], reaction["outcome_recorded"]) == ("resolved", "improving")
    assert describe("reaction.observed", reaction).endswith("outcome resolved (recorded improving at the time)")


def test_a_reaction_not_resolved_later_reads_as_recorded():
    assert describe("reaction.observed", REACTION).endswith("outcome improving")
