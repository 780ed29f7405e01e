"""`visit_end`: the moment a visit's orders are read as of once it has ended (server.services.order_as_run).
Only a `visit.ended` that no valid void withdrew ends a visit; a void by anyone but its author is not one."""

from __future__ import annotations

from server.clinical.rulebook import packaged_authority
from server.clinical.timeline import visit_end
from tests.clinical.visits import tolerated_visit

AUTHORITY = packaged_authority()


def test_a_visit_still_running_has_no_end() -> None:
    s = tolerated_visit()
    s.events = [event for event in s.events if event["kind"] != "visit.ended"]
    assert visit_end(s.events, AUTHORITY) is None


def test_a_visit_ends_at_its_last_end_entry() -> None:
    s = tolerated_visit()
    s.ended(300)
    end = visit_end(s.events, AUTHORITY)
    assert end is not None and end.occurred_at == s.at(300)


def test_an_end_its_author_voided_no_longer_ends_the_visit() -> None:
    s = tolerated_visit()
    ended = s.find("visit.ended", 270)
    s.void(275, ended, reason="ended by mistake; the infusion continues")
    assert visit_end(s.events, AUTHORITY) is None


def test_a_void_by_someone_else_leaves_the_end_in_place() -> None:
    s = tolerated_visit()
    ended = s.find("visit.ended", 270)
    s.add(275, "entry.voided", {"target_id": ended, "reason": "not mine to void"}, author_id="nurse-bo")
    end = visit_end(s.events, AUTHORITY)
    assert end is not None and end.id == ended
