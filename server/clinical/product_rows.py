"""The checks of data/products.json that span fields, on top of its shape (data/products.schema.json,
which the tablet checks too): a row carries exactly the fields its kind declares (the file's
`protocol_kinds`, so a new shape is data plus, if it needs rate maths, code), and a ladder agrees with its
ends and its sources. `products.py` turns a checked file into protocols the rate maths reads."""

from __future__ import annotations

from typing import Any

from server.clinical.shapes import checker, data_file

Row = dict[str, Any]
"""A row of products.json as checked, with its defaults (products.schema.json `$defs.row`)."""

# The row fields that belong to protocol kinds (the rest every row has).
KIND_FIELDS: tuple[str, ...] = tuple(data_file("products.schema.json")["$defs"]["kind_field"]["enum"])
_SHAPE = checker("products")


def _check_ladder(what: str, ladder: list[float], start: float | None, top: float | None,
                  sources: list[str] | None) -> None:
    """A fixed_steps ladder has no start_rate, max_rate or sources: only its order is checked."""
    if start is not None and (ladder[0] != start or ladder[-1] != top):
        raise ValueError(f"{what}: ladder must run from start_rate to max_rate")
    if any(low >= high for low, high in zip(ladder, ladder[1:])):
        raise ValueError(f"{what}: ladder must be strictly increasing")
    if sources is not None and len(sources) != len(ladder):
        raise ValueError(f"{what}: ladder_source must match the ladder")


def _check_ladders(row: Row) -> None:
    """The row's ladder and its later infusions' agree with their ends and sources and the at-risk cap."""
    what, cap, later = row["protocol_id"], row["at_risk_cap"], row["subsequent"]
    if row["ladder"] is None:
        return
    _check_ladder(what, row["ladder"], row["start_rate"], row["max_rate"], row["ladder_source"])
    if cap is not None and not (row["start_rate"] or 0) < cap < (row["max_rate"] or 0):
        raise ValueError(f"{what}: at_risk_cap must lie between start and maximum")
    if later is not None:
        _check_ladder(f"{what} subsequent", later["ladder"], later["start_rate"], row["max_rate"], later["ladder_source"])
        if cap is not None and not later["start_rate"] < cap:
            raise ValueError(f"{what} subsequent: at_risk_cap must lie above its start rate")


def _check_row_shape(row: Row, kinds: dict[str, Any], therapies: dict[str, Any]) -> None:
    """The row against its declared kind: its therapy and kind are declared, its rate unit is one of
    the kind's, it carries every field of its kind and no field of another."""
    what, kind, therapy = row["protocol_id"], row["kind"], row["therapy"]
    if therapy not in therapies:
        raise ValueError(f"{what}: therapy {therapy!r} is not declared in therapies")
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"{what}: kind {kind!r} is not declared in protocol_kinds")
    if row["rate_unit"] not in spec["rate_units"]:
        raise ValueError(f"{what}: rate_unit {row['rate_unit']!r} is not one of {kind}'s {spec['rate_units']}")
    for name in KIND_FIELDS:
        present, wanted = row[name] is not None, name in spec["fields"]
        if wanted and not present:
            raise ValueError(f"{what}: a {kind} row needs {name}")
        if present and not wanted:
            raise ValueError(f"{what}: {name} is not a field of a {kind} row")
    if kind != "weight_titration" and (row["subsequent"] is not None or row["at_risk_cap"] is not None):
        raise ValueError(f"{what}: subsequent and at_risk_cap belong to weight_titration rows")


def checked_products(data: Any) -> dict[str, Any]:
    """The products document with its defaults; raises ShapeError (a ValueError) or ValueError."""
    doc = _SHAPE(data, "products")
    for row in doc["products"]:
        _check_ladders(row)
    for row in doc["products"]:
        _check_row_shape(row, doc["protocol_kinds"], doc["therapies"])
    for unrated in doc["products_without_rates"]:
        if unrated["therapy"] not in doc["therapies"]:
            raise ValueError(f"{unrated['product_id']}: therapy {unrated['therapy']!r} is not declared in therapies")
    return doc
