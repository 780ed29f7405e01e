"""The clinical definition is read and checked as the server starts, not by the first push after it."""

from __future__ import annotations

from server.app import create_app
from server.services import catalogue_names, clinical_definition, org_catalogue, reference, visits
from server.settings import Settings


def _forget() -> None:
    for cache in (visits.rulebook, catalogue_names.catalog, reference.rule_data, org_catalogue.packaged_text):
        cache.cache_clear()


async def test_the_rules_and_products_are_in_memory_before_the_first_request(settings: Settings) -> None:
    _forget()
    assert not clinical_definition.loaded()
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        assert clinical_definition.loaded()
