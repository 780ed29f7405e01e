"""How many mL each rate step of the FHIR document gives, and from which vial: the steps add up to the volume
the summary states as given, and no vial gives more than it held (a walk summed 907.2 mL of a 900 mL lot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from server.services import catalogue_names

if TYPE_CHECKING:
    from server.services.summary import VisitSummary


def fitted_tenths(timeline_ml: list[float], given_ml: float) -> list[int]:
    """Each rate step's share of `given_ml`, the volume the summary states as given, in tenths of a mL (the
    record's precision, so the shares add up exactly): the steps keep their rate × time in order from the start
    and only the end is fitted. Less given (all the product opened, when the rates timed to the minute run past
    it; a pump that read less): the last steps are cut, down to 0 mL for a step that ran on an empty bag, since
    a bag gives what it holds and runs dry at the end. More given (a pump that read more than the rates): the
    last step, the one the reading was taken at, gives the rest. So the document never claims more than the
    summary, earlier steps still read as rate × time, and the lot each step drew from is unchanged."""
    given, ends, total = round(given_ml * 10), [], 0
    for volume_ml in timeline_ml:
        total += round(volume_ml * 10)
        ends.append(min(total, given))
    if ends:
        ends[-1] = given
    return [end - start for start, end in zip([0, *ends], ends)]


def hung(lots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The vials or bags a pump ran from, in the order opened (a vial that failed inspection is never hung)."""
    return [lot for lot in lots if lot.get("inspected_ok", True)] or lots


def lot_shares(lots: list[dict[str, Any]], start_tenths: int,
               volume_tenths: int) -> list[tuple[dict[str, Any] | None, int]]:
    """The vials a rate step drew from and how much from each, in tenths of a mL: vials run in the order they
    were opened, so the step's slice of the cumulative volume falls in one vial or spans two. The last vial
    takes any volume beyond the vials' total (only a pump reading gets there: a bag's overfill, measured)."""
    vials = hung(lots)
    if not vials:
        return [(None, volume_tenths)]
    shares, begin, end = [], 0, start_tenths + volume_tenths
    for index, lot in enumerate(vials):
        lot_end = float("inf") if index == len(vials) - 1 else begin + round((lot.get("volume_ml") or 0) * 10)
        overlap = min(end, lot_end) - max(start_tenths, begin)
        if overlap > 0 or (volume_tenths == 0 and begin <= start_tenths < lot_end):
            shares.append((lot, int(max(overlap, 0))))
        begin = lot_end
    return shares


@dataclass(frozen=True)
class Pump:
    """One order's pump as the document gives it: whose vials it draws from (`pool`: a product id, shared by
    pumps of one product), its name for the Medication, its steps, how each step reads, and what it gave."""

    pool: str
    product_name: str
    segments: list[dict[str, Any]]
    step_text: Callable[[int, dict[str, Any]], str]
    given_ml: float  # what its steps add up to: the volume the summary states as given
    basis: str  # pump (its reading), computed (rate × time) or opened (all the product opened)
    order_id: str  # the order it ran on


def pumps_of(summary: VisitSummary) -> list[Pump]:
    """The visit's own pump (a fixed dose has no per-kg rate), giving the volume its summary states, then each
    additional order's, giving its pump reading, else its rates' volume (the summary's table of other orders)."""
    state = summary.state
    per_kg = state["protocol"]["kind"] != "fixed_dose"

    def own_step(number: int, segment: dict[str, Any]) -> str:
        units = f" ({segment['ml_kg_h']:g} mL/kg/h, {segment['mg_kg_min']:g} mg/kg/min)" if per_kg else ""
        return f"Rate step {number}: {segment['rate_ml_h']:g} mL/h{units} for {segment['duration_min']:g} min"

    def other_step(order_id: str) -> Callable[[int, dict[str, Any]], str]:
        return lambda number, segment: (f"Order {order_id}, rate step {number}: {segment['rate_ml_h']:g} mL/h "
                                        f"for {segment['duration_min']:g} min")

    infusion = state["infusion"]
    return [Pump(state["protocol"]["product_id"], summary.product_name, state["segments"], own_step,
                 infusion["volume_given_ml"], infusion["grams_basis"], str(summary.order.id)),
            *(Pump(run["product_id"], run["product_name"], run["segments"], other_step(run["order_id"]),
                   *((run["pump_volume_ml"], "pump") if run["pump_volume_ml"] is not None
                     else (run["volume_infused_ml"], "computed")), str(run["order_id"]))
              for run in state["other_orders"])]


def pools_of(state: dict[str, Any], pumps: list[Pump]) -> dict[str, list[dict[str, Any]]]:
    """The vials or bags each product's pumps draw from, in the order opened: a lot of a product no order
    names (another IVIG brand hung by mistake, which the fold's mixed-brands alert counts) is the visit's
    own pump's, unless it is of another therapy than that pump's (a bag of saline is never an IVIG vial)."""
    own, named = pumps[0].pool, {pump.pool for pump in pumps}
    therapy = catalogue_names.therapy_of(own)
    pools: dict[str, list[dict[str, Any]]] = {pool: [] for pool in named}
    for lot in state["lots"]:
        product = lot["product_id"]
        if product in named:
            pools[product].append(lot)
        elif catalogue_names.therapy_of(product) in (therapy, None):
            pools[own].append(lot)
    return pools
