"""Every source a rate limit can have (rates.LimitSource) is named in words wherever a limit is shown: the
alert messages (both engines), the series line (review page and tablet) and the tablet's order-safety panel.
A source missing from one map failed the review page under StrictUndefined, or showed its raw key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from server.clinical.rate_rules import LIMIT_NAMES
from server.clinical.rates import LimitSource
from server.templating import templates

ROOT = Path(__file__).resolve().parents[2]
JS_MAPS = {"pwa/rules/rate_rules.js": "LIMIT_NAMES", "pwa/lazy/series_line.js": "BOUND",
           "pwa/lazy/order_safety_panel.js": "LIMIT_NAMES"}
SOURCES = get_args(LimitSource)


def js_keys(path: str, name: str) -> set[str]:
    """The keys of the object literal `const NAME = {...};` in a module of pwa/."""
    text = (ROOT / path).read_text("utf-8")
    body = re.search(rf"const {name} = \{{(.*?)\}};", text, re.S)
    assert body, f"{path}: no {name}"
    return set(re.findall(r"(\w+):\s*[\"']", body.group(1)))


def test_the_alerts_name_every_limit_source() -> None:
    assert set(SOURCES) <= set(LIMIT_NAMES)


@pytest.mark.parametrize(("path", "name"), JS_MAPS.items())
def test_every_map_of_the_tablet_names_every_limit_source(path: str, name: str) -> None:
    assert set(SOURCES) - js_keys(path, name) == set()


@pytest.mark.parametrize("source", SOURCES)
def test_the_review_pages_series_line_names_every_limit_source(source: str) -> None:
    macro = templates.env.from_string(
        '{% from "review/_series.html" import series_facts %}{{ series_facts(series, 56, clock, n, str) }}')
    series = {"kind": "subsequent", "number": 2, "protocol_infusion": "subsequent", "reason": None,
              "last_tolerated": {"rate_ml_h": 100.0, "ended_at": "2025-03-01T12:00:00Z"},
              "target_ml_h": 90.0, "target_bound": source, "target_holds": None, "last_infusion": None,
              "last_visit": None}
    clock = type("Clock", (), {"day": staticmethod(lambda iso: iso[:10])})
    html = macro.render(series=series, clock=clock, n=lambda x: f"{x:g}")
    assert "target 90 mL/h</strong> (the " in html
