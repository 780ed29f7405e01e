"""The packaged catalogue as order entry and the documents name it: the product and indication choices of
the order form, a product's name and its therapy (an id the catalogue does not list is named by itself)."""

from __future__ import annotations

from functools import lru_cache

from server.clinical.products import Catalog, load_products


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_products()


def product_choices() -> list[tuple[str, str, str]]:
    """Every (product, indication) pair of the catalogue as (`product_id|indication`, label, therapy); a product
    without verified rates says so in its label. The therapy lets the order form show only its own sections."""
    pairs = {
        (protocol.product.id, indication): (f"{protocol.product.name} · {indication}", protocol.product.therapy)
        for protocol in catalog().protocols
        for indication in protocol.indications
    }
    pairs |= {
        (entry.product.id, indication): (f"{entry.product.name} · {indication} ({entry.rates_note})", entry.product.therapy)
        for entry in catalog().unrated
        for indication in entry.indications
    }
    return sorted(((f"{pid}|{ind}", label, therapy) for (pid, ind), (label, therapy) in pairs.items()),
                  key=lambda c: c[1])


def product_name(product_id: str) -> str:
    try:
        return catalog().product(product_id).name
    except KeyError:
        return product_id


def therapy_of(product_id: str) -> str | None:
    """The product's therapy, or None when the catalogue does not list it."""
    try:
        return catalog().product(product_id).therapy
    except KeyError:
        return None
