"""A tablet of the previous release keeps its clinical engine while hosts and tablets update (issue #18
item 5): GET /api/reference without the shape header (what that release's tablets send) gives the document
that release read, without the fields added since, which its loaders refuse; the current tablet, sending
the header, gets the current document. Both load in the current tablet code (run in Node)."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from server.db.catalogue_models import CatalogueRevision
from server.db.models import Order, Visit, VisitOrder
from server.services import org_catalogue
from server.services.reference_shape import (FIXED_DOSE_SHAPE, ORDERS_SHAPE, REFERENCE_SHAPE, REFERENCE_SHAPE_HEADER,
                                             before_volume_alert, previous_products)
from tests.api.events import readdress, script_started

ROOT = Path(__file__).resolve().parents[2]
OLDER_PRODUCTS = json.loads((ROOT / "tests/vectors/older/products.json").read_text("utf-8"))
ENGINE = ROOT / "tests/api/reference_engine.mjs"
ROW = "gammagard-liquid-10-pi"
# The keys of a visit's context as the previous release built them (commit dc80baf,
# server/services/visits.py context_json); its pwa/rules/context.js refuses any other order field.
PREVIOUS_CONTEXT_KEYS = {"order", "patient", "series", "organization", "protocol_rows"}
PREVIOUS_ORDER_KEYS = {"product_id", "dosing_weight_kg", "indication", "steps_ml_h", "step_min", "dose_g_per_kg",
                       "dose_g", "rate_cap_ml_h", "vitals_schedule", "safety_override", "premeds", "prn_orders"}
# The fields of the reference's `orders` the previous release's tablet read (dc80baf pwa/inbox.js,
# visit_model.js, views/today.js, visit.js, visit_panels.js): never `protocol_type`, now `basis`.
PREVIOUS_ORDER_READS = {"id", "product_id", "indication", "dose_g", "dose_g_per_kg", "dosing_weight_kg", "premeds"}
ADDED = {"products": {"therapies", "protocol_kinds"}, "row": {"therapy", "kind"},
         "context": {"other_orders", "earlier"}, "order": {"therapy", "id", "volume_ml", "duration_min"}}


def keys_of(rows: list[dict[str, Any]]) -> set[str]:
    return set().union(*(row.keys() for row in rows))


def drop(data: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in names}


@pytest.fixture
async def visits(tablet_ana, scheduled_visit, patient_pat, pharmacist_pia, projected) -> dict[str, str]:
    """Three visits: one of one order (scheduled_visit), one with an additional order, and one begun
    before a pharmacist's edit of its row (its context carries `protocol_rows`). The begun visit is
    folded before the test reads: a fold landing between two reads would change the reference's ETag."""
    primary = await Order.get(patient=patient_pat)
    second = await Order.create(organization_id=patient_pat.organization_id, patient=patient_pat,
                                product_id="privigen-10", indication="CIDP", dose_g_per_kg=0.4, dose_g=28.0,
                                dosing_weight_kg=70.0, prescriber="Dr. Test", created_by=pharmacist_pia)
    made = {}
    for name in ("several", "begun"):
        made[name] = await Visit.create(id=uuid.uuid4(), organization_id=patient_pat.organization_id, patient=patient_pat,
                                        order=primary, nurse=scheduled_visit.nurse, scheduled_at=datetime.now(timezone.utc))
    await VisitOrder.create(visit=made["several"], order=second, position=0)
    script = script_started(30)
    script.started(0)
    events = readdress(script, visit_id=made["begun"].id, patient_id=patient_pat.id, order_id=primary.id)
    assert {r["status"] for r in (await tablet_ana.push(events)).json()["results"]} == {"accepted"}
    await projected()
    await CatalogueRevision.create(organization_id=patient_pat.organization_id, protocol_id=ROW, number=1, kind="edit",
                                   row={**org_catalogue.packaged_row(ROW), "step_min": 20}, reason="shape test",
                                   author=pharmacist_pia, created_at=datetime.now(timezone.utc))
    return {"one": str(scheduled_visit.id), **{name: str(visit.id) for name, visit in made.items()}}


async def both_shapes(tablet_ana):
    current = await tablet_ana.client.get("/api/reference")
    del tablet_ana.client.headers[REFERENCE_SHAPE_HEADER]  # the previous release's tablet sends none
    previous = await tablet_ana.client.get("/api/reference")
    assert current.status_code == previous.status_code == 200
    return current, previous


def assert_previous_products(products: dict[str, Any]) -> None:
    """Every key at every level is one the previous release's packaged products.json had."""
    older_rows = OLDER_PRODUCTS["products"]
    assert products.keys() <= OLDER_PRODUCTS.keys()
    assert keys_of(products["products"]) <= keys_of(older_rows)
    assert keys_of(products["products_without_rates"]) <= keys_of(OLDER_PRODUCTS["products_without_rates"])
    subsequent = [row["subsequent"] for row in products["products"] if row.get("subsequent")]
    assert subsequent and keys_of(subsequent) <= keys_of([r["subsequent"] for r in older_rows if r.get("subsequent")])


async def test_without_the_header_the_reference_is_the_previous_releases_and_only_that(tablet_ana, visits):
    current, previous = await both_shapes(tablet_ana)
    now, then = current.json(), previous.json()
    assert_previous_products(then["products"])
    assert keys_of(then["protocols"]) <= keys_of(OLDER_PRODUCTS["products"])
    contexts = {visit["id"]: visit["context"] for visit in then["visits"]}
    assert contexts.keys() == set(visits.values())
    for context in contexts.values():
        assert context.keys() <= PREVIOUS_CONTEXT_KEYS and context["order"].keys() <= PREVIOUS_ORDER_KEYS
        assert keys_of(list(context["protocol_rows"].values())) <= keys_of(OLDER_PRODUCTS["products"])
    assert list(contexts[visits["begun"]]["protocol_rows"]) == [ROW]

    # Nothing else differs: the fields removed are exactly the ones added since, and the rules are shape 3's.
    assert drop(then, {"products", "protocols", "visits", "rules"}) == drop(now, {"products", "protocols", "visits", "rules"})
    assert then["rules"] == before_volume_alert({"rules": now["rules"]})["rules"] != now["rules"]
    assert then["products"] == drop(now["products"], ADDED["products"]) | {
        name: [drop(row, ADDED["row"]) for row in now["products"][name] if row["therapy"] == "ivig"]
        for name in ("products", "products_without_rates")}
    assert then["protocols"] == then["products"]["products"]
    for old, new in zip(then["visits"], now["visits"], strict=True):
        assert drop(old, {"context"}) == drop(new, {"context"})
        assert old["context"] == drop(new["context"], ADDED["context"]) | {
            "order": drop(new["context"]["order"], ADDED["order"]),
            "protocol_rows": {pid: drop(row, ADDED["row"]) for pid, row in new["context"]["protocol_rows"].items()}}
    assert [len(v["context"]["other_orders"]) for v in now["visits"] if v["id"] == visits["several"]] == [1]


async def test_both_shapes_give_each_order_what_the_previous_release_reads_and_its_basis_by_one_name(tablet_ana, visits):
    """An order's `basis` was `protocol_type`, which the previous release's tablet never read: neither shape
    carries the old name, and both carry every field that tablet reads."""
    current, previous = await both_shapes(tablet_ana)
    for document in (current.json(), previous.json()):
        assert document["orders"]
        for order in document["orders"]:
            assert PREVIOUS_ORDER_READS <= order.keys() and "protocol_type" not in order
            assert order["basis"] == "label"


async def test_each_shape_has_its_own_etag_so_no_304_crosses_them(tablet_ana, visits):
    current, previous = await both_shapes(tablet_ana)
    assert current.headers["etag"] != previous.headers["etag"]
    assert REFERENCE_SHAPE_HEADER in current.headers["vary"] and REFERENCE_SHAPE_HEADER in previous.headers["vary"]
    client = tablet_ana.client
    assert (await client.get("/api/reference", headers={"if-none-match": previous.headers["etag"]})).status_code == 304
    assert (await client.get("/api/reference", headers={"if-none-match": current.headers["etag"]})).status_code == 200
    shaped = {REFERENCE_SHAPE_HEADER: str(REFERENCE_SHAPE)}
    assert (await client.get("/api/reference", headers={**shaped, "if-none-match": current.headers["etag"]})).status_code == 304
    assert (await client.get("/api/reference", headers={**shaped, "if-none-match": previous.headers["etag"]})).status_code == 200
    bad = await client.get("/api/reference", headers={REFERENCE_SHAPE_HEADER: "two"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == REFERENCE_SHAPE_HEADER


async def test_both_shapes_give_the_current_tablet_code_a_working_engine(tablet_ana, visits, tmp_path):
    """The current code reads the current shape, and the previous one as the IVIG-only world it is; each
    visit folds under the same protocol (a visit's additional orders exist in the current shape only)."""
    current, previous = await both_shapes(tablet_ana)
    ran = {}
    for name, response in (("current", current), ("previous", previous)):
        (tmp_path / f"{name}.json").write_bytes(response.content)
        out = subprocess.run(["node", str(ENGINE), str(tmp_path / f"{name}.json")], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        ran[name] = json.loads(out.stdout)
    assert ran["current"]["header"] == [REFERENCE_SHAPE_HEADER, REFERENCE_SHAPE]  # pwa/api.js: one name, one number
    assert ran["current"]["engine"] and ran["previous"]["engine"]
    protocols = {shape: {vid: v.get("protocol", v.get("error")) for vid, v in r["visits"].items()} for shape, r in ran.items()}
    assert protocols["current"] == protocols["previous"] == dict.fromkeys(visits.values(), ROW)
    assert ran["current"]["visits"][visits["several"]]["other_orders"] == 1
    assert ran["previous"]["visits"][visits["several"]]["other_orders"] == 0


def test_rows_outside_the_previous_world_are_left_out_of_its_shape():
    """A row of another therapy or kind, stripped of what says so, would be misread as IVIG by weight or
    make the previous release refuse the whole catalogue: that release never sees it."""
    document = org_catalogue.packaged_document()
    packaged = document["products"][0]
    document["products"].append({**packaged, "protocol_id": "scig-x", "therapy": "scig", "kind": "per_site"})
    document["products_without_rates"].append({**document["products_without_rates"][0], "therapy": "scig"})
    shaped = previous_products(document)
    assert "scig-x" not in {row["protocol_id"] for row in shaped["products"]}
    assert len(shaped["products"]) == len(document["products"]) - 1
    assert shaped["products_without_rates"] == [drop(row, {"therapy"}) for row in document["products_without_rates"]
                                                if row["therapy"] == "ivig"]  # not scig's, nor saline's (hydration)


async def test_shape_2_code_gets_no_fixed_dose_it_cannot_read_and_the_current_code_runs_the_pre_hydration(
    tablet_ana, visits, patient_pat, pharmacist_pia, tmp_path
):
    """Shape 2's schema knows no therapy's order_kind nor a product whose order gives a volume, and its
    context.js refuses an order's volume: those are left out of its shape, and the rest is as before. The
    current code reads the pre-hydration (500 mL over 120 min) as a fixed dose at 250 mL/h."""
    several = await Visit.get(id=visits["several"])
    saline = await Order.create(organization_id=patient_pat.organization_id, patient=patient_pat,
                                product_id="sodium-chloride-0.9", therapy="hydration", indication="Hydration",
                                dose_g_per_kg=4.5 / 70, dose_g=4.5, dosing_weight_kg=70.0, basis="order", volume_ml=500.0,
                                duration_min=120, prescriber="Dr. Test", created_by=pharmacist_pia)
    await VisitOrder.create(visit=several, order=saline, position=1)
    current = (await tablet_ana.client.get("/api/reference")).json()
    shape_2 = (await tablet_ana.client.get("/api/reference", headers={REFERENCE_SHAPE_HEADER: str(ORDERS_SHAPE)})).json()
    others = {v["id"]: v["context"]["other_orders"] for v in current["visits"]}[visits["several"]]
    assert [(o["product_id"], o["volume_ml"], o["duration_min"]) for o in others][1:] == [("sodium-chloride-0.9", 500.0, 120)]
    assert current["products"]["therapies"]["hydration"]["order_kind"] == "fixed_dose"
    assert all("order_kind" not in therapy for therapy in shape_2["products"]["therapies"].values())
    assert "sodium-chloride-0.9" not in {row["product_id"] for row in shape_2["products"]["products_without_rates"]}
    for visit in shape_2["visits"]:
        orders = [visit["context"]["order"], *visit["context"]["other_orders"]]
        assert not any({"volume_ml", "duration_min"} & order.keys() for order in orders)
    assert [len(v["context"]["other_orders"]) for v in shape_2["visits"] if v["id"] == visits["several"]] == [1]
    (tmp_path / "current.json").write_text(json.dumps(current))
    ran = json.loads(subprocess.run(["node", str(ENGINE), str(tmp_path / "current.json")], capture_output=True,
                                    text=True, check=True, cwd=ROOT).stdout)
    assert ran["engine"] and ran["visits"][visits["several"]] == {"protocol": ROW, "other_orders": 2}


async def test_shape_3_code_keeps_its_over_volume_alert_for_saline_as_dose_exceeded(tablet_ana, visits):
    """Shape 3's code (2c13400) has no volume_exceeded and would skip it; its dose_exceeded judged hydration
    (in grams). Its rules keep dose_exceeded over hydration, so its nurse is still told the bag ran past the
    order; every other rule is the current one. Checked by hand: 2c13400's pwa/ raises dose_exceeded on the
    volume vector with this document (and raised nothing with the current one)."""
    current = (await tablet_ana.client.get("/api/reference")).json()["rules"]["rules"]
    shape_3 = (await tablet_ana.client.get("/api/reference", headers={REFERENCE_SHAPE_HEADER: str(FIXED_DOSE_SHAPE)})).json()
    rules = {rule["id"]: rule for rule in shape_3["rules"]["rules"]}
    assert "volume_exceeded" not in rules
    assert rules["dose_exceeded"]["applies_to"] == {"therapies": ["ivig", "hydration"],
                                                    "protocol_kinds": ["weight_titration", "fixed_steps", "fixed_dose"]}
    assert [rule for rule in current if rule["id"] not in ("dose_exceeded", "volume_exceeded")] == [
        rule for rule in shape_3["rules"]["rules"] if rule["id"] != "dose_exceeded"]



def test_shape_3_of_rules_without_volume_exceeded_is_the_rules_unchanged():
    """An organization's rules of an earlier version (no volume_exceeded) are shape 3's already: no 500."""
    rules = {"rules": [{"id": "dose_exceeded", "applies_to": {"therapies": ["ivig"], "protocol_kinds": ["fixed_steps"]}}]}
    assert before_volume_alert({"rules": rules}) == {"rules": rules}
