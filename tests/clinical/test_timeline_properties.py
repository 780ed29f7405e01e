"""Properties of the fold over arbitrary event sets (Hypothesis): order independence, nothing lost,
volume within physical bounds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.clinical import VisitContext, fold_timeline, load_products, load_rules, validate_event
from tests.clinical.visits import GAMMAGARD_ORDER

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=timezone.utc)
CONTEXT = VisitContext.from_dict({"order": GAMMAGARD_ORDER}, catalog=load_products(), rulebook=load_rules())
RATES = st.sampled_from([35, 70, 100, 140, 280, 350, 400])

PAYLOADS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "infusion.started": st.fixed_dictionaries({"rate_ml_h": RATES}),
    "infusion.rate_changed": st.fixed_dictionaries({"rate_ml_h": RATES}),
    "infusion.resumed": st.fixed_dictionaries({"rate_ml_h": RATES}),
    "infusion.paused": st.fixed_dictionaries({"reason": st.sampled_from(["reaction", "other"])}),
    "infusion.stopped": st.fixed_dictionaries(
        {"reason": st.just("completed"), "pump_volume_ml": st.one_of(st.none(), st.integers(0, 800))}),
    "vitals": st.fixed_dictionaries({}, optional={
        "hr": st.integers(40, 160), "spo2": st.integers(85, 100), "temp_c": st.sampled_from([36.5, 37.8, 38.4, 39.2]),
    }).filter(bool),
    "reaction.observed": st.fixed_dictionaries({
        "symptoms": st.just(["chills"]), "grade": st.integers(1, 4), "actions": st.just(["slowed"]),
        "outcome": st.sampled_from(["resolved", "ongoing"]), "notified": st.just([])}),
    "product.opened": st.fixed_dictionaries({
        "product_id": st.sampled_from(["gammagard-liquid-10", "privigen-10"]), "lot": st.sampled_from(["A", "B"]),
        "expiry": st.just("2026-01-01"), "volume_ml": st.just(300), "inspected_ok": st.booleans()}),
    "medication.given": st.fixed_dictionaries({
        "drug": st.sampled_from(["diphenhydramine", "acetaminophen"]), "dose": st.just(25), "unit": st.just("mg"),
        "route": st.just("PO"), "purpose": st.sampled_from(["premed", "prn"])}),
    "note": st.fixed_dictionaries({"text": st.text(min_size=1, max_size=20).filter(str.strip)}),
    "visit.ended": st.just({}),
    "review.signed": st.just({"note": None}),
}
KINDS = sorted(PAYLOADS)


@st.composite
def clinical_event(draw: st.DrawFn) -> tuple[str, dict[str, Any], int, int, int | None]:
    kind = draw(st.sampled_from(KINDS))
    minute = draw(st.integers(0, 300))
    delay = draw(st.sampled_from([0, 0, 1, 90]))
    server_seq = draw(st.one_of(st.none(), st.integers(1, 10_000)))
    return kind, draw(PAYLOADS[kind]), minute, delay, server_seq


def envelope(index: int, kind: str, payload: dict[str, Any], minute: int, delay: int,
             server_seq: int | None) -> dict[str, Any]:
    def at(m: int) -> str:
        return (T0 + timedelta(minutes=m)).isoformat().replace("+00:00", "Z")
    return {"id": f"e{index:03d}", "visit_id": "v1", "device_id": f"d{index % 2}", "device_seq": index,
            "kind": kind, "schema": 1, "occurred_at": at(minute), "recorded_at": at(minute + delay),
            "received_at": None, "server_seq": server_seq, "author_id": "nurse", "payload": payload}


@st.composite
def visit_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    base = draw(st.lists(clinical_event(), min_size=1, max_size=25))
    events = [envelope(i, *item) for i, item in enumerate(base)]
    for index in range(draw(st.integers(0, 6))):
        target = draw(st.sampled_from(events))
        number = len(events)
        if draw(st.booleans()) and target["kind"] in PAYLOADS:
            payload = {"target_id": target["id"], "payload": draw(PAYLOADS[target["kind"]]), "reason": "fix"}
            events.append(envelope(number, "entry.amended", payload, draw(st.integers(0, 320)), 0, None))
        else:
            payload = {"target_id": target["id"], "reason": "wrong chart"}
            events.append(envelope(number, "entry.voided", payload, draw(st.integers(0, 320)), 0, None))
    return events


def fold(events: list[dict[str, Any]], now_min: int | None = None) -> dict[str, Any]:
    now = None if now_min is None else T0 + timedelta(minutes=now_min)
    return fold_timeline(events, context=CONTEXT, now=now).to_dict()


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(events=visit_events(), data=st.data(), now_min=st.one_of(st.none(), st.integers(0, 400)))
def test_the_fold_is_the_same_for_any_order_of_the_same_events(
    events: list[dict[str, Any]], data: st.DataObject, now_min: int | None
) -> None:
    shuffled = data.draw(st.permutations(events))
    assert fold(shuffled, now_min) == fold(events, now_min)


def _accounted_ids(state: dict[str, Any]) -> set[str]:
    """Every event id the state mentions: entries, their versions, voids, invalid events, issues."""
    ids = {e["event_id"] for e in state["entries"]} | {i["event_id"] for i in state["invalid"]}
    ids |= {i["event_id"] for i in state["issues"]}
    versions = [v for e in state["entries"] for v in e["history"]]
    for voided in state["voided"]:
        ids |= {voided["event_id"], voided["void_event_id"]}
        versions += voided["amendments"]
    ids |= {v["event_id"] for v in versions} | {v["withdrawn_by"] for v in versions if v.get("withdrawn_by")}
    return ids


@FAST
@given(events=visit_events())
def test_amendments_and_voids_never_lose_an_event_or_an_original(events: list[dict[str, Any]]) -> None:
    state = fold(events)
    assert _accounted_ids(state) >= {event["id"] for event in events}
    originals = {e["id"]: validate_event(e["kind"], 1, e["payload"]) for e in events}
    for entry in state["entries"]:
        if entry["history"]:
            assert entry["history"][0]["payload"] == originals[entry["event_id"]]
    for voided in state["voided"]:
        assert voided["payload"] == originals[voided["event_id"]]


@FAST
@given(events=visit_events(), now_min=st.one_of(st.none(), st.integers(0, 400)))
def test_volume_is_never_negative_nor_above_the_fastest_rate_times_elapsed_time(
    events: list[dict[str, Any]], now_min: int | None
) -> None:
    state = fold(events, now_min)
    volume, segments = state["infusion"]["volume_infused_ml"], state["segments"]
    assert volume >= 0
    if not segments:
        assert volume == 0
        return
    first = datetime.fromisoformat(segments[0]["start"])
    times = [datetime.fromisoformat(e["occurred_at"]) for e in events]
    horizon = max(times + ([T0 + timedelta(minutes=now_min)] if now_min is not None else []))
    fastest = max(segment["rate_ml_h"] for segment in segments)
    assert volume <= fastest * ((horizon - first) / timedelta(hours=1)) + 0.05
    assert abs(sum(segment["volume_ml"] for segment in segments) - volume) <= 0.05 * (len(segments) + 1)
