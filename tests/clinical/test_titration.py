"""recommend_next_rate: one step at a time, on time, within the limit, careful after a reaction."""

from __future__ import annotations

import pytest

from server.clinical import Catalog, Protocol, recommend_next_rate


@pytest.fixture
def gammagard(catalog: Catalog) -> Protocol:
    return catalog.protocol("gammagard-liquid-10-pi")


def advice(protocol: Protocol, **kwargs: object) -> tuple[str, float | None, float | None]:
    result = recommend_next_rate(protocol, weight_kg=70, **kwargs)  # type: ignore[arg-type]
    return result.action, result.rate_ml_h, result.due_in_min


def test_before_the_start_the_advice_is_the_start_rate_now(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=None) == ("start", 35.0, 0.0)


def test_the_first_step_is_held_for_its_own_time(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=35, minutes_at_rate=10) == ("increase", 70.0, 20.0)


def test_a_step_held_long_enough_is_due_now(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=70, minutes_at_rate=45) == ("increase", 140.0, 0.0)


def test_step_interval_differs_from_the_first_step_for_bivigam(catalog: Catalog) -> None:
    bivigam = catalog.protocol("bivigam-10-pi")
    assert advice(bivigam, current_rate_ml_h=21, minutes_at_rate=0) == ("increase", 54.6, 10.0)
    assert advice(bivigam, current_rate_ml_h=54.6, minutes_at_rate=0) == ("increase", 88.2, 20.0)


def test_at_the_maximum_the_advice_is_to_maintain(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=350, minutes_at_rate=90) == ("maintain", 350, None)


def test_the_at_risk_cap_is_the_top_of_the_ladder(catalog: Catalog) -> None:
    octagam = catalog.protocol("octagam-10-itp")
    assert advice(octagam, current_rate_ml_h=84, minutes_at_rate=30, at_risk=True) == ("increase", 126.0, 0.0)
    assert advice(octagam, current_rate_ml_h=126.0, minutes_at_rate=30, at_risk=True)[0] == "maintain"


def test_above_the_limit_the_advice_is_to_come_down_now(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=400) == ("reduce_to_limit", 350.0, 0.0)
    assert advice(gammagard, current_rate_ml_h=300, cap_ml_h=250) == ("reduce_to_limit", 250.0, 0.0)


def test_an_ongoing_reaction_slows_to_the_previous_step_then_holds_there(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=140, minutes_at_rate=40, reaction="ongoing") == ("lower", 70.0, 0.0)
    assert advice(gammagard, current_rate_ml_h=140, reaction="ongoing", reaction_rate_ml_h=280) == ("hold", 140, None)
    assert advice(gammagard, current_rate_ml_h=140, paused=True, reaction="ongoing") == ("hold", None, None)


def test_after_a_subsided_reaction_resume_one_step_lower(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=140, paused=True, reaction="subsided") == ("lower", 70.0, 0.0)
    assert advice(gammagard, current_rate_ml_h=70, reaction="subsided", reaction_rate_ml_h=280) == ("lower", 140.0, 0.0)


def test_a_reaction_at_the_start_rate_resumes_lower_at_no_rate_of_the_apps(gammagard: Protocol) -> None:
    """No step lies below the start rate: the rate to resume at is the prescriber's. The start rate was advised,
    and resume_not_lower then called it a breach (a walk)."""
    assert advice(gammagard, current_rate_ml_h=35, paused=True, reaction="subsided") == ("lower", None, 0.0)


def test_a_pause_without_a_reaction_resumes_at_the_same_rate(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=140, paused=True) == ("resume", 140, 0.0)


def test_an_off_ladder_rate_goes_to_the_next_step_up(gammagard: Protocol) -> None:
    assert advice(gammagard, current_rate_ml_h=100, minutes_at_rate=30) == ("increase", 140.0, 0.0)
