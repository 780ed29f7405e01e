"""Walk-through (issue #18): a new threshold alert is a change of rules.json and the vectors only.

The bradycardia rule below (HR < 50, organization-set per CLINICAL.md section 3 "HR, RR:
organization-set") is appended to a copy of rules.json, with a hand-worked vector; the server's engine
(Python, directly) and the tablet's (JavaScript, through node) both fire it from the same files, with
no code changed in either language.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from server.clinical import Catalog, VisitContext, fold_timeline, load_rules
from tests.clinical.test_rule_vector_coverage import RULES, VECTORS, rules_without_a_vector

ROOT = Path(__file__).resolve().parents[2]
BRADYCARDIA = {
    "id": "hr_low", "severity": "warning", "enabled": True,
    "applies_to": {"therapies": ["ivig"], "protocol_kinds": ["weight_titration", "fixed_steps"]},
    "each": "vitals", "when": "has(entry.hr) && entry.hr < hr_below", "values": {"hr": "entry.hr"},
    "message": "Heart rate {hr}/min is below {hr_below}/min",
    "thresholds": {"hr_below": 50}, "supersedes": [],
    "source": "CLINICAL.md s.3: HR, RR organization-set (no published IVIG threshold; e.g. HR < 50)",
}


def _bradycardia_vector() -> dict[str, Any]:
    """The tolerated visit with HR 46 at 10:35 (ev-012): below 50, so hr_low fires on that set only."""
    vectors = json.loads((VECTORS / "rules.json").read_text("utf-8"))
    case = copy.deepcopy(next(v for v in vectors if v["name"].startswith("a tolerated Gammagard PI")))
    next(e for e in case["events"] if e["id"] == "ev-012")["payload"]["hr"] = 46
    case["name"] = "HR 46 at the second step: below the organization-set 50"
    case["expected_alerts"] = [{"id": "hr_low:ev-012", "rule": "hr_low", "severity": "warning",
                                "message": "Heart rate 46/min is below 50/min", "event_ids": ["ev-012"]}]
    return case


@pytest.fixture
def changed_files(tmp_path: Path) -> tuple[Path, Path]:
    """rules.json with the bradycardia rule appended, and a vectors folder with its vector added."""
    rules_doc = json.loads(RULES.read_text("utf-8"))
    rules_doc["rules"].append(BRADYCARDIA)
    (tmp_path / "rules.json").write_text(json.dumps(rules_doc, ensure_ascii=False), "utf-8")
    vectors = tmp_path / "vectors"
    vectors.mkdir()
    existing = json.loads((VECTORS / "rules.json").read_text("utf-8"))
    (vectors / "rules.json").write_text(json.dumps(existing + [_bradycardia_vector()]), "utf-8")
    for name in ("timeline.json", "rates.json"):
        (vectors / name).write_text((VECTORS / name).read_text("utf-8"), "utf-8")
    return tmp_path / "rules.json", vectors


def test_the_server_fires_a_threshold_rule_added_to_rules_json_alone(changed_files: tuple[Path, Path],
                                                                     catalog: Catalog) -> None:
    rules_path, vectors = changed_files
    rulebook = load_rules(json.loads(rules_path.read_text("utf-8")))
    for case in json.loads((vectors / "rules.json").read_text("utf-8")):
        context = VisitContext.from_dict(case["context"], catalog=catalog, rulebook=rulebook)
        now = None if case["now"] is None else datetime.fromisoformat(case["now"])
        assert fold_timeline(case["events"], context=context, now=now).to_dict()["alerts"] == case["expected_alerts"]


def test_the_tablet_fires_the_same_rule_from_the_same_files(changed_files: tuple[Path, Path]) -> None:
    rules_path, vectors = changed_files
    ran = subprocess.run(["node", str(ROOT / "tests/clinical/fold_alerts.mjs"), str(rules_path),
                          str(vectors / "rules.json")], capture_output=True, text=True, timeout=120, check=True)
    alerts = json.loads(ran.stdout)
    for case in json.loads((vectors / "rules.json").read_text("utf-8")):
        assert alerts[case["name"]] == case["expected_alerts"], case["name"]


def test_the_new_rule_counts_as_covered_once_its_vector_is_there(changed_files: tuple[Path, Path]) -> None:
    rules_path, vectors = changed_files
    assert rules_without_a_vector(json.loads(rules_path.read_text("utf-8")), vectors) == []


def test_the_server_refuses_a_rule_with_a_function_or_fact_it_does_not_know() -> None:
    for when in ("hr_slope(entry.hr) < hr_below", "trend.hr < hr_below", "visit.trend_hr < hr_below"):
        rules_doc = json.loads(RULES.read_text("utf-8"))
        rules_doc["rules"].append({**BRADYCARDIA, "when": when})
        with pytest.raises(ValueError, match="hr_slope|trend"):  # visit's members are facts.json's
            load_rules(rules_doc)


def test_the_server_refuses_a_message_placeholder_that_no_value_fills() -> None:
    rules_doc = json.loads(RULES.read_text("utf-8"))
    rules_doc["rules"].append({**BRADYCARDIA, "message": "Heart rate {hr}/min, {trend} per hour"})
    with pytest.raises(ValueError, match="trend"):
        load_rules(rules_doc)


@pytest.mark.parametrize(("change", "refusal"), [
    (lambda d: d["rules"].remove(next(r for r in d["rules"] if r["id"] == "kit_missing")), r"missing \['kit_missing'\]"),
    (lambda d: d["rules"].append({**d["rules"][-1], "id": "kit_expiring"}), r"unknown \['kit_expiring'\]"),
    (lambda d: next(r for r in d["rules"] if r["id"] == "dose_exceeded").update(thresholds={}), "lacks thresholds"),
    (lambda d: next(r for r in d["rules"] if r["id"] == "fever").update(each="line.placed"), "unknown each"),
    (lambda d: d.update(schema=d["schema"] + 1), "schema"),
])
def test_the_server_refuses_rules_data_its_code_cannot_evaluate_in_full(change: Any, refusal: str) -> None:
    rules_doc = json.loads(RULES.read_text("utf-8"))
    change(rules_doc)
    with pytest.raises(ValueError, match=refusal):
        load_rules(rules_doc)
