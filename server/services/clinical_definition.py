"""The clinical definition (rules, products, ranges), read and checked once as the server starts.

Each part is cached on first use. Reading it at start-up means that a rules or products file
this code cannot read stops the server before it serves anyone, rather than failing a nurse's
first push; and that the first pushes after a restart do not parse and check it inside the
log's group commit, where every other push would wait for them (bench (f), (g)).
"""

from __future__ import annotations

from server.services import catalogue_names, org_catalogue, reference, visits


def load() -> None:
    visits.rulebook()
    catalogue_names.catalog()
    reference.rule_data()
    org_catalogue.packaged_text()


def loaded() -> bool:
    """Whether every part is in memory (tests: start-up must have read it)."""
    caches = (visits.rulebook, catalogue_names.catalog, reference.rule_data, org_catalogue.packaged_text)
    return all(cache.cache_info().currsize == 1 for cache in caches)
