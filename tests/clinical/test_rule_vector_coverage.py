"""Every rule of rules.json has at least one shared vector (tests/vectors/) in which it fires, so the
server and the tablet are both held to an answer worked out by hand for every rule, coded or expression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
RULES = Path(__file__).resolve().parents[2] / "server" / "clinical" / "data" / "rules.json"


def _rules_named(value: Any) -> set[str]:
    """Rule ids of every alert object ({"rule": ..., "message": ...}) anywhere inside `value`."""
    if isinstance(value, dict):
        own = {value["rule"]} if isinstance(value.get("rule"), str) and "message" in value else set()
        return own.union(*(_rules_named(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_rules_named(item) for item in value))
    return set()


def rules_without_a_vector(rules_doc: dict[str, Any], vectors_dir: Path) -> list[str]:
    """Rule ids of `rules_doc` that no expected alert of the rules and timeline vectors names."""
    fired: set[str] = set()
    for path in sorted(vectors_dir.glob("*.json")):
        for case in json.loads(path.read_text("utf-8")):
            fired |= _rules_named(case.get("expected_alerts", [])) | _rules_named(case.get("expected", {}))
    return [rule["id"] for rule in rules_doc["rules"] if rule["id"] not in fired]


def test_every_rule_in_rules_json_has_a_shared_vector() -> None:
    assert rules_without_a_vector(json.loads(RULES.read_text("utf-8")), VECTORS) == []


def test_a_rule_added_without_a_vector_is_named(tmp_path: Path) -> None:
    rules_doc = json.loads(RULES.read_text("utf-8"))
    rules_doc["rules"].append({**rules_doc["rules"][0], "id": "hr_low"})
    (tmp_path / "rules.json").write_text((VECTORS / "rules.json").read_text("utf-8"), "utf-8")
    assert rules_without_a_vector(rules_doc, tmp_path) == ["hr_low"]
