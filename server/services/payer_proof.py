"""What a payer asks of a visit (PAYER.md s.2.1): each vial or bag opened, by lot, with what it gave the patient
and what was discarded, and for a single-dose drug the JW/JZ split of the claim (the amount given on one line;
the amount discarded on a second line with JW, or JZ on the one line when nothing was). ivlog does not bill: the
biller's system maps a product to its code and units; this gives the amounts and the record that supports them.

A vial's share of what the visit gave follows the FHIR document's (`fhir_volumes`): each product's vials are
used up in the order opened, the last one hung taking what the pump gave beyond the others; what a vial held
and did not give was discarded (single-dose: an opened vial is not kept). A vial that failed its inspection was
never hung: all of it was discarded, for that reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.field_words import BASIS_WORDS
from server.services.fhir_volumes import hung, pools_of, pumps_of
from server.services.summary import VisitSummary

# Therapies given from single-dose containers, whose claims carry JW or JZ (PAYER.md s.2.1: IVIG vials). A bag
# of saline for hydration is a supply, not a drug line.
SINGLE_DOSE_THERAPIES = frozenset({"ivig", "scig"})
LEFT, FAILED = "left in the vial", "failed inspection"  # why a vial's product was discarded
LEFT_IN_BAG = "left in the bag"  # a supply's bag (hydration): said in mL only, no grams of its salt (a walk)


@dataclass(frozen=True)
class VialUse:
    """One vial or bag opened: what it held, gave and what was discarded (mL, and g where the product's
    concentration is known), and why."""

    event_id: str
    at: str
    product_id: str
    product_name: str
    lot: str
    expiry: str
    ndc: str | None  # as scanned or typed at the bedside: the package's own code
    held_ml: float
    given_ml: float
    discarded_ml: float
    mg_per_ml: float | None
    why_discarded: str | None  # "left in the vial", "failed inspection", or None (nothing was)

    def grams(self, ml: float) -> float | None:
        return None if self.mg_per_ml is None else round(ml * self.mg_per_ml / 1000, 2)


@dataclass(frozen=True)
class ClaimLine:
    """One line of the drug's claim: the amount and its modifier (JW: discarded; JZ: nothing discarded), and
    how the amount given was found (BASIS_WORDS: the pump's reading, or computed from the rates)."""

    product_id: str
    product_name: str
    grams: float
    modifier: str  # "" (given, with a JW line beside it), "JW" or "JZ"
    basis: str


def _product(summary: VisitSummary, product_id: str) -> Any:
    try:
        return summary.context.catalog.product(product_id)
    except KeyError:  # not in the catalogue the visit was folded with: named by its id, no grams
        return None


def _pool_use(summary: VisitSummary, lots: list[dict[str, Any]], given_tenths: int) -> list[VialUse]:
    vials, left, uses = hung(lots), given_tenths, []
    for lot in lots:
        held = round((lot.get("volume_ml") or 0) * 10)
        if lot in vials:
            given = left if lot is vials[-1] else min(held, left)
            left -= given
        else:
            given = 0
        discarded = max(held - given, 0)
        product = _product(summary, lot["product_id"])
        bag = product is not None and product.therapy not in SINGLE_DOSE_THERAPIES
        why = None if not discarded else (LEFT_IN_BAG if bag else LEFT) if lot in vials else FAILED
        uses.append(VialUse(
            lot["event_id"], lot["at"], lot["product_id"], product.name if product else lot["product_id"],
            lot["lot"], lot["expiry"], lot.get("ndc"), held / 10, given / 10, discarded / 10,
            product.concentration_mg_ml if product and not bag else None, why))
    return uses


def vial_use(summary: VisitSummary) -> list[VialUse]:
    """Every vial or bag the visit opened, in the order opened, with what it gave and what was discarded."""
    pumps = pumps_of(summary)
    uses = [use for pool, lots in pools_of(summary.state, pumps).items()
            for use in _pool_use(summary, lots, sum(round(p.given_ml * 10) for p in pumps if p.pool == pool))]
    return sorted(uses, key=lambda use: use.at)


def claim_lines(summary: VisitSummary) -> list[ClaimLine]:
    """The JW/JZ split of each single-dose drug the visit gave (PAYER.md s.2.1), in grams. What was left in a
    vial hung is the JW waste; a vial that failed its inspection was never given and is on no line (a defective
    vial is returned or reported, not billed)."""
    uses = summary.vials
    bases = {pump.pool: pump.basis for pump in reversed(pumps_of(summary))}  # the first pump of each product
    lines = []
    for product_id in dict.fromkeys(use.product_id for use in uses):
        product = _product(summary, product_id)
        if product is None or product.therapy not in SINGLE_DOSE_THERAPIES:
            continue
        own = [use for use in uses if use.product_id == product_id and use.why_discarded != FAILED]
        given = round(sum(use.grams(use.given_ml) for use in own), 2)
        discarded = round(sum(use.grams(use.discarded_ml) for use in own), 2)
        basis = BASIS_WORDS[bases.get(product_id, "computed")]
        lines += [ClaimLine(product_id, product.name, given, "" if discarded else "JZ", basis)]
        lines += [ClaimLine(product_id, product.name, discarded, "JW", basis)] if discarded else []
    return lines
