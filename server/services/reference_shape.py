"""The reference document in the shape the asking tablet's code reads (issue #18 item 5).

During an update, tablets still run the previous release's code until their service worker updates
and the page reloads. That code refuses unknown fields in the products document and in a visit's
context, so the fields added since would leave it with no clinical engine. The current tablet says
which shape it reads (`REFERENCE_SHAPE_HEADER`, pwa/api.js); a request without it gets the previous
shape: the current document without exactly those fields, which is the IVIG-only world the previous
release read (pwa/rules/catalog.js IVIG_ONLY), so the current code reads it too.
"""

from __future__ import annotations

from typing import Any

from server.errors import FieldError, ValidationFailed

REFERENCE_SHAPE_HEADER = "X-Ivlog-Reference"
REFERENCE_SHAPE = 4  # volume_exceeded: a fixed dose's volume past its order, in mL
FIXED_DOSE_SHAPE = 3  # a fixed dose: an order of a volume over a time, its therapy's order_kind (hydration)
ORDERS_SHAPE = 2  # therapies, protocol kinds and a visit's additional orders (e8dd0f8)
PREVIOUS_SHAPE = 1  # the previous release (dc80baf): IVIG by weight, one order per visit

PRODUCTS_ADDED = ("therapies", "protocol_kinds")
ROW_ADDED = ("therapy", "kind")
CONTEXT_ADDED = ("other_orders", "earlier")
ORDER_ADDED = ("therapy", "id")
THERAPY_ADDED = ("order_kind",)
DOSE_ADDED = ("volume_ml", "duration_min")
# The previous release knew these rows only (IVIG, titrated by weight): a row of another therapy or kind,
# stripped of the fields that say so, would be misread or refuse the whole catalogue; so it is left out.
PREVIOUS_WORLD = {"therapy": "ivig", "kind": "weight_titration"}


def shape_read(header: str | None) -> int:
    """The shape a request asks for: none sent is the previous release's tablet."""
    if header is None:
        return PREVIOUS_SHAPE
    if not header.strip().isdigit():
        reason = "must be a whole number (the reference shape the tablet's code reads)"
        raise ValidationFailed(errors=[FieldError(REFERENCE_SHAPE_HEADER, reason)])
    return int(header)


def in_shape(document: dict[str, Any], shape: int) -> dict[str, Any]:
    """`document` (the current shape) as a tablet reading `shape` needs it."""
    if shape >= REFERENCE_SHAPE:
        return document
    document = before_volume_alert(document)
    if shape >= FIXED_DOSE_SHAPE:
        return document
    document = before_fixed_doses(document)
    if shape >= ORDERS_SHAPE:
        return document
    products = previous_products(document["products"])
    visits = [{**visit, "context": previous_context(visit["context"])} for visit in document["visits"]]
    return {**document, "products": products, "protocols": products["products"], "visits": visits}


def before_volume_alert(document: dict[str, Any]) -> dict[str, Any]:
    """The document as shape 3's code reads it: that code has no volume_exceeded (it would skip it) and its
    dose_exceeded judged hydration too, in grams of sodium chloride. So its rules get dose_exceeded as it was,
    covering what volume_exceeded covers, and no volume_exceeded: its nurse keeps an over-volume alert (with
    dose_exceeded's severity, switch and tolerance, which that code reads)."""
    rules = document["rules"]["rules"]
    volume = next((rule["applies_to"] for rule in rules if rule["id"] == "volume_exceeded"), None)
    if volume is None:
        return document
    shaped = [{**rule, "applies_to": {name: [*rule["applies_to"][name], *volume[name]] for name in volume}}
              if rule["id"] == "dose_exceeded" else rule for rule in rules if rule["id"] != "volume_exceeded"]
    return {**document, "rules": {**document["rules"], "rules": shaped}}


def before_fixed_doses(document: dict[str, Any]) -> dict[str, Any]:
    """The document as shape 2's code reads it: its schema knows no therapy's `order_kind` and no product
    whose order gives a volume, and its context.js refuses an order's volume. So those products, the
    additional orders of a fixed dose, and a visit whose own order is one (that code cannot fold it: it
    shows once the tablet's code updates) are left out; the rest is unchanged."""
    products = document["products"]
    fixed = {name for name, therapy in products["therapies"].items() if therapy.get("order_kind") == "fixed_dose"}
    shaped = {**products, "therapies": {name: _without(t, THERAPY_ADDED) for name, t in products["therapies"].items()},
              "products_without_rates": [row for row in products.get("products_without_rates", [])
                                         if row["therapy"] not in fixed]}
    visits = [{**visit, "context": _without_doses(visit["context"])} for visit in document["visits"]
              if visit["context"]["order"].get("volume_ml") is None]
    return {**document, "products": shaped, "visits": visits}


def _without_doses(context: dict[str, Any]) -> dict[str, Any]:
    shaped = {**context, "order": _without(context["order"], DOSE_ADDED)}
    if "other_orders" in context:
        shaped["other_orders"] = [_without(order, DOSE_ADDED) for order in context["other_orders"]
                                  if order.get("volume_ml") is None]
    return shaped


def previous_products(products: dict[str, Any]) -> dict[str, Any]:
    """The products document as the previous release's pwa/rules/catalog.js reads it."""
    shaped = _without(products, PRODUCTS_ADDED)
    for name in ("products", "products_without_rates"):
        if name in products:
            shaped[name] = [_without(row, ROW_ADDED) for row in products[name] if _in_previous_world(row)]
    return shaped


def previous_context(context: dict[str, Any]) -> dict[str, Any]:
    """A visit's context as the previous release's pwa/rules/context.js reads it: the main order only (an
    old tablet cannot record the others), and the rows changed since the visit began as its catalogue."""
    rows = {pid: _without(row, ROW_ADDED) for pid, row in context.get("protocol_rows", {}).items()}
    return {**_without(context, CONTEXT_ADDED), "order": _without(context["order"], ORDER_ADDED), "protocol_rows": rows}


def _in_previous_world(row: dict[str, Any]) -> bool:
    """An unrated row has a therapy and no kind: it is judged by the fields it has."""
    return all(row.get(name, value) == value for name, value in PREVIOUS_WORLD.items())


def _without(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in names}
