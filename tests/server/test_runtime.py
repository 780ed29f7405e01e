"""The serving process's tuning (server.runtime): applied, and undone here so other tests keep CPython's defaults."""

from __future__ import annotations

import gc

from server import runtime


def test_tuning_collects_young_objects_less_often_and_freezes_what_start_up_made():
    before = gc.get_threshold()
    try:
        runtime.tune_garbage_collector()
        assert gc.get_threshold() == runtime.GC_THRESHOLDS
        assert gc.get_threshold()[0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
