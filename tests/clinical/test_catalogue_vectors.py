"""tests/vectors/catalogue.json against the Python loader: an organization's edited row is accepted or
refused exactly as the tablet's loader (tests/js/catalogue_vectors.test.mjs) accepts or refuses it, so a
row the server stores never stops the tablet from loading its rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from server.clinical import load_products

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "vectors" / "catalogue.json").read_text())
PACKAGED = json.loads((ROOT / "server" / "clinical" / "data" / "products.json").read_text())


def document_with(protocol_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    rows = [({**row, **changes} if row["protocol_id"] == protocol_id else row) for row in PACKAGED["products"]]
    return {**PACKAGED, "products": rows}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_catalogue_vector(case: dict[str, Any]) -> None:
    document = document_with(case["protocol_id"], case["changes"])
    if not case["valid"]:
        with pytest.raises((ValidationError, ValueError)) as refused:
            load_products(document)
        assert case["message"] is None or case["message"] in str(refused.value)
        return
    protocol = load_products(document).protocol(case["protocol_id"])
    expected = case["expected"]
    assert list(protocol.ladder) == expected["ladder"]
    assert protocol.verified_on == (date.fromisoformat(expected["verified_on"]) if expected["verified_on"] else None)
    for name in ("first_step_min", "step_min", "kind"):
        if name in expected:
            assert getattr(protocol, name) == expected[name]
