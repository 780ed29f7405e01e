"""`visit_closed`: the entries after which a visit's orders are read as they stood (server.services.order_as_run):
its first `visit.ended` and its first `review.signed` that stand. A void by its author withdraws one; a void
by anyone else does not; an end recorded again later does not move the first."""

from __future__ import annotations

from server.clinical.rulebook import packaged_authority
from server.clinical.timeline import visit_closed
from tests.clinical.visits import tolerated_visit

AUTHORITY = packaged_authority()


def closed(s) -> list[tuple[str, object]]:
    return [(entry.kind, entry.occurred_at) for entry in visit_closed(s.events, AUTHORITY)]


def test_a_visit_still_running_is_not_closed() -> None:
    s = tolerated_visit()
    s.events = [event for event in s.events if event["kind"] != "visit.ended"]
    assert closed(s) == []


def test_a_visit_closes_at_its_first_end_an_end_recorded_again_later_does_not_move_it() -> None:
    s = tolerated_visit()
    s.ended(300)
    assert closed(s) == [("visit.ended", s.at(270))]


def test_an_end_its_author_voided_no_longer_closes_the_visit_the_next_one_does() -> None:
    s = tolerated_visit()
    s.void(275, s.find("visit.ended", 270), reason="ended by mistake; the infusion continues")
    assert closed(s) == []
    s.ended(320)
    assert closed(s) == [("visit.ended", s.at(320))]


def test_a_void_by_someone_else_leaves_the_end_in_place() -> None:
    s = tolerated_visit()
    ended = s.find("visit.ended", 270)
    s.add(275, "entry.voided", {"target_id": ended, "reason": "not mine to void"}, author_id="nurse-bo")
    assert closed(s) == [("visit.ended", s.at(270))]


def test_the_first_sign_off_closes_the_visit_too() -> None:
    s = tolerated_visit()
    s.add(400, "review.signed", {"note": "Reviewed."}, author_id="pharmacist-pia")
    s.add(500, "review.signed", {"note": "Reviewed again after a late entry."}, author_id="pharmacist-pia")
    assert closed(s) == [("visit.ended", s.at(270)), ("review.signed", s.at(400))]
