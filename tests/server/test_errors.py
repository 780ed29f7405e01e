"""How field errors word their numbers (server/errors.py), seen through the real HTTP stack."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.db.models import Order


@pytest.mark.parametrize("field", ["order_id", "nurse_id", "patient_id"])
async def test_an_id_too_large_names_the_largest_id_in_full(client_factory, pharmacist_pia, patient_pat, nurse_ana,
                                                            field):
    """"must be at most 2.14748e+09" made a pharmacist do arithmetic; a bound reads as written."""
    order = await Order.get(patient=patient_pat)
    body = {"patient_id": patient_pat.id, "order_id": order.id, "nurse_id": nurse_ana.id,
            "date": (date.today() + timedelta(days=1)).isoformat(), "time": "09:00", field: 2**31}
    refused = await (await client_factory(pharmacist_pia)).post("/api/visits", json=body)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": field, "message": f"{field}: must be at most 2147483647"}]
