"""A tablet whose code is newer than its cached reference (issue #18 item 5): the reference it holds is
the one from before therapies and protocol kinds (products.json without them, rules.json schema 2:
tests/vectors/older/). With the server gone, the tablet reads it as the IVIG-only world it described:
it raises a known alert (hypoxia) by itself, says nothing of rules it cannot load or of an update."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.reference_route import nurse_tablet_given
from tests.browser.test_offline_visit import BASELINE, GEO
from tests.browser.test_tablet_guidance import alert, gammagard_visit

pytestmark = pytest.mark.browser

OLDER = Path(__file__).resolve().parents[1] / "vectors" / "older"


def as_before_therapies(reference: dict) -> None:
    """Its products and rules as the server sent them before therapies existed."""
    for name in ("products", "rules"):
        reference[name] = json.loads((OLDER / f"{name}.json").read_text("utf-8"))


def test_a_tablet_holding_an_older_reference_raises_alerts_offline(server_factory, launch):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    visit_id = gammagard_visit(server)
    tablet = nurse_tablet_given(server, launch, as_before_therapies, **GEO)
    assert tablet.page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == f"{server.base_url}/"

    server.stop()  # the patient's home: nothing answers, the tablet reads what it holds
    tablet.page.reload()
    tablet.unlock()
    tablet.open_visit(visit_id)
    tablet.start_visit()
    tablet.entry("vitals", {**BASELINE, "spo2": 90})

    hypoxia = alert(tablet, "hypoxia")
    expect(hypoxia).to_contain_text("Hypoxia: SpO2 90% (alert at 92% or below)")
    expect(tablet.tid("net")).to_have_text("Offline")
    expect(tablet.page.get_by_text("Clinical rules could not be loaded")).to_have_count(0)
    expect(tablet.tid("rules-update")).to_have_count(0)
    assert tablet.errors == []
