"""The catalogue against the label audit (/work/shared/LABELS.md), one case per row of its section 1 table.

The values below are transcribed from LABELS.md by hand, not read from products.json, so a change to the
data that drifts from the labels fails here. `None` for a time means the label gives none: the row may
still hold one (the rate maths needs it), but it must be marked "generated", never "label" or "maker".
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from server.clinical import Catalog


class Label(NamedTuple):
    section: str
    rate_unit: str
    start: float
    first_step_min: int | None  # the label's time at the start rate, None where it gives none
    step_min: int | None  # the label's interval between steps, None where it gives none
    maximum: float
    cap: float | None  # the at-risk cap ivlog must encode
    cap_exclusive: bool
    cap_source: str  # how at_risk_cap_source must begin
    ladder: str  # "label" / "maker": a source spells out the steps; "invented": the label is silent


MG, ML_MIN, ML_H = "mg/kg/min", "mL/kg/min", "mL/kg/h"
LABELS = {
    # 1-2: Gammagard Liquid 10%, LABELS.md s.2.1
    "gammagard-liquid-10-pi": Label("2.1", ML_H, 0.5, 30, 30, 5, None, False, "label", "invented"),
    "gammagard-liquid-10-mmn-cidp": Label("2.1", ML_H, 0.5, None, None, 5.4, None, False, "label", "invented"),
    # 3-4: Privigen 10%, s.2.2 (no duration, no interval)
    "privigen-10-pi-cidp": Label("2.2", MG, 0.5, None, None, 8, None, False, "label", "invented"),
    "privigen-10-itp": Label("2.2", MG, 0.5, None, None, 4, None, False, "label", "invented"),
    # 5-6: Gamunex-C 10%, s.2.3 ("initial rate for the first 30 minutes"; then "gradually")
    "gamunex-c-10-pi-itp": Label("2.3", MG, 1, 30, None, 8, None, False, "label", "invented"),
    "gamunex-c-10-cidp": Label("2.3", MG, 2, 30, None, 8, None, False, "label", "invented"),
    # 7-9: Octagam, s.2.4 and s.3 items 4-5. 10%: "not to exceed 3.3 mg/kg/min (0.03 mL/kg/min)": the
    # mL figure is 3.0 mg/kg/min, the conservative reading. 5%: "less than 0.07 mL/kg/min [3.3 mg/kg/min]".
    "octagam-10-itp": Label("2.4", MG, 1, 30, 30, 12, 3.0, False, "label", "label"),
    "octagam-10-dm": Label("2.4", MG, 1, 30, 30, 4, 3.0, False, "label", "invented"),
    "octagam-5-pi": Label("2.4", MG, 0.5, None, None, 3.33, 3.3, True, "label", "invented"),
    # 10-11 (+ CIDP): Panzyga 10%, s.2.5: 1 for 30 min, "every 15-30 minutes" (15 used); cap on the cITP page
    "panzyga-10-pi": Label("2.5", MG, 1, 30, 15, 14, 3.3, False, "maker", "invented"),
    "panzyga-10-itp": Label("2.5", MG, 1, 30, 15, 8, 3.3, False, "maker", "maker"),
    "panzyga-10-cidp": Label("2.5", MG, 1, 30, 15, 12, 3.3, False, "maker", "invented"),
    # 12: Bivigam 10%, s.2.6 and s.3 item 6: the "< 2" cap is a monograph's, not the label's (kept: stricter)
    "bivigam-10-pi": Label("2.6", MG, 0.5, 10, 20, 6, 2, True, "NOT the label", "label"),
    # 13: Asceniv 10%, s.2.7
    "asceniv-10-pi": Label("2.7", MG, 0.5, 15, 15, 8, None, False, "label", "invented"),
    # 14-15: Flebogamma DIF, s.2.8 (durations and interval not found)
    "flebogamma-5-dif-pi": Label("2.8", MG, 0.5, None, None, 5, None, False, "monograph", "invented"),
    "flebogamma-10-dif-pi-itp": Label("2.8", MG, 1, None, None, 8, None, False, "not found", "invented"),
    # 16-17 (+ 10% ITP): Gammaplex, s.2.9; the 10% steps are the maker's pivotal-trial protocol
    "gammaplex-5-pi-itp": Label("2.9", MG, 0.5, 15, 15, 4, None, False, "label", "invented"),
    "gammaplex-10-pi": Label("2.9", ML_MIN, 0.005, 15, 15, 0.08, None, False, "label", "maker"),
    "gammaplex-10-itp": Label("2.9", ML_MIN, 0.005, 15, 15, 0.08, None, False, "label", "maker"),
    # Qivigy 10%, s.2.10 (the maker's HCP site): FIRST infusion 1 for 30 min, every 30 min to 8
    "qivigy-10-pi": Label("2.10", MG, 1, 30, 30, 8, None, False, "maker", "invented"),
}
STATED = ("label", "maker")


def test_every_row_of_the_catalogue_has_its_label_case(catalog: Catalog) -> None:
    assert {protocol.id for protocol in catalog.protocols} == set(LABELS)


@pytest.mark.parametrize("protocol_id", sorted(LABELS))
def test_the_row_holds_the_label_values(catalog: Catalog, protocol_id: str) -> None:
    label = LABELS[protocol_id]
    protocol = catalog.protocol(protocol_id)
    provenance = protocol.provenance
    assert provenance is not None
    assert f"LABELS.md s.{label.section}:" in protocol.source
    assert (protocol.rate_unit, protocol.start_rate, protocol.max_rate) == (label.rate_unit, label.start, label.maximum)
    if label.first_step_min is None:
        assert provenance.first_step_source == "generated"
    else:
        assert (protocol.first_step_min, provenance.first_step_source in STATED) == (label.first_step_min, True)
    if label.step_min is None:
        assert provenance.step_source == "generated"
    else:
        assert (protocol.step_min, provenance.step_source in STATED) == (label.step_min, True)
    assert (protocol.at_risk_cap, protocol.at_risk_cap_exclusive) == (label.cap, label.cap_exclusive)
    assert provenance.at_risk_cap_source.startswith(label.cap_source)
    assert protocol.verified_on is None


@pytest.mark.parametrize("protocol_id", sorted(LABELS))
def test_no_step_is_marked_label_or_maker_where_the_ladder_is_invented(catalog: Catalog, protocol_id: str) -> None:
    ladder = LABELS[protocol_id].ladder
    sources = catalog.protocol(protocol_id).provenance.ladder_source  # type: ignore[union-attr]
    assert sources[0] in STATED and sources[-1] in STATED  # the start and the maximum are stated
    between = set(sources[1:-1])
    if ladder == "invented":
        assert between <= {"generated"}
    else:
        assert between and between <= {ladder}


def test_only_the_ndcs_labels_md_states_are_in_the_catalogue(catalog: Catalog) -> None:
    ndcs = {(p.product.id, n.ndc) for p in catalog.protocols for n in p.provenance.ndcs}  # type: ignore[union-attr]
    assert ndcs == {
        ("gamunex-c-10", "76125-900"),  # Gammaked (Kedrion), s.2.3
        ("octagam-10", "0069-6550"), ("octagam-10", "68982-840"), ("octagam-5", "0069-8476"),  # s.2.4
        ("qivigy-10", "76179-010"),  # s.2.10
    }


def test_age_limits_are_those_labels_md_states(catalog: Catalog) -> None:
    ages = {p.id: p.provenance.min_age_years for p in catalog.protocols}  # type: ignore[union-attr]
    assert {k: v for k, v in ages.items() if v is not None} == {
        "gammagard-liquid-10-pi": 2, "gammagard-liquid-10-mmn-cidp": 18, "octagam-10-itp": 18, "octagam-10-dm": 18,
        "panzyga-10-itp": 18, "panzyga-10-cidp": 18, "asceniv-10-pi": 12, "gammaplex-10-itp": 18, "qivigy-10-pi": 18,
    }
