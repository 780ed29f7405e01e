"""Alerts about the visit's preparation and products that need more than a threshold: the kit gate,
the premedications ordered and given, the products opened (CLINICAL.md sections 1 and 4). Weight,
premedication timing, the product ordered, expiry, inspection and notification are expressions."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterator

from server.clinical.payload_checks import kit_ready
from server.clinical.rounding import format_number, round_half_up
from server.clinical.rulebook import Finding, RuleSpec, by_name

if TYPE_CHECKING:
    from server.clinical.ordering import Entry
    from server.clinical.picture import Picture


def kit_missing(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    """Every start needs the latest assessment before it to have passed the kit check."""
    for start in picture.of_kind("infusion.started"):
        before = [a for a in picture.of_kind("assessment") if a.key < start.key]
        latest = before[-1] if before else None
        if latest is None or not kit_ready(latest.payload):
            yield Finding((start.id,) + (() if latest is None else (latest.id,)))


def premed_missing(picture: Picture, rule: RuleSpec) -> list[Finding]:
    """Ordered premedications with no premedication entry of that drug (names compared casefolded)."""
    if not picture.infusion.rate_events:
        return []
    given = {m.payload["drug"].casefold() for m in picture.of_kind("medication.given") if m.payload["purpose"] == "premed"}
    missing = [p.drug for p in picture.context.order.premeds if p.drug.casefold() not in given]
    return [Finding((picture.infusion.rate_events[0].entry.id,), {"drugs": ", ".join(missing)})] if missing else []


MASS_MCG = {"mcg": 1.0, "mg": 1000.0, "g": 1000000.0}


def amount_of(dose: float, unit: str) -> tuple[str, float]:
    """A dose on its scale: mcg, mg and g are one (mass, in mcg; a walk's 0.25 g against 25 mg ordered passed
    unflagged), mL and units each their own."""
    return ("mass", round_half_up(dose * MASS_MCG[unit], 3)) if unit in MASS_MCG else (unit, dose)


def medication_off_order(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    """A medication given that no order of the visit lists for its purpose (a premedication among the
    premeds, a PRN or reaction dose among the PRN orders), by a route no such order names (the right route:
    diphenhydramine IV where the order says PO), or above every ordered dose by its route on the same scale."""
    orders = (picture.context.order, *picture.context.other_orders)
    for given in picture.of_kind("medication.given"):
        p = given.payload
        listed = [m for order in orders for m in (order.premeds if p["purpose"] == "premed" else order.prn_orders)
                  if m.drug.casefold() == p["drug"].casefold()]
        items = [m for m in listed if m.route is None or m.route == p["route"]]
        scale, amount = amount_of(p["dose"], p["unit"])
        doses = sorted(((ordered[1], m) for m in items if m.dose is not None
                        for ordered in [amount_of(m.dose, m.unit)] if ordered[0] == scale), key=lambda pair: pair[0])
        if not listed:
            problem = f"not on the order's {'premedication' if p['purpose'] == 'premed' else 'PRN'} list"
        elif not items:
            problem = f"by {p['route']}, where the order gives it {' or '.join(sorted({m.route for m in listed}))}"
        elif len(doses) == len(items) and amount > doses[-1][0]:
            problem = f"above the ordered {format_number(doses[-1][1].dose, 2)} {doses[-1][1].unit}"
        else:
            continue
        yield Finding((given.id,), {"drug": p["drug"], "dose": p["dose"], "unit": p["unit"], "problem": problem})


def product_name(picture: Picture, product_id: str) -> str:
    """The catalogue name of a product, or its id when the catalogue does not list it."""
    try:
        return picture.context.catalog.product(product_id).name
    except KeyError:
        return product_id


def mixed_brands(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    """Brands mixed in the order's infusion (another order's product runs on its own pump: not mixed)."""
    opened = [o for o in picture.of_kind("product.opened") if o.payload["product_id"] not in picture.foreign_products]
    for later in opened[1:]:  # each compared with the first opened
        if later.payload["product_id"] != opened[0].payload["product_id"]:
            values = {"product": product_name(picture, later.payload["product_id"]),
                      "other_product": product_name(picture, opened[0].payload["product_id"])}
            yield Finding((later.id, opened[0].id), values)


def _usable(picture: Picture, opened: Entry) -> bool:
    """A product fit to infuse: the order's, inspected, in date on the day it was opened."""
    p = opened.payload
    return (p["inspected_ok"] and p["product_id"] == picture.context.order.product_id
            and date.fromisoformat(p["expiry"]) >= opened.occurred_at.date())


def start_not_ready(picture: Picture, rule: RuleSpec) -> list[Finding]:
    """A start needs a usable product opened before it; a start without one (an override) is flagged."""
    opened = picture.of_kind("product.opened")
    return [Finding((start.id,), {"override_reason": start.payload["override_reason"] or "none given"})
            for start in picture.of_kind("infusion.started")
            if not any(o.key < start.key and _usable(picture, o) for o in opened)]


VISIT_RULES = by_name(kit_missing, start_not_ready, premed_missing, medication_off_order, mixed_brands)
