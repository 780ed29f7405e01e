"""The desk reads what the nurse entered, all of it (server/services/entry_text.py; a walk's review dropped it):
a reaction resolved by a later entry reads "resolved" with the outcome she recorded at the time beside it (the
fold keeps it as `outcome_recorded` on both sides: server/clinical/resolutions.py and its port); the line's
gauge, attempts, who placed it, blood return and flush; a product's NDC and in-line filter."""

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


def test_the_desk_reads_every_detail_of_the_line_the_nurse_entered():
    """A walk's review showed "new peripheral, left forearm" and dropped the gauge, attempts, who placed it,
    the blood return and the flush."""
    line = {"status": "new", "type": "peripheral", "gauge": 22, "length_cm": 2.5, "site": "forearm", "side": "left",
            "attempts": 2, "inserted_by": "N. Quinn", "blood_return": True, "flush_solution": "0.9% sodium chloride",
            "flush_volume_ml": 10, "findings": ["no_complications"]}
    assert describe("line.placed", line) == ("new peripheral 22 G 2.5 cm, left forearm; 2 attempt(s); by N. Quinn; "
                                             "blood return; flushed 10 mL 0.9% sodium chloride; no complications")


def test_the_desk_reads_a_products_ndc_and_in_line_filter():
    opened = {"product_id": "panzyga-10", "lot": "PZ1", "expiry": "2027-01-31", "volume_ml": 100, "inspected_ok": True,
              "ndc": "68982-0820-02", "inline_filter": True}
    assert describe("product.opened", opened).endswith("100 mL, inspected, NDC 68982-0820-02, in-line filter")


def test_the_side_is_not_said_twice_when_the_site_names_it():
    line = {"status": "new", "type": "peripheral", "site": "right forearm", "side": "right", "findings": []}
    assert describe("line.placed", line).startswith("new peripheral, right forearm")
    assert describe("line.placed", {**line, "site": "forearm"}).startswith("new peripheral, right forearm")
    assert describe("line.placed", {**line, "site": "Right hand"}).startswith("new peripheral, Right hand")


def test_the_visits_start_does_not_name_its_own_order_an_additional_orders_pump_does():
    assert describe("visit.started", {"patient_id": 1, "order_id": 2, "location": {"lat": 1, "lon": 2}}) \
        .endswith("location verified")
    assert describe("infusion.started", {"rate_ml_h": 100, "order_id": 6}).endswith(" · order 6")
